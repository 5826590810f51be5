/**
 * Repair: flip bits anywhere in the stored bytes and columns of a store holding versions (deltas,
 * chains), copies (shared chunks) and files in both tiers, every entry with a verified fallback →
 * the first read of each entry is exact (through the fallback where damaged), and that read's
 * re-put repairs the damage in place: a second read of every entry is a verified read, with no new
 * CRC failure and no new fallback. The store's figures are exact throughout (recounted from its
 * parts), and releasing everything empties it. Also when the damaged chunk is a base only deltas
 * hold (its own version deleted), for every kind of damage but one known limit: a damaged length
 * or stored-length column of a chunk freed without ever being repaired (such a base, once the
 * deltas on it turn whole) is the only record of that length, so it is freed by the wrong size
 * (unique raw bytes / slab live bytes off; a slab may even be released early, failing the reads of
 * its other chunks later). Those runs flip no length column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, debugStorage, type SourceCache } from '../../server/src/cache/index.js';
import { auditStore, enc, mutate, PREFIX, putLineages, splicesArb, textArb } from './helpers.js';

/** Stored bytes and chunk columns; entry fields, chunk lists and journals are the facade's, not the store's. */
const STORE_REGIONS = ['warm-chunk', 'pack-frame', 'pack-offsets', 'chunk-crc', 'chunk-length', 'chunk-aux'] as const;

function assertEmpty(cache: SourceCache): void {
  const s = cache.stats().store;
  assert.deepEqual(
    [s.chunks, s.uniqueChunks, s.deltaChunks, s.storedBytes, s.rawBytes, s.uniqueRawBytes, cache.store.damagedChunks],
    [0, 0, 0, 0, 0, 0, 0],
  );
}

test('damage found by a read is repaired by its fallback re-put: the next read is verified, figures exact', async () => {
  const hit = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(textArb(3000).map((t): Uint8Array => new Uint8Array(Buffer.concat([PREFIX, t]))), { minLength: 1, maxLength: 3 }),
      fc.array(splicesArb, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(Infinity, 0, 3000),
      fc.array(fc.tuple(fc.constantFrom(...STORE_REGIONS), fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      async (firsts, versions, warmBytes, flips, dropFirst) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
        const model = putLineages(cache, firsts, versions, (_n, text) => () => text.slice());
        if (dropFirst) {
          // The first versions live on only as bases of the deltas after them: damage there is
          // repaired by turning the deltas on them whole (nobody puts their content again).
          for (let f = 0; f < firsts.length; f++) {
            for (const k of [`f${f}v0`, `f${f}copy`]) {
              cache.delete(k);
              model.delete(k);
            }
          }
        }
        cache.setBudgets({ warmBytes });
        auditStore(cache);

        const dbg = debugStorage(cache);
        for (const [kind, pick, bit] of flips) {
          if (dropFirst && (kind === 'chunk-length' || kind === 'chunk-aux')) continue; // the known limit (header)
          const regions = dbg.regions().filter((r) => r.name.startsWith(kind + ' ') && r.bytes.length > 0);
          if (regions.length === 0) continue;
          const region = regions[pick % regions.length]!;
          region.bytes[(pick >>> 5) % region.bytes.length] ^= 1 << bit;
          hit.set(kind, (hit.get(kind) ?? 0) + 1);
        }
        dbg.dropCaches();

        for (const [k, t] of model) assert.deepEqual(cache.read(k), t, `${k}: first read`);
        auditStore(cache);
        const first = cache.stats().integrity;
        for (const [k, t] of model) assert.deepEqual(cache.read(k), t, `${k}: second read`);
        const second = cache.stats().integrity;
        assert.equal(second.crcFailures, first.crcFailures, 'no new CRC failure on the second read');
        assert.equal(second.fallbacks, first.fallbacks, 'no new fallback on the second read');
        assert.equal(second.verifiedReads, first.verifiedReads + model.size);
        // (A damaged base only deltas stored whole in a pack hold may wait: nobody needs its bytes.)
        if (!dropFirst) assert.equal(cache.store.damagedChunks, 0, 'every damaged chunk was repaired');
        auditStore(cache);

        for (const k of model.keys()) cache.delete(k);
        assertEmpty(cache);
      },
    ),
    { numRuns: 1500 },
  );
  for (const kind of STORE_REGIONS) assert.ok((hit.get(kind) ?? 0) > 20, `${kind} was hit ${hit.get(kind) ?? 0} times`);
});

test('one re-put repairs a damaged chunk for every entry sharing it, and for the deltas built on it', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 } });
  const v0 = enc.encode(Array.from({ length: 200 }, (_, i) => `export const value${i} = compute(${i});\n`).join(''));
  const v1 = mutate(v0, [[0.3, 4, enc.encode('changed')], [0.7, 4, enc.encode('again')]]);
  cache.put('a', v0, () => v0.slice());
  cache.put('b', v0); // same chunks, no fallback
  cache.put('v1', v1, undefined, { previous: 'a' }); // deltas on a's chunks, no fallback
  assert.ok(cache.stats().store.deltaChunks > 0);
  const dbg = debugStorage(cache);
  for (const r of dbg.regions('a').filter((r) => r.name.startsWith('warm-chunk'))) r.bytes[0] ^= 0x10;
  assert.deepEqual(cache.read('a'), v0);
  const s = cache.stats().integrity;
  assert.equal(s.crcFailures, 1);
  assert.equal(s.fallbacks, 1);
  assert.deepEqual(cache.read('b'), v0); // repaired through a's re-put, though b has no fallback
  assert.deepEqual(cache.read('v1'), v1); // and so are the bases of v1's deltas
  assert.equal(cache.stats().integrity.crcFailures, 1);
  assert.equal(cache.store.damagedChunks, 0);
  auditStore(cache);
});

test('a damaged chunk nobody re-puts stays refused, and is freed with its last reference', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 } });
  const text = enc.encode('let shared = 1;\n'.repeat(300));
  cache.put('x', text);
  cache.put('y', text);
  debugStorage(cache).regions('x').find((r) => r.name.startsWith('chunk-crc'))!.bytes[1] ^= 4;
  assert.throws(() => cache.read('x'));
  assert.throws(() => cache.read('y'));
  assert.ok(cache.store.damagedChunks >= 1);
  auditStore(cache);
  cache.delete('x');
  cache.delete('y');
  assertEmpty(cache);
});
