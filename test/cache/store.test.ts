/**
 * The store as a whole: dedup across two real releases of a package, reference counting back to
 * empty, bounded slab memory under churn, exact accounting, and budgets under random access.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createSourceCache, type SourceCache } from '../../server/src/cache/index.js';
import { textArb } from './helpers.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory() && d.name !== 'node_modules') out.push(...filesUnder(p));
    else if (d.isFile() && /\.(js|ts|json)$/.test(d.name)) out.push(p);
  }
  return out.sort();
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// The second release is the copy nested under the dev dependency bash-language-server, pinned in
// package.json to a version whose vscode-languageserver differs from ours.
const releaseA = path.join(REPO, 'node_modules/vscode-languageserver');
const releaseB = path.join(REPO, 'node_modules/bash-language-server/node_modules/vscode-languageserver');

test('two releases of a real package share most of their bytes', async () => {
  for (const dir of [releaseA, releaseB]) {
    assert.ok(fs.existsSync(path.join(dir, 'package.json')),
      `${dir} is missing: this test needs both releases; run npm ci (bash-language-server is a pinned dev dependency)`);
  }
  const versions = [releaseA, releaseB].map((d) => JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).version);
  assert.notEqual(versions[0], versions[1]);
  const cache = await createSourceCache({ chunking: { minSize: 256, avgSize: 1024, maxSize: 4096 } });
  let single = 0;
  for (const [i, dir] of [releaseA, releaseB].entries()) {
    for (const f of filesUnder(dir)) cache.put(`${i}:${path.relative(dir, f)}`, fs.readFileSync(f));
    if (i === 0) single = cache.stats().store.uniqueRawBytes;
  }
  const s = cache.stats().store;
  // Unique bytes for both releases barely exceed one release: ≥ 80 % of the second is shared.
  const secondRaw = s.rawBytes - single;
  const shared = 1 - (s.uniqueRawBytes - single) / secondRaw;
  assert.ok(shared >= 0.8, `releases ${versions.join(' vs ')} share only ${(shared * 100).toFixed(1)} % of bytes`);
  assert.ok(s.dedupRatio > 1.6, `dedup ratio ${s.dedupRatio}`);
});

function recount(cache: SourceCache): void {
  const s = cache.stats();
  let raw = 0;
  let files = 0;
  for (const k of cache.keys()) {
    if (cache.tier(k) !== 'evicted') raw += cache.readBase(k).length;
    files++;
  }
  assert.equal(s.store.rawBytes, raw);
  assert.equal(s.tiers.warm.files + s.tiers.cold.files + s.tiers.evicted.files, files);
  assert.equal(s.store.storedBytes, s.tiers.warm.bytes + s.tiers.cold.bytes);
  assert.ok(s.store.slabBytes >= s.store.storedBytes);
}

test('releasing everything empties the store; churn keeps slab memory bounded', async () => {
  const slabSize = 16384;
  const cache = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 }, slabSize, packBytes: 8192 });
  const texts = fc.sample(textArb(8000), { numRuns: 400, seed: 42 });
  let peakLive = 0;
  for (let round = 0; round < 4000; round++) {
    const key = `f${(round * 7919) % 50}`;
    const op = (round * 31) % 10;
    if (op < 6) cache.put(key, texts[(round * 13) % texts.length]);
    else if (op < 8) cache.delete(key);
    else cache.setBudgets({ warmBytes: op === 8 ? 20000 : Infinity });
    const s = cache.stats().store;
    peakLive = Math.max(peakLive, s.storedBytes);
    // Every sealed slab is at least half live: memory ≤ ~2 × stored + a few current slabs.
    assert.ok(s.slabBytes <= 2.2 * s.storedBytes + 4 * slabSize, `round ${round}: ${s.slabBytes} slab bytes for ${s.storedBytes} stored`);
  }
  recount(cache);
  for (const k of [...cache.keys()]) cache.delete(k);
  const s = cache.stats();
  assert.deepEqual(
    [s.store.chunks, s.store.uniqueChunks, s.store.storedBytes, s.store.rawBytes, s.store.uniqueRawBytes, s.tiers.warm.bytes, s.tiers.cold.bytes],
    [0, 0, 0, 0, 0, 0, 0],
  );
  assert.ok(s.store.slabBytes <= 2 * slabSize, `empty store still holds ${s.store.slabBytes} slab bytes`);
});

test('warm and cold budgets hold under random access', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(textArb(6000), { minLength: 4, maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(3)), { maxLength: 60 }),
      fc.integer({ min: 0, max: 20000 }),
      fc.integer({ min: 0, max: 20000 }),
      async (texts, ops, warmBytes, coldBytes) => {
        const cache = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 }, slabSize: 8192, packBytes: 4096, warmBytes, coldBytes });
        const model = new Map<string, Uint8Array>();
        for (const [n, kind] of ops) {
          const key = `f${n % texts.length}`;
          if (kind === 0 || !model.has(key)) {
            const t = texts[(n >> 3) % texts.length];
            cache.put(key, t, () => t); // every entry has a verifying fallback, so cold can always shrink
            model.set(key, t);
          } else if (kind === 1) {
            assert.deepEqual(cache.read(key), model.get(key));
          } else if (kind === 2) {
            cache.touch(key);
          } else {
            cache.delete(key);
            model.delete(key);
          }
          const s = cache.stats().tiers;
          assert.ok(s.warm.bytes <= warmBytes, `warm ${s.warm.bytes} > ${warmBytes}`);
          assert.ok(s.cold.bytes <= coldBytes, `cold ${s.cold.bytes} > ${coldBytes}`);
        }
        for (const [k, t] of model) assert.deepEqual(cache.read(k), t);
        recount(cache);
      },
    ),
    { numRuns: 300 },
  );
});

test('reading makes an entry most recent: the least recently used entry is demoted first', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 64, avgSize: 256, maxSize: 1024 } });
  const mk = (seed: number) => {
    let x = seed * 0x9e3779b9 + 1;
    return Uint8Array.from({ length: 20000 }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
  };
  const a = mk(1), b = mk(2), c = mk(3);
  cache.put('a', a);
  cache.put('b', b);
  cache.read('a'); // b is now least recent
  const perEntry = cache.stats().tiers.warm.bytes / 2;
  cache.put('c', c);
  cache.setBudgets({ warmBytes: Math.floor(perEntry * 2.5) });
  assert.equal(cache.tier('b'), 'cold');
  assert.equal(cache.tier('a'), 'warm');
  assert.equal(cache.tier('c'), 'warm');
});
