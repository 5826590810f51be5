/**
 * The identifier filter's persistent form (binaryBlocks.ts, written into snapshot records): a round
 * trip answers exactly as the original, and damage is never silent — flipping any byte raises
 * IndexFormatError or (for bytes that do not matter) changes no answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IndexFormatError } from '../../server/src/index/binaryBlocks.js';
import { IdentifierFilter } from '../../server/src/index/identifierFilter.js';

/** Flips one byte; returns the error or undefined when the form still loads. */
function loadFlipped<T>(bytes: Uint8Array, at: number, xor: number, load: (b: Uint8Array) => T): { error?: unknown; value?: T } {
  const damaged = bytes.slice();
  damaged[at]! ^= xor;
  try {
    return { value: load(damaged) };
  } catch (error) {
    return { error };
  }
}

const identArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);

test('IdentifierFilter: round trip answers alike; any flipped byte is an error or changes nothing', () => {
  fc.assert(fc.property(fc.array(identArb, { maxLength: 60 }), fc.array(identArb, { maxLength: 30 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (names, probes, pos, xor) => {
    const f = IdentifierFilter.of(names);
    const bytes = f.toBytes();
    const g = IdentifierFilter.fromBytes(bytes);
    const answers = (x: IdentifierFilter) => [...names, ...probes].map((n) => x.mightContain(n));
    assert.deepEqual(answers(g), answers(f));
    assert.equal(g.probes, f.probes);
    const r = loadFlipped(bytes, pos % bytes.length, xor, IdentifierFilter.fromBytes);
    if (r.error) assert.ok(r.error instanceof IndexFormatError, String(r.error));
    else assert.deepEqual(answers(r.value!), answers(f));
  }), { numRuns: 300 });
});
