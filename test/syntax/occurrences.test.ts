/**
 * Packed occurrences (syntax/occurrences.ts): any set of occurrences decodes to exactly what was
 * packed, name by name in document order, whatever their lines, columns and irregular spans; a cut or
 * over-long run is an error, never a different answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  compareNames, decodeOccurrences, findName, OccurrenceDecodeError, packOccurrences, type Occurrence,
} from '../../server/src/syntax/occurrences.js';

const kinds = ['identifier', 'call', 'type', 'definition'] as const;

const occurrenceArb: fc.Arbitrary<Occurrence> = fc.record({
  name: fc.oneof(fc.constantFrom('a', 'x', 'name', 'Name', '_', 'ä', '𝒳y'), fc.string({ minLength: 1, maxLength: 8 })),
  line: fc.oneof(fc.nat(5), fc.nat(2 ** 31)),
  column: fc.oneof(fc.nat(200), fc.nat(2 ** 20)),
  irregular: fc.option(fc.tuple(fc.nat(3), fc.nat(300)), { freq: 5, nil: undefined }),
  kind: fc.constantFrom(...kinds),
}, { noNullPrototype: true }).map((r) => ({
  name: r.name,
  span: r.irregular
    ? [r.line, r.column, r.line + r.irregular[0], r.irregular[1]] as const
    : [r.line, r.column, r.line, r.column + r.name.length] as const,
  kind: r.kind,
}));

/** One occurrence per position, as a file has. */
const fileArb = fc.array(occurrenceArb, { maxLength: 60 })
  .map((list) => [...new Map(list.map((o) => [`${o.span[0]}:${o.span[1]}`, o])).values()]);

test('packed occurrences decode to exactly what was packed', () => {
  fc.assert(fc.property(fileArb, (list) => {
    const packed = packOccurrences(list);
    const names = [...new Set(list.map((o) => o.name))].sort(compareNames);
    assert.deepEqual(packed.names, names);
    names.forEach((name, i) => {
      const got = decodeOccurrences(name, packed.data, i === 0 ? 0 : packed.ends[i - 1]!, packed.ends[i]!);
      const want = list.filter((o) => o.name === name)
        .sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1])
        .map((o) => ({ span: [...o.span], kind: o.kind }));
      assert.deepEqual(got, want);
      assert.equal(findName(packed.names, name), i);
    });
    assert.equal(findName(packed.names, '\u0000absent'), -1);
  }), { numRuns: 300 });
});

test('a regular occurrence on a near line costs two bytes', () => {
  const packed = packOccurrences([
    { name: 'count', span: [3, 4, 3, 9], kind: 'identifier' },
    { name: 'count', span: [5, 8, 5, 13], kind: 'call' },
    { name: 'count', span: [5, 20, 5, 25], kind: 'definition' },
  ]);
  assert.equal(packed.data.length, 6);
});

test('a cut run is an error, not a shorter answer', () => {
  fc.assert(fc.property(fileArb.filter((l) => l.length > 0), fc.nat(), (list, cutAt) => {
    const packed = packOccurrences(list);
    const name = packed.names[0]!;
    const end = packed.ends[0]!;
    const whole = decodeOccurrences(name, packed.data, 0, end);
    const cut = cutAt % end;
    try {
      const part = decodeOccurrences(name, packed.data, 0, cut);
      // Cut between two occurrences: a prefix of the answer, never a different one.
      assert.deepEqual(part, whole.slice(0, part.length));
    } catch (err) {
      assert.ok(err instanceof OccurrenceDecodeError);
    }
  }), { numRuns: 200 });
});
