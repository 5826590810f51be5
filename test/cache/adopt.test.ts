/**
 * Metadata-only entries (`adopt`) and reads that leave the tiers alone (`peek`):
 * - an adopted entry reads back exactly the text it was adopted for, or raises IntegrityError —
 *   whatever its fallback returns (right bytes, wrong bytes, truncated, nothing, a throw), wrong
 *   bytes are never served, and the failure is counted;
 * - `peek` returns the same verified text as `read`, but never promotes, stores or reorders: the
 *   tier sizes, stored bytes and least-recently-used order are unchanged after any peeks;
 * - an edit to an adopted entry goes to the entry its refill made, and reads back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, crc32, IntegrityError } from '../../server/src/cache/index.js';
import { textArb } from './helpers.js';

type FallbackKind = 'right' | 'flipped' | 'truncated' | 'extended' | 'none' | 'throws' | 'other';

function fallbackBytes(kind: FallbackKind, text: Uint8Array, pick: number): Uint8Array | undefined {
  switch (kind) {
    case 'right': return text.slice();
    case 'flipped': {
      if (text.length === 0) return new Uint8Array([pick & 0xff]);
      const b = text.slice();
      b[pick % b.length]! ^= 1 << (pick % 8);
      return b;
    }
    case 'truncated': return text.subarray(0, Math.max(0, text.length - 1 - (pick % 4))).slice();
    case 'extended': return Uint8Array.from([...text, pick & 0xff]);
    case 'other': return new TextEncoder().encode(`other ${pick}`);
    case 'none': return undefined;
    case 'throws': throw new Error('fallback failed');
  }
}

const kindArb = fc.constantFrom<FallbackKind>('right', 'right', 'flipped', 'truncated', 'extended', 'none', 'throws', 'other');

test('an adopted entry reads back exactly, or raises IntegrityError; wrong fallback bytes are never served', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
  let n = 0;
  await fc.assert(
    fc.asyncProperty(textArb(4000), kindArb, fc.nat(), fc.boolean(), fc.boolean(), async (text, kind, pick, viaPeek, readTwice) => {
      const key = `k${n++}`;
      let calls = 0;
      cache.adopt(key, { length: text.length, crc: crc32(text) }, () => { calls++; return fallbackBytes(kind, text, pick); });
      assert.equal(cache.tier(key), 'evicted');
      const before = cache.stats().integrity;
      let got: Uint8Array | undefined;
      try {
        got = viaPeek ? cache.peek(key) : cache.read(key);
      } catch (e) {
        assert.ok(e instanceof IntegrityError, `unexpected ${String(e)}`);
        // A fallback that happens to return the right bytes (e.g. 'truncated' of nothing) must not fail.
        const candidate = (() => { try { return fallbackBytes(kind, text, pick); } catch { return undefined; } })();
        assert.ok(!candidate || candidate.length !== text.length || crc32(candidate) !== crc32(text), 'verified bytes refused');
        assert.equal(cache.stats().integrity.crcFailures, before.crcFailures + 1);
        assert.equal(cache.tier(key), 'evicted', 'a failed refill keeps the entry metadata only');
        cache.delete(key);
        return;
      }
      assert.deepEqual(got, text);
      assert.equal(calls, 1);
      // peek does not store the fallback's bytes; read does (the entry becomes warm).
      assert.equal(cache.tier(key), viaPeek ? 'evicted' : 'warm');
      if (readTwice) {
        assert.deepEqual(cache.read(key), text);
        assert.deepEqual(cache.peek(key), text);
      }
      cache.delete(key);
    }),
  );
  assert.equal(cache.stats().store.rawBytes, 0);
  assert.equal(cache.stats().store.storedBytes, 0);
});

test('adopt replaces an existing entry and frees its chunks', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 } });
  const a = new TextEncoder().encode('x'.repeat(3000));
  const b = new TextEncoder().encode('y'.repeat(1000));
  cache.put('f', a);
  assert.ok(cache.stats().store.storedBytes > 0);
  cache.adopt('f', { length: b.length, crc: crc32(b) }, () => b);
  assert.equal(cache.stats().store.storedBytes, 0);
  assert.equal(cache.stats().tiers.evicted.files, 1);
  assert.equal(cache.stats().tiers.warm.files, 0);
  assert.deepEqual(cache.read('f'), b);
  assert.throws(() => cache.adopt('g', { length: -1, crc: 0 }, () => b), RangeError);
  assert.throws(() => cache.adopt('g', { length: 1, crc: 2 ** 32 }, () => b), RangeError);
});

test('peek returns what read returns but leaves tiers, stored bytes and recency order alone', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(textArb(3000), { minLength: 2, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), fc.nat({ max: 3 }),
      async (texts, peeks, adopted) => {
        // Small budgets so some entries are warm, some cold; some adopted (evicted).
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096, warmBytes: 3000 });
        texts.forEach((t, i) => {
          if (i < adopted) cache.adopt(`f${i}`, { length: t.length, crc: crc32(t) }, () => t.slice());
          else cache.put(`f${i}`, t, () => t.slice());
        });
        const snapshot = () => {
          const s = cache.stats();
          return { tiers: s.tiers, stored: s.store.storedBytes, raw: s.store.rawBytes, chunks: s.store.chunks, order: texts.map((_, i) => cache.tier(`f${i}`)) };
        };
        const before = snapshot();
        // A twin cache built the same way, never peeked: it shows the recency order without peeks.
        const twin = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096, warmBytes: 3000 });
        texts.forEach((t, i) => {
          if (i < adopted) twin.adopt(`f${i}`, { length: t.length, crc: crc32(t) }, () => t.slice());
          else twin.put(`f${i}`, t, () => t.slice());
        });
        for (const p of peeks) {
          const i = p % texts.length;
          assert.deepEqual(cache.peek(`f${i}`), texts[i]);
        }
        assert.deepEqual(snapshot(), before);
        // Recency: shrinking the warm budget step by step demotes the same entries in both caches.
        for (const budget of [2000, 1000, 500, 0]) {
          cache.setBudgets({ warmBytes: budget });
          twin.setBudgets({ warmBytes: budget });
          assert.deepEqual(texts.map((_, i) => cache.tier(`f${i}`)), texts.map((_, i) => twin.tier(`f${i}`)), `warm budget ${budget}`);
        }
        for (let i = 0; i < texts.length; i++) assert.deepEqual(cache.read(`f${i}`), texts[i]);
      }),
  );
});

test('an edit to an adopted entry goes to the entry its refill made', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 } });
  const enc = new TextEncoder();
  const text = enc.encode('function f(x) {\n  return x + 1;\n}\n'.repeat(40));
  cache.adopt('f', { length: text.length, crc: crc32(text) }, () => text.slice());
  assert.ok(cache.appendEdit('f', { start: 3, end: 9, text: enc.encode('ction g') }));
  const after = Buffer.concat([text.subarray(0, 3), enc.encode('ction g'), text.subarray(9)]);
  assert.deepEqual(Buffer.from(cache.read('f')), after);
  assert.equal(cache.journal('f').length, 1);
});
