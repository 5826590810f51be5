/**
 * IdentifierFilter: never a false negative (property), the measured false-positive rate on random
 * names stays near the 1% it is sized for, byte form round-trips, and the size follows the formula.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IdentifierFilter } from '../../server/src/index/identifierFilter.js';

test('no false negatives, whatever the names', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 400 }), fc.double({ min: 0.001, max: 0.5, noNaN: true }), (names, rate) => {
    const f = IdentifierFilter.of(names, rate);
    for (const n of names) assert.ok(f.mightContain(n), n);
    const g = IdentifierFilter.fromBytes(f.toBytes());
    for (const n of names) assert.ok(g.mightContain(n), n);
  }), { numRuns: 200 });
});

test('false-positive rate on random names stays within bound of 1%', () => {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const ident = (tag: string) => `${tag}${rnd().toString(36)}_${rnd().toString(36)}`;
  let probes = 0, positives = 0;
  for (const n of [50, 500, 5000]) {
    for (let file = 0; file < 20; file++) {
      const names = Array.from({ length: n }, () => ident('in'));
      const f = IdentifierFilter.of(names);
      for (let i = 0; i < 2000; i++) { probes++; if (f.mightContain(ident('out'))) positives++; }
    }
  }
  const rate = positives / probes;
  // 120 000 probes: the sampling standard deviation at 1% is ≈0.03%; rounding to whole words and probes moves the rate a little
  assert.ok(rate < 0.0135, `false-positive rate ${rate}`);
  assert.ok(rate > 0.003, `rate ${rate} implausibly low: the filter is oversized`);
});

test('size follows m = -n ln p / ln² 2', () => {
  const f = IdentifierFilter.sized(1000, 0.01);
  assert.ok(f.bitCount >= 9585 && f.bitCount < 9585 + 32, String(f.bitCount));
  assert.equal(f.probes, 7);
  assert.equal(f.byteSize(), f.bitCount / 8 + 8);
  assert.throws(() => IdentifierFilter.fromBytes(new Uint8Array(5)));
  assert.throws(() => IdentifierFilter.sized(10, 0));
});
