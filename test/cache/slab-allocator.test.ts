/**
 * The slab allocator keeps nothing per allocation: compaction asks the owners which of them lie in
 * a slab. Property: any sequence of allocations and frees (owners freed the way the chunk store
 * frees them: the owner still reports the freed address while `free` runs) keeps every live
 * allocation's bytes intact across compactions, live bytes exact, slab memory within the bound,
 * and the allocator's metadata a function of its slabs only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SlabAllocator, slabIndex } from '../../server/src/cache/store/slab-allocator.js';
import { createSourceCache } from '../../server/src/cache/index.js';
import { auditStore, mutate, PREFIX, splicesArb, textArb } from './helpers.js';

/** The byte pattern owner `o` writes into its allocation (so a misplaced copy is seen). */
const pattern = (o: number, i: number) => (o * 131 + i * 7) & 0xff;

test('slab allocator: bytes survive compaction, live bytes exact, memory bounded, no per-allocation metadata', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1024, max: 8192 }),
      fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 900 })), { minLength: 1, maxLength: 600 }),
      (slabSize, ops) => {
        /** owner → [addr, length]; a freed owner is deleted only after `free` returns (see the header). */
        const where = new Map<number, [number, number]>();
        const slabs = new SlabAllocator(
          {
            ownersIn: (slab, visit) => {
              for (const [o, [addr, len]] of [...where]) if (slabIndex(addr) === slab) visit(o, addr, len);
            },
            relocate: (o, addr) => {
              where.get(o)![0] = addr;
            },
          },
          slabSize,
        );
        let next = 0;
        let live = 0;
        let largest = 0;
        let peakSlabs = 0;
        for (const [isAlloc, pick, length] of ops) {
          if (isAlloc || where.size === 0) {
            const o = next++;
            const addr = slabs.alloc(length);
            slabs.view(addr, length).set(Uint8Array.from({ length }, (_, i) => pattern(o, i)));
            where.set(o, [addr, length]);
            live += length;
            largest = Math.max(largest, length);
          } else {
            const owners = [...where.keys()];
            const o = owners[pick % owners.length];
            const [addr, len] = where.get(o)!;
            slabs.free(addr, len);
            where.delete(o);
            live -= len;
          }
          assert.equal(slabs.liveBytes, live);
          // Sealed slabs are at least half live; plus the current slab.
          assert.ok(slabs.slabBytes <= (2 * live * slabSize) / (slabSize - largest) + 2 * slabSize, `${slabs.slabBytes} slab bytes for ${live} live`);
          // 4 array elements per slab index + objects per live slab + free indexes: nothing per
          // allocation, so it is bounded by the most slabs ever live at once (+1 during a compaction).
          peakSlabs = Math.max(peakSlabs, slabs.slabCount);
          assert.ok(slabs.metadataBytes <= (peakSlabs + 1) * (32 + 256 + 8), `${slabs.metadataBytes} B of allocator metadata for ${peakSlabs} slabs`);
        }
        for (const [o, [addr, len]] of where) {
          const bytes = slabs.view(addr, len);
          for (let i = 0; i < len; i++) if (bytes[i] !== pattern(o, i)) assert.fail(`owner ${o}: byte ${i} moved wrong`);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('store churn with small slabs, deltas and cold flushes: figures exact at every step, empty at the end', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(textArb(4000), { minLength: 2, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(4), splicesArb), { minLength: 1, maxLength: 40 }),
      async (texts, ops) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 1024, packBytes: 2048 });
        const model = new Map<string, Uint8Array>();
        for (const [n, kind, splices] of ops) {
          const key = `f${n % 5}`;
          const prev = model.get(key);
          if (kind <= 1 || !prev) {
            const t = prev ? mutate(prev, splices) : Uint8Array.from([...PREFIX, ...texts[n % texts.length]]);
            cache.put(key, t);
            model.set(key, t);
          } else if (kind === 2) {
            cache.delete(key);
            model.delete(key);
          } else if (kind === 3) {
            cache.setBudgets({ warmBytes: (n % 3) * 1500 });
          } else {
            assert.deepEqual(cache.read(key), prev);
          }
          auditStore(cache);
        }
        for (const [k, t] of model) assert.deepEqual(cache.read(k), t);
        for (const k of [...model.keys()]) cache.delete(k);
        auditStore(cache);
        const s = cache.stats();
        assert.deepEqual([s.store.uniqueChunks, s.store.storedBytes, s.store.uniqueRawBytes], [0, 0, 0]);
      },
    ),
    { numRuns: 150 },
  );
});
