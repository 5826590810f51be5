/**
 * The incremental line index equals a freshly built one after any sequence of edits, and its
 * points and byte offsets equal naive computations (LSP lines: '\r\n', '\r' and '\n' each end one;
 * UTF-16 columns, TextEncoder bytes); offsets and positions round-trip; `lineText` and `splitLines`
 * agree with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineIndex, lineText, splitLines, treeSitterPoint, utf8Length } from '../../../server/src/syntax/lineIndex.js';
import { EditableText } from '../../../server/src/syntax/textEdits.js';
import { FRAGMENTS, naiveLspPoint, naivePoint } from './helpers.js';

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
    // nor between the '\r' and the '\n' of one line break (no position is there)
    if (text[off - 1] === '\r' && text[off] === '\n') off--;
    assert.deepEqual(idx.point(off), naiveLspPoint(text, off));
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

// Line breaks of every kind next to each other and to multi-byte characters.
const breakyArb = fc.array(fc.constantFrom('\r', '\n', '\r\n', 'a', 'é', '😀', '\r\r', '\n\r'), { maxLength: 40 })
  .map((a) => a.join(''));
const insideBreak = (text: string, off: number) => text[off - 1] === '\r' && text[off] === '\n';
const insidePair = (text: string, off: number) =>
  /[\ud800-\udbff]/.test(text[off - 1] ?? '') && /[\udc00-\udfff]/.test(text[off] ?? '');

test('offset ↔ position round-trips under the LSP line definition', () => {
  fc.assert(fc.property(breakyArb, (text) => {
    const idx = LineIndex.build(text);
    const lines = splitLines(text);
    assert.equal(idx.lineCount, lines.length);
    assert.equal(idx.hasLoneCarriageReturn, /\r(?!\n)/.test(text));
    for (let off = 0; off <= text.length; off++) {
      if (insideBreak(text, off) || insidePair(text, off)) continue;
      const p = idx.point(off);
      assert.deepEqual(p, naiveLspPoint(text, off), `offset ${off}`);
      assert.equal(idx.offsetAt(text, p.row, p.column), off);
      assert.equal(idx.byteOffset(text, off), Buffer.byteLength(text.slice(0, off)));
    }
    lines.forEach((line, i) => {
      assert.equal(lineText(text, i), line);
      // A column past the line's end is its end, before the break.
      assert.equal(idx.offsetAt(text, i, line.length + 5), idx.lineStart(i) + line.length);
    });
    assert.equal(lineText(text, lines.length), '');
  }), { numRuns: 400 });
});

test('edits that join or split CR LF pairs keep the incremental index equal to a fresh build', () => {
  const pieces = ['\r', '\n', '\r\n', 'x', 'é', ''];
  const editsArb = fc.array(fc.tuple(fc.nat(60), fc.nat(3), fc.constantFrom(...pieces)), { maxLength: 20 });
  fc.assert(fc.property(breakyArb, editsArb, (text, edits) => {
    const doc = new EditableText(text);
    for (const [at, len, ins] of edits) {
      const t = doc.text;
      let start = Math.min(at, t.length);
      let end = Math.min(t.length, start + len);
      if (insidePair(t, start)) start--;
      if (insidePair(t, end)) end++;
      const { treeEdit } = doc.apply({ start, end, newText: ins });
      // tree-sitter's own points (rows end at '\n' only), whatever the lines are.
      assert.deepEqual(treeEdit.startPosition, treeSitterPoint(t, start));
      assert.deepEqual(treeEdit.oldEndPosition, treeSitterPoint(t, end));
      assert.deepEqual(treeEdit.newEndPosition, naivePoint(doc.text, start + ins.length));
      assert.deepEqual(doc.index.snapshot(), LineIndex.build(doc.text).snapshot());
    }
  }), { numRuns: 400 });
});
