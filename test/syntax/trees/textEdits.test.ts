/**
 * Text edits → tree-sitter edits and byte journal records: the byte records replayed on the UTF-8
 * text give the UTF-8 of the edited text, the tree-sitter numbers equal naive positions, and
 * impossible edits are rejected with nothing applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import {
  auxToTreeEdit, EditableText, EditRangeError, type JournalEdit,
} from '../../../server/src/syntax/textEdits.js';
import { TreeLedger } from '../../../server/src/syntax/trees.js';
import { applyBytes, FRAGMENTS, naivePoint, realFiles } from './helpers.js';

const enc = new TextEncoder();

test('byte records reproduce the UTF-8 text; tree-sitter numbers equal naive positions', () => {
  const files = realFiles().slice(0, 4).map((f) => f.text);
  const textArb = fc.oneof(
    fc.constantFrom(...files),
    fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((a) => a.join('')),
  );
  const editArb = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(40), fc.constantFrom(...FRAGMENTS));
  fc.assert(fc.property(textArb, fc.array(editArb, { minLength: 1, maxLength: 20 }), (text, edits) => {
    const doc = new EditableText(text);
    const journal: JournalEdit[] = [];
    for (const [f, len, ins] of edits) {
      const before = doc.text;
      let start = Math.floor(f * before.length);
      let end = Math.min(before.length, start + len);
      const splits = (o: number): boolean => o > 0 && o < before.length && /[\ud800-\udbff]/.test(before[o - 1]!) && /[\udc00-\udfff]/.test(before[o]!);
      if (splits(start)) start--;
      if (splits(end)) end++;
      const { treeEdit, journal: rec } = doc.apply({ start, end, newText: ins });
      const after = doc.text;
      assert.equal(after, before.slice(0, start) + ins + before.slice(end));
      assert.deepEqual(treeEdit.startPosition, naivePoint(before, start));
      assert.deepEqual(treeEdit.oldEndPosition, naivePoint(before, end));
      assert.deepEqual(treeEdit.newEndPosition, naivePoint(after, start + ins.length));
      assert.equal(treeEdit.newEndIndex, start + ins.length);
      assert.equal(rec.start, Buffer.byteLength(before.slice(0, start)));
      assert.equal(rec.end, Buffer.byteLength(before.slice(0, end)));
      assert.deepEqual(auxToTreeEdit(rec.aux!), treeEdit);
      journal.push(rec);
    }
    assert.deepEqual(applyBytes(enc.encode(text), journal), enc.encode(doc.text));
  }), { numRuns: 300 });
});

test('impossible edits throw EditRangeError and change nothing', () => {
  const text = 'a😀b\nc';
  const bad = [
    { start: -1, end: 0, newText: '' },
    { start: 0, end: 99, newText: '' },
    { start: 3, end: 2, newText: '' },
    { start: 0.5, end: 1, newText: '' },
    { start: 2, end: 2, newText: 'x' }, // inside the emoji's surrogate pair
    { start: 0, end: 2, newText: '' }, // end splits the pair
    { start: 0, end: 0, newText: 'x\ud800' }, // lone surrogate
    { start: 0, end: 0, newText: undefined as unknown as string },
  ];
  for (const e of bad) {
    const doc = new EditableText(text);
    const snap = doc.index.snapshot();
    assert.throws(() => doc.apply(e), EditRangeError, JSON.stringify(e));
    assert.equal(doc.text, text);
    assert.deepEqual(doc.index.snapshot(), snap);
  }
});

test('tree-sitter agrees with the computed positions on non-ASCII text', async () => {
  const parser = await parserFor('javascript');
  const ledger = new TreeLedger();
  const doc = new EditableText('const s = "é😀";\r\nlet x = 1;\n');
  const t = ledger.parse(parser, doc.text, 'javascript');
  const { treeEdit } = doc.apply({ start: doc.text.indexOf('x'), end: doc.text.indexOf('x') + 1, newText: 'yy😀' });
  t.tree.edit(treeEdit);
  const re = ledger.parse(parser, doc.text, 'javascript', t);
  const fresh = ledger.parse(parser, doc.text, 'javascript');
  const id = (tr: typeof re): unknown => {
    const n = tr.tree.rootNode.descendantForIndex(doc.text.indexOf('yy'))!;
    return [n.type, n.text, n.startIndex, n.startPosition, n.endPosition];
  };
  assert.deepEqual(id(re), id(fresh));
  assert.deepEqual(id(fresh), ['identifier', 'yy😀', doc.text.indexOf('yy'), { row: 1, column: 4 }, { row: 1, column: 8 }]);
  t.release(); re.release(); fresh.release();
  assert.equal(ledger.counts().live, 0);
});
