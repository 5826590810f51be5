/**
 * The incremental line index equals a freshly built one after any sequence of edits, and its
 * points and byte offsets equal naive computations (rows at '\n', UTF-16 columns, TextEncoder bytes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineIndex, utf8Length } from '../../../server/src/syntax/lineIndex.js';
import { EditableText } from '../../../server/src/syntax/textEdits.js';
import { FRAGMENTS, naivePoint } from './helpers.js';

const textArb = fc.array(fc.constantFrom(...FRAGMENTS, 'abc', '\n\n'), { maxLength: 40 }).map((a) => a.join(''));
const editsArb = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(12), fc.constantFrom(...FRAGMENTS)), { maxLength: 25 });

test('utf8Length matches TextEncoder, including lone surrogates', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length);
  }), { numRuns: 500 });
});

test('points and byte offsets equal naive computations', () => {
  fc.assert(fc.property(textArb, fc.double({ min: 0, max: 1, noNaN: true }), (text, f) => {
    const idx = LineIndex.build(text);
    let off = Math.floor(f * text.length);
    // stay off the middle of a surrogate pair, as validated edits do
    if (off > 0 && /[\udc00-\udfff]/.test(text[off] ?? '') && /[\ud800-\udbff]/.test(text[off - 1]!)) off--;
    assert.deepEqual(idx.point(off), naivePoint(text, off));
    assert.equal(idx.byteOffset(text, off), Buffer.byteLength(text.slice(0, off)));
    assert.equal(idx.byteLength, Buffer.byteLength(text));
  }), { numRuns: 500 });
});

test('after random edits the incremental index equals a fresh build', () => {
  fc.assert(fc.property(textArb, editsArb, (text, edits) => {
    const doc = new EditableText(text);
    for (const [f, len, ins] of edits) {
      const t = doc.text;
      let start = Math.floor(f * t.length);
      let end = Math.min(t.length, start + len);
      const splits = (o: number): boolean => o > 0 && o < t.length && /[\ud800-\udbff]/.test(t[o - 1]!) && /[\udc00-\udfff]/.test(t[o]!);
      if (splits(start)) start--;
      if (splits(end)) end++;
      doc.apply({ start, end, newText: ins });
      assert.deepEqual(doc.index.snapshot(), LineIndex.build(doc.text).snapshot());
    }
  }), { numRuns: 400 });
});
