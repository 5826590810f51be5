/**
 * The similar-chunk detector: sketches are deterministic and shared by chunks that share most of
 * their bytes; in a store, every delta made from a detector candidate is on a base that really has
 * one of its fingerprints (stale table entries — bases freed, slots reused — are never used), the
 * table stays within its bound, reads stay exact, and deleting everything empties the store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache } from '../../server/src/cache/index.js';
import { sketch, SKETCH_SIZE, MAX_ENTRIES } from '../../server/src/cache/store/similarity.js';
import { auditStore, mutate, PREFIX, splicesArb, textArb } from './helpers.js';

const fpsOf = (bytes: Uint8Array): number[] => {
  const out = new Uint32Array(SKETCH_SIZE);
  return [...out.subarray(0, sketch(bytes, out))];
};

test('sketch: deterministic, sorted distinct values, the bottom values of all windows', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 3000 }), (bytes) => {
      const fps = fpsOf(bytes);
      assert.deepEqual(fpsOf(bytes.slice()), fps);
      assert.ok(fps.length >= 1 && fps.length <= SKETCH_SIZE);
      for (let i = 1; i < fps.length; i++) assert.ok(fps[i - 1] < fps[i]);
      // The same window content gives the same value wherever it sits: a window's value depends on its 32 bytes only.
      const shifted = new Uint8Array(bytes.length + 7);
      shifted.set(bytes, 7);
      const s = fpsOf(shifted);
      assert.ok(s[0] <= fps[0], 'a window moved by 7 bytes lost its value');
    }),
    { numRuns: 1000 },
  );
  assert.deepEqual(fpsOf(new Uint8Array(31)), []);
});

test('detector in a store: candidates verify, the table is bounded, reads exact, the store empties', async () => {
  let deltasSeen = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(textArb(3000).map((t): Uint8Array => new Uint8Array(Buffer.concat([PREFIX, t]))), { minLength: 1, maxLength: 3 }),
      fc.array(fc.tuple(fc.nat(), splicesArb, fc.boolean()), { minLength: 1, maxLength: 25 }),
      async (firsts, ops) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
        const model = new Map<string, Uint8Array>();
        let n = 0;
        for (const [pick, splices, del] of ops) {
          const keys = [...model.keys()];
          if (del && keys.length > 0) {
            const k = keys[pick % keys.length]!;
            cache.delete(k);
            model.delete(k);
            continue;
          }
          // A fresh key (no previous version): any delta it gets comes from the detector.
          const from = keys.length > 0 && pick % 2 === 0 ? model.get(keys[pick % keys.length]!)! : firsts[pick % firsts.length]!;
          const text = mutate(from, splices);
          const key = `k${n++}`;
          cache.put(key, text, undefined, { similar: true });
          model.set(key, text);
        }
        const st = cache.store;
        const t = st.table;
        deltasSeen += st.deltaChunks;
        for (const slot of t.slots()) {
          const base = st.deltaBase(slot);
          if (base < 0) continue;
          const mine = new Uint8Array(t.rawLength(slot));
          const theirs = new Uint8Array(t.rawLength(base));
          st.readInto(slot, mine, 0);
          st.readInto(base, theirs, 0);
          const fb = fpsOf(theirs);
          assert.ok(fpsOf(mine).some((f) => fb.includes(f)), `delta ${slot} on base ${base}: no shared fingerprint`);
        }
        const entries = st.similar.entries;
        assert.ok(entries <= MAX_ENTRIES && entries <= Math.max(256, 2 * t.capacity), `similarity table of ${entries} entries for ${t.capacity} slots`);
        assert.ok(cache.stats().store.metadataBytes >= st.similar.bytes);
        for (const [k, text] of model) assert.deepEqual(cache.read(k), text);
        auditStore(cache);
        for (const k of [...model.keys()]) cache.delete(k);
        auditStore(cache);
        const s = cache.stats().store;
        assert.deepEqual([s.uniqueChunks, s.storedBytes, s.uniqueRawBytes], [0, 0, 0]);
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(deltasSeen > 0, 'the detector never produced a delta: the property was vacuous');
});
