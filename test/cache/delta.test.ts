/**
 * Delta chunks: the history encoder round-trips any target against any base; versions put with a
 * previous version round-trip warm, cold and warm again, in any deletion order, with exact
 * reference counts (deleting everything empties the store, chains included) and chains at most
 * MAX_DELTA_DEPTH deep; a flipped bit in a delta or anywhere down its chain never yields other
 * bytes; and re-putting a key over itself keeps no dead base alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, debugStorage, IntegrityError, type SourceCache } from '../../server/src/cache/index.js';
import { lz4EncodeDelta } from '../../server/src/cache/codecs/lz4-delta.js';
import { lz4DecodeBlock } from '../../server/src/cache/codecs/lz4-decode.js';
import { MAX_DELTA_DEPTH } from '../../server/src/cache/store/chunk-store.js';
import { enc, mutate, PREFIX, splicesArb, textArb } from './helpers.js';

function decodeDelta(base: Uint8Array, block: Uint8Array, length: number): Uint8Array | undefined {
  const buf = new Uint8Array(base.length + length);
  buf.set(base);
  const end = lz4DecodeBlock(block, 0, block.length, buf, base.length, base.length + length, 0);
  return end === base.length + length ? buf.subarray(base.length) : undefined;
}

test('the history encoder round-trips any target against any base', () => {
  fc.assert(
    fc.property(textArb(9000), splicesArb, fc.boolean(), (base, splices, unrelated) => {
      const target = unrelated ? mutate(enc.encode('x'.repeat(splices.length * 7)), splices) : mutate(base, splices);
      const block = lz4EncodeDelta(base, target).slice();
      assert.deepEqual(decodeDelta(base, block, target.length), target);
    }),
    { numRuns: 1500 },
  );
  // A near copy of its base costs a few bytes.
  const base = enc.encode('export function alpha(beta) { return beta * 2; }\n'.repeat(60));
  const target = mutate(base, [[0.5, 3, enc.encode('gamma')]]);
  assert.ok(lz4EncodeDelta(base, target).length < 40);
});

function depthOf(cache: SourceCache, slot: number): number {
  let d = 0;
  for (let b = cache.store.deltaBase(slot); b >= 0; b = cache.store.deltaBase(b)) d++;
  return d;
}

function assertEmpty(cache: SourceCache): void {
  const s = cache.stats().store;
  assert.deepEqual([s.chunks, s.uniqueChunks, s.deltaChunks, s.storedBytes, s.rawBytes, s.uniqueRawBytes], [0, 0, 0, 0, 0, 0]);
}

test('versions with deltas round-trip warm, cold and warm again; deleting in any order frees every chain', async () => {
  await fc.assert(
    fc.asyncProperty(
      textArb(6000),
      fc.array(splicesArb, { minLength: 1, maxLength: 9 }),
      fc.array(fc.nat(3), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (first, versions, ops, order) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
        const model = new Map<string, Uint8Array>();
        let text = first;
        cache.put('v0', text);
        model.set('v0', text);
        versions.forEach((splices, i) => {
          text = mutate(text, splices);
          // Alternate the two ways of making a version: a new key naming its previous one, and a
          // re-put of the same key (while 'v<i>' keeps the old version alive).
          cache.put(`v${i + 1}`, text, undefined, { previous: `v${i}` });
          model.set(`v${i + 1}`, text);
          if (i % 2 === 1) {
            cache.put('same', text);
            model.set('same', text);
          }
        });
        for (const e of cache.entries.values()) for (const s of e.chunks) assert.ok(depthOf(cache, s) <= MAX_DELTA_DEPTH);
        for (const op of ops) {
          if (op === 0) cache.setBudgets({ warmBytes: 0 });
          else if (op === 1) cache.setBudgets({ warmBytes: Infinity });
          else for (const [k, t] of model) assert.deepEqual(cache.read(k), t);
        }
        for (const [k, t] of model) assert.deepEqual(cache.read(k), t); // cold entries stay cold on a first read
        for (const [k, t] of model) assert.deepEqual(cache.read(k), t); // and are promoted on the second
        const keys = [...model.keys()];
        for (const n of order) {
          if (keys.length === 0) break;
          const [k] = keys.splice(n % keys.length, 1);
          cache.delete(k);
          model.delete(k);
          for (const [k2, t] of model) assert.deepEqual(cache.read(k2), t);
        }
        for (const k of keys) cache.delete(k);
        assertEmpty(cache);
        assert.equal(cache.stats().integrity.crcFailures, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('a release series is stored mostly as deltas, and its chains stay bounded', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 } });
  const line = (i: number, v: number) => `export function f${i}(x) { return x * ${i % 7} + ${i % 5 === 0 ? v : 1}; }\n`;
  const release = (v: number) => enc.encode(Array.from({ length: 400 }, (_, i) => line(i, v)).join(''));
  cache.put('r0:a.js', release(0));
  const one = cache.stats().store.storedBytes;
  for (let v = 1; v < 12; v++) cache.put(`r${v}:a.js`, release(v), undefined, { previous: `r${v - 1}:a.js` });
  const s = cache.stats().store;
  assert.ok(s.deltaChunks > 0);
  assert.ok(s.storedBytes < 5 * one, `12 releases stored in ${s.storedBytes} B, one in ${one} B`);
  for (const e of cache.entries.values()) for (const slot of e.chunks) assert.ok(depthOf(cache, slot) <= MAX_DELTA_DEPTH);
  for (let v = 0; v < 12; v++) assert.deepEqual(cache.read(`r${v}:a.js`), release(v));
  const plain = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 } });
  for (let v = 0; v < 12; v++) plain.put(`r${v}:a.js`, release(v), undefined, { deltas: false });
  assert.equal(plain.stats().store.deltaChunks, 0);
  assert.ok(s.storedBytes < plain.stats().store.storedBytes / 2);
});

test('re-putting a key over itself keeps no dead base alive', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 } });
  const v1 = enc.encode(Array.from({ length: 300 }, (_, i) => `const a${i} = ${i};\n`).join(''));
  const v2 = mutate(v1, [[0.1, 5, enc.encode('changed')], [0.5, 5, enc.encode('changed')], [0.9, 5, enc.encode('changed')]]);
  cache.put('k', v1);
  cache.put('k', v2);
  assert.equal(cache.stats().store.deltaChunks, 0);
  assert.equal(cache.stats().store.uniqueChunks, cache.entries.get('k')!.chunks.length);
  // With the old version held elsewhere, the same re-put stores deltas.
  cache.put('k', v1);
  cache.put('old', v1);
  cache.put('k', v2);
  assert.ok(cache.stats().store.deltaChunks > 0);
  assert.deepEqual(cache.read('k'), v2);
  cache.delete('old');
  assert.deepEqual(cache.read('k'), v2); // the bases live on for the deltas
  cache.delete('k');
  assertEmpty(cache);
});

test('a flipped bit in a delta or anywhere down its chain never yields other bytes', async () => {
  let withDeltas = 0;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      textArb(5000).map((t): Uint8Array => new Uint8Array(Buffer.concat([PREFIX, t]))),
      fc.array(splicesArb, { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      fc.boolean(),
      fc.nat(),
      fc.nat(),
      async (first, versions, cold, withFallback, pick, bit) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
        let text = first;
        cache.put('v0', text);
        versions.forEach((splices, i) => {
          text = mutate(text, splices);
          cache.put(`v${i + 1}`, text, undefined, { previous: `v${i}` });
        });
        const key = `v${versions.length}`;
        const expected = text;
        assert.deepEqual(cache.read(key), expected);
        if (withFallback) cache.setFallback(key, () => expected.slice());
        if (cold) cache.setBudgets({ warmBytes: 0 });
        runs++;
        if (cache.stats().store.deltaChunks > 0) withDeltas++;
        const dbg = debugStorage(cache);
        dbg.dropCaches();
        const regions = dbg.regions(key).filter((r) => r.bytes.length > 0);
        if (regions.length === 0) {
          // Only an empty text has no stored bytes to damage.
          assert.equal(expected.length, 0);
          assert.deepEqual(cache.read(key), expected);
          return;
        }
        const region = regions[pick % regions.length]!;
        region.bytes[(pick >>> 4) % region.bytes.length] ^= 1 << (bit % 8);
        cache.setBudgets({ warmBytes: Infinity });
        try {
          assert.deepEqual(cache.read(key), expected);
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          assert.ok(e instanceof IntegrityError, `unexpected ${String(e)}`);
          if (!withFallback) assert.equal(e.fallback, 'none');
        }
      },
    ),
    { numRuns: 1500 },
  );
  assert.ok(withDeltas > runs / 2, `only ${withDeltas} of ${runs} runs stored deltas`);
});

test('cold: versions packed side by side, deltas stored raw next to their base, read back exactly and promoted to the same blocks', async () => {
  let rawMembers = 0;
  await fc.assert(
    fc.asyncProperty(
      textArb(4000).map((t): Uint8Array => new Uint8Array(Buffer.concat([PREFIX, t]))),
      fc.array(splicesArb, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1024, max: 16384 }),
      async (first, versions, packBytes) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes });
        const texts = [first];
        cache.put('v0', first);
        versions.forEach((splices, i) => {
          texts.push(mutate(texts[i], splices));
          cache.put(`v${i + 1}`, texts[i + 1], undefined, { previous: `v${i}` });
        });
        const warmBefore = cache.stats().store.storedBytes;
        cache.setBudgets({ warmBytes: 0 });
        const st = cache.store;
        for (const slot of st.table.slots()) {
          if (st.deltaBase(slot) < 0) continue;
          const pack = st.table.loc[slot] & 0x7fffffff;
          const len = st.packs.memberLength(pack, st.table.aux[slot]);
          assert.ok(len <= st.rawLength(slot), 'a cold delta is its raw bytes or a shorter block');
          if (len === st.rawLength(slot)) rawMembers++;
        }
        debugStorage(cache).dropCaches();
        texts.forEach((t, i) => assert.deepEqual(cache.read(`v${i}`), t)); // cold read
        cache.setBudgets({ warmBytes: Infinity });
        texts.forEach((t, i) => assert.deepEqual(cache.read(`v${i}`), t)); // promoted on the second read
        assert.equal(cache.stats().tiers.cold.bytes, 0);
        assert.equal(cache.stats().store.storedBytes, warmBefore, 'promotion re-creates the same blocks');
        assert.equal(cache.stats().integrity.crcFailures, 0);
        for (let i = 0; i < texts.length; i++) cache.delete(`v${i}`);
        assertEmpty(cache);
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(rawMembers > 0, 'some cold deltas were packed raw');
});
