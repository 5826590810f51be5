/**
 * Rebuild: a tree replayed from a base tree and the journal equals a fresh parse of the current text
 * (rootNode.toString()), on real files with thousands of random edits in total, including edits
 * that create syntax errors. Plain replay must be exact whenever the result has no syntax error;
 * with errors, tree-sitter's error recovery may differ (see rebuild.ts), so those runs are counted
 * and `exact` mode, which must always be equal, is checked on the same sequences. Invalid journals,
 * overflow and missing bases fall back to a full parse; counts and tree lifetimes are exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import { JournalStats, rebuildTree, reparseInput } from '../../../server/src/syntax/rebuild.js';
import { EditableText, type JournalEdit } from '../../../server/src/syntax/textEdits.js';
import { TreeLedger } from '../../../server/src/syntax/trees.js';
import { FRAGMENTS, largeFile, realFiles, type SourceFile } from './helpers.js';

const editArb = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(30), fc.constantFrom(...FRAGMENTS));

function makeJournal(text: string, edits: [number, number, string][]): { doc: EditableText; journal: JournalEdit[] } {
  const doc = new EditableText(text);
  const journal: JournalEdit[] = [];
  for (const [f, len, ins] of edits) {
    const t = doc.text;
    let start = Math.floor(f * t.length);
    let end = Math.min(t.length, start + len);
    const splits = (o: number): boolean => o > 0 && o < t.length && /[\ud800-\udbff]/.test(t[o - 1]!) && /[\udc00-\udfff]/.test(t[o]!);
    if (splits(start)) start--;
    if (splits(end)) end++;
    journal.push(doc.apply({ start, end, newText: ins }).journal);
  }
  return { doc, journal };
}

interface Tally { runs: number; edits: number; withErrors: number; errorMismatches: number }

async function replayEqualsFresh(file: SourceFile, runs: number, maxEdits: number, tally: Tally, minEdits = 1): Promise<void> {
  const parser = await parserFor(file.lang);
  const ledger = new TreeLedger();
  const stats = new JournalStats();
  let exactFull = 0;
  fc.assert(fc.property(fc.array(editArb, { minLength: minEdits, maxLength: maxEdits }), (es) => {
    const { doc, journal } = makeJournal(file.text, es);
    const fresh = ledger.parse(parser, doc.text, file.lang);
    const expected = fresh.tree.rootNode.toString();
    const hasError = fresh.tree.rootNode.hasError;
    fresh.release();

    const base = ledger.parse(parser, file.text, file.lang);
    const r = rebuildTree({ parser, lang: file.lang, base, edits: journal, text: doc.text }, ledger, stats);
    assert.equal(r.mode, 'replay', r.reason);
    assert.equal(base.alive, false, 'the base tree is consumed');
    const got = r.tree.tree.rootNode.toString();
    r.tree.release();
    if (!hasError) assert.equal(got, expected, 'an error-free replay equals a fresh parse');
    else if (got !== expected) tally.errorMismatches++;

    const base2 = ledger.parse(parser, file.text, file.lang);
    const x = rebuildTree({ parser, lang: file.lang, base: base2, edits: journal, text: doc.text, exact: true }, ledger, stats);
    if (x.mode === 'full') exactFull++;
    assert.equal(x.tree.tree.rootNode.toString(), expected, 'exact mode always equals a fresh parse');
    x.tree.release();

    tally.runs++;
    tally.edits += es.length;
    if (hasError) tally.withErrors++;
  }), { numRuns: runs });
  assert.equal(ledger.counts().live, 0);
  assert.equal(stats.replays + stats.fullParses, 2 * runs);
  assert.equal(stats.fullParses, exactFull);
}

test('replayed trees equal fresh parses on real files of every language at hand', async (t) => {
  const tally: Tally = { runs: 0, edits: 0, withErrors: 0, errorMismatches: 0 };
  const files = realFiles();
  assert.ok(files.length >= 4, 'real files found');
  for (const f of files) {
    const runs = f.text.length > 8000 ? 40 : 100;
    await t.test(`${f.path} (${f.lang}, ${f.text.length} chars)`, async () => {
      await replayEqualsFresh(f, runs, 30, tally);
    });
  }
  t.diagnostic(`runs ${tally.runs}, edits ${tally.edits}, results with syntax errors ${tally.withErrors}, ` +
    `of which plain replay differed from a fresh parse ${tally.errorMismatches}`);
  assert.ok(tally.edits >= 2000, `random edits in total: ${tally.edits}`);
  assert.ok(tally.withErrors > 0 && tally.withErrors < tally.runs, 'both clean and erroneous results were exercised');
});

test('long journals (up to 256 edits) on a large file', async (t) => {
  const tally: Tally = { runs: 0, edits: 0, withErrors: 0, errorMismatches: 0 };
  await replayEqualsFresh(largeFile(), 3, 256, tally, 200);
  t.diagnostic(JSON.stringify(tally));
});

test('a clean edit sequence on a large file replays exactly', async () => {
  const f = largeFile();
  const parser = await parserFor(f.lang);
  const ledger = new TreeLedger();
  // rename identifiers and add statements between top-level lines: stays valid code
  const doc = new EditableText(f.text);
  const journal: JournalEdit[] = [];
  let from = 0;
  for (let i = 0; i < 50; i++) {
    const at = doc.text.indexOf('\n', from + 1000);
    if (at < 0) break;
    journal.push(doc.apply({ start: at + 1, end: at + 1, newText: `// note ${i}\n` }).journal);
    from = at + 1;
  }
  const fresh = ledger.parse(parser, doc.text, f.lang);
  const base = ledger.parse(parser, f.text, f.lang);
  const r = rebuildTree({ parser, lang: f.lang, base, edits: journal, text: doc.text }, ledger);
  assert.equal(r.mode, 'replay');
  assert.equal(r.tree.tree.rootNode.toString(), fresh.tree.rootNode.toString());
  r.tree.release();
  fresh.release();
  assert.equal(ledger.counts().live, 0);
});

test('without a base tree, with overflow, or with a broken journal: full parse of the text', async () => {
  const f = realFiles()[0]!;
  const parser = await parserFor(f.lang);
  const ledger = new TreeLedger();
  const stats = new JournalStats();
  const { doc, journal } = makeJournal(f.text, [[0.5, 3, 'x'], [0.2, 0, '{'], [0.9, 10, '\n']]);
  const fresh = ledger.parse(parser, doc.text, f.lang);
  const expect = fresh.tree.rootNode.toString();
  fresh.release();
  const cases: [string, (JournalEdit[] | undefined), RegExp][] = [
    ['no base', undefined, /no base tree/],
    ['overflow', journal, /overflow/],
    ['missing aux', journal.map((e, i) => (i === 1 ? { start: e.start, end: e.end, text: e.text } : e)), /no tree-sitter numbers/],
    ['bad length', journal.map((e, i) => (i === 2 ? { ...e, text: new TextEncoder().encode('xx') } : e)), /.+/],
    ['bad range', journal.map((e, i) => (i === 0 ? { ...e, aux: Int32Array.from(e.aux!, (v, k) => (k === 1 ? 1e9 : v)) } : e)), /outside/],
    ['dropped edit', journal.slice(1), /.+/],
    ['invalid utf-8', journal.map((e, i) => (i === 0 ? { ...e, text: Uint8Array.of(0xff) } : e)), /.+/],
  ];
  for (const [name, edits, why] of cases) {
    const base = name === 'no base' ? undefined : ledger.parse(parser, f.text, f.lang);
    const r = rebuildTree({ parser, lang: f.lang, base, edits: edits ?? journal, text: doc.text, maxEdits: name === 'overflow' ? 2 : 256 }, ledger, stats);
    assert.equal(r.mode, 'full', name);
    assert.match(r.reason ?? '', why, name);
    assert.equal(r.tree.tree.rootNode.toString(), expect, name);
    assert.equal(base?.alive ?? false, false, `${name}: base consumed`);
    r.tree.release();
  }
  assert.deepEqual(stats.counts(), { replays: 0, fullParses: cases.length });
  assert.equal(ledger.counts().live, 0);
});

test('an empty journal reuses the base tree as is', async () => {
  const parser = await parserFor('json');
  const ledger = new TreeLedger();
  const stats = new JournalStats();
  const base = ledger.parse(parser, '{"a": 1}', 'json');
  const r = rebuildTree({ parser, lang: 'json', base, edits: [], text: '{"a": 1}' }, ledger, stats);
  assert.equal(r.mode, 'reused');
  assert.equal(r.tree, base);
  r.tree.release();
  assert.deepEqual(stats.counts(), { replays: 0, fullParses: 0 });
  assert.equal(ledger.counts().live, 0);
});

test('reparseInput: reads at any place give the text from there, short after a jump, growing while they run on', () => {
  const text = 'αβγ\n'.repeat(5000) + '😀 end';
  fc.assert(fc.property(fc.array(fc.nat(text.length + 10), { minLength: 1, maxLength: 20 }), (starts) => {
    const read = reparseInput(text);
    for (const start of starts) {
      let at = start;
      let got = '';
      let last = 0;
      for (let s = read(at); s.length > 0; s = read(at)) {
        assert.equal(s, text.slice(at, at + s.length));
        assert.ok(s.length <= 4096 && (s.length >= last || at + s.length === text.length), 'sizes grow while reads continue');
        last = s.length;
        got += s;
        at += s.length;
      }
      assert.equal(got, text.slice(Math.min(start, text.length)));
    }
  }), { numRuns: 50 });
  const read = reparseInput(text);
  assert.equal(read(100).length, 128, 'a jump starts small');
  assert.equal(read(228).length, 256, 'a continued read doubles');
  assert.equal(read(5).length, 128, 'a new jump starts small again');
});

test('a replayed tree reads node text from the current text (short and long nodes)', async () => {
  const f = largeFile();
  const parser = await parserFor(f.lang);
  const ledger = new TreeLedger();
  const { doc, journal } = makeJournal(f.text, [[0.1, 0, 'x'], [0.5, 4, ''], [0.7, 0, '\n'], [0.9, 2, 'y']]);
  const base = ledger.parse(parser, f.text, f.lang);
  const r = rebuildTree({ parser, lang: f.lang, base, edits: journal, text: doc.text, textBytes: doc.index.byteLength }, ledger);
  assert.equal(r.mode, 'replay', r.reason);
  const root = r.tree.tree.rootNode;
  assert.equal(root.text, doc.text.slice(root.startIndex, root.endIndex), 'the whole text, over many reads');
  let checked = 0;
  for (let i = 0; i < root.childCount; i += Math.max(1, Math.floor(root.childCount / 50))) {
    for (let n = root.child(i); n; n = n.childCount > 0 ? n.child(n.childCount >> 1) : null) {
      assert.equal(n.text, doc.text.slice(n.startIndex, n.endIndex));
      checked++;
    }
  }
  assert.ok(checked > 50, `nodes checked: ${checked}`);
  r.tree.release();
  assert.equal(ledger.counts().live, 0);
});

test('a caller-supplied UTF-8 length that does not match the journal means a full parse', async () => {
  const f = realFiles()[0]!;
  const parser = await parserFor(f.lang);
  const ledger = new TreeLedger();
  const { doc, journal } = makeJournal(f.text, [[0.5, 3, 'é'], [0.2, 0, '{']]);
  const good = rebuildTree({ parser, lang: f.lang, base: ledger.parse(parser, f.text, f.lang), edits: journal, text: doc.text, textBytes: doc.index.byteLength }, ledger);
  assert.equal(good.mode, 'replay', good.reason);
  good.tree.release();
  const bad = rebuildTree({ parser, lang: f.lang, base: ledger.parse(parser, f.text, f.lang), edits: journal, text: doc.text, textBytes: 3 }, ledger);
  assert.equal(bad.mode, 'full');
  assert.match(bad.reason ?? '', /byte range/);
  bad.tree.release();
  assert.equal(ledger.counts().live, 0);
});
