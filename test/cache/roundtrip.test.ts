/**
 * Round trips through the whole cache: any text, any chunk sizes, any edits → read gives exactly
 * the model text in the warm tier, in the cold tier, and after warm → cold → warm; the base and the
 * journal read back as written; compaction folds the journal without changing the text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, type JournalEdit } from "../../server/src/cache/index.js";
import { chunkingArb, editSpecsArb, resolveEdit, applyEdit, textArb, type EditSpec } from './helpers.js';

test('read returns the exact text after any edits, warm, cold and warm again', async () => {
  const caches = new Map<string, Awaited<ReturnType<typeof createSourceCache>>>();
  await fc.assert(
    fc.asyncProperty(textArb(), chunkingArb, editSpecsArb, fc.boolean(), async (text, chunking, specs, compactFirst) => {
      const id = `${chunking.minSize}/${chunking.avgSize}/${chunking.maxSize}`;
      let cache = caches.get(id);
      if (!cache) {
        cache = await createSourceCache({ chunking, slabSize: 4096, packBytes: 8192, journalLimit: 8 });
        if (caches.size < 50) caches.set(id, cache);
      }
      const key = `k${Math.random()}`;
      cache.put(key, text);
      let model = text;
      const edits: JournalEdit[] = [];
      for (const spec of specs as EditSpec[]) {
        const edit = resolveEdit(spec, model.length);
        if (!cache.appendEdit(key, edit)) {
          assert.equal(cache.journal(key).length, 8);
          cache.compact(key);
          assert.equal(cache.journal(key).length, 0);
          edits.length = 0;
          assert.ok(cache.appendEdit(key, edit));
        }
        edits.push(edit);
        model = applyEdit(model, edit);
      }
      if (compactFirst) {
        cache.compact(key);
        edits.length = 0;
      }
      assert.deepEqual(cache.read(key), model);
      const journal = cache.journal(key);
      assert.equal(journal.length, edits.length);
      journal.forEach((j, i) => {
        assert.equal(j.start, edits[i].start);
        assert.equal(j.end, edits[i].end);
        assert.deepEqual(j.text, edits[i].text);
        assert.deepEqual(j.aux, edits[i].aux);
      });
      let base = cache.readBase(key);
      for (const j of journal) base = applyEdit(base, j);
      assert.deepEqual(base, model);

      const baseLength = cache.readBase(key).length;
      cache.setBudgets({ warmBytes: 0 });
      // An entry with an empty base costs no stored bytes, so no budget ever needs to move it.
      assert.equal(cache.tier(key), baseLength === 0 ? 'warm' : 'cold');
      if (cache.tier(key) === 'warm') cache.setBudgets({ warmBytes: 0 });
      assert.equal(cache.stats().tiers.warm.bytes, 0);
      cache.setBudgets({ warmBytes: Infinity });
      const wasCold = cache.tier(key) === 'cold';
      assert.deepEqual(cache.read(key), model); // cold read: served from the packs, stays cold
      assert.equal(cache.tier(key), wasCold ? 'cold' : 'warm');
      assert.deepEqual(cache.read(key), model); // second read while cold: promoted
      assert.equal(cache.tier(key), 'warm');
      assert.deepEqual(cache.read(key), model);
      cache.delete(key);
      assert.equal(cache.has(key), false);
    }),
    { numRuns: 1500 },
  );
  for (const cache of caches.values()) {
    const s = cache.stats();
    assert.equal(s.store.chunks, 0);
    assert.equal(s.store.uniqueChunks, 0);
    assert.equal(s.store.storedBytes, 0);
    assert.equal(s.integrity.crcFailures, 0);
  }
});

test('streamed put equals whole put; re-put and shared content stay consistent', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 }, slabSize: 4096, packBytes: 4096 });
  await fc.assert(
    fc.asyncProperty(fc.array(textArb(4000), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(5), { maxLength: 20 }), async (texts, ops) => {
      const model = new Map<string, Uint8Array>();
      texts.forEach((t, i) => {
        cache.putStream(`s${i}`, [t.subarray(0, t.length >> 1), t.subarray(t.length >> 1)]);
        model.set(`s${i}`, t);
      });
      for (const op of ops) {
        const key = `s${op % texts.length}`;
        if (op % 3 === 0) cache.setBudgets({ warmBytes: 0 });
        else if (op % 3 === 1) cache.setBudgets({ warmBytes: Infinity });
        else {
          const t = texts[(op + 1) % texts.length];
          cache.put(key, t);
          model.set(key, t);
        }
      }
      for (const [k, t] of model) assert.deepEqual(cache.read(k), t);
      for (const k of model.keys()) cache.delete(k);
      const s = cache.stats();
      assert.equal(s.store.chunks, 0);
      assert.equal(s.store.storedBytes, 0);
      assert.equal(s.store.rawBytes, 0);
    }),
    { numRuns: 200 },
  );
});
