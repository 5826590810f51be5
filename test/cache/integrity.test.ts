/**
 * Fault injection: flip any bit of any stored byte an entry depends on (chunk bytes in a slab, a
 * pack frame, pack offsets, a chunk CRC, a length, the entry's chunk list, a journal record, the
 * entry's recorded numbers) → read returns the exact original through the fallback, or raises
 * IntegrityError; never other bytes. Also: counters move, and no fallback means a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, debugStorage, IntegrityError } from '../../server/src/cache/index.js';
import { applyEdit, editSpecsArb, resolveEdit, textArb, type EditSpec } from './helpers.js';

test('a flipped bit anywhere never yields other bytes', async () => {
  await fc.assert(
    fc.asyncProperty(
      textArb(5000).filter((t) => t.length > 0),
      editSpecsArb,
      fc.boolean(),
      fc.boolean(),
      fc.nat(),
      fc.nat(),
      fc.constantFrom<'none' | 'baseLength' | 'baseCrc' | 'length' | 'crc'>('none', 'none', 'none', 'none', 'baseLength', 'baseCrc', 'length', 'crc'),
      async (text, specs, cold, withFallback, pick, bit, field) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
        let model = text;
        cache.put('f', text);
        for (const spec of (specs as EditSpec[]).slice(0, 5)) {
          const e = resolveEdit(spec, model.length);
          cache.appendEdit('f', e);
          model = applyEdit(model, e);
        }
        const expected = model;
        assert.deepEqual(cache.read('f'), expected); // also records the current CRC
        if (withFallback) cache.setFallback('f', () => expected.slice());
        if (cold) cache.setBudgets({ warmBytes: 0 });
        const dbg = debugStorage(cache);
        dbg.dropCaches();
        if (field !== 'none') {
          dbg.flipEntryField('f', field, bit);
        } else {
          const regions = dbg.regions('f').filter((r) => r.bytes.length > 0);
          const region = regions[pick % regions.length];
          region.bytes[(pick >>> 4) % region.bytes.length] ^= 1 << (bit % 8);
        }
        cache.setBudgets({ warmBytes: Infinity });
        let got: Uint8Array | undefined;
        try {
          got = cache.read('f');
        } catch (e) {
          assert.ok(e instanceof IntegrityError, `unexpected ${String(e)}`);
          if (!withFallback) assert.equal(e.fallback, 'none');
          return;
        }
        assert.deepEqual(got, expected);
        if (withFallback && field === 'none') {
          // Whatever happened, the entry now reads back verified.
          assert.deepEqual(cache.read('f'), expected);
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test('a corrupt chunk is served by a verified fallback, counted, and repaired; a wrong fallback raises', async () => {
  const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 } });
  const text = new TextEncoder().encode('export const x = 1;\n'.repeat(200));
  cache.put('a', text, () => text);
  cache.put('b', text); // shares every chunk, no fallback
  const region = debugStorage(cache).regions('a').find((r) => r.name.startsWith('warm-chunk'))!;
  region.bytes[0] ^= 0x40;
  assert.deepEqual(cache.read('a'), text);
  let s = cache.stats().integrity;
  assert.equal(s.crcFailures, 1);
  assert.equal(s.fallbacks, 1);
  assert.deepEqual(cache.read('a'), text); // repaired in place by the fallback's re-put
  assert.equal(cache.stats().integrity.crcFailures, 1);
  assert.deepEqual(cache.read('b'), text); // the shared chunk was repaired for b too
  assert.equal(cache.stats().integrity.crcFailures, 1);
  // Without a fallback the read raises; a re-put of the same content repairs the chunk.
  debugStorage(cache).regions('b').find((r) => r.name.startsWith('warm-chunk'))!.bytes[0] ^= 0x40;
  assert.throws(() => cache.read('b'), (e: unknown) => e instanceof IntegrityError && e.fallback === 'none' && e.key === 'b');
  cache.put('b', text);
  assert.deepEqual(cache.read('b'), text);
  assert.deepEqual(cache.read('a'), text);

  const other = new TextEncoder().encode('something else entirely, but long enough to chunk\n'.repeat(30));
  cache.put('c', other, () => text); // a fallback returning the wrong bytes
  debugStorage(cache).regions('c').find((r) => r.name.startsWith('warm-chunk'))!.bytes[3] ^= 1;
  assert.throws(() => cache.read('c'), (e: unknown) => e instanceof IntegrityError && e.fallback === 'unverified');
  s = cache.stats().integrity;
  assert.equal(s.crcFailures, 3);
  assert.equal(s.fallbacks, 1);
});
