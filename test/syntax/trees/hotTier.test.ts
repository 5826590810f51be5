/**
 * The hot tier over the real SourceCache: texts stay equal to a model under random opens, closes,
 * edits and tree requests; every tree handed out equals a fresh parse; the budget holds after every
 * call; eviction prefers closed documents, then open ones; a document bigger than the budget is
 * served then demoted; edits reach the cache journal; demotion releases trees (live returns to 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache } from '../../../server/src/cache/index.js';
import { sourceCacheWarmSide } from '../../../server/src/syntax/cacheBridge.js';
import { HotTier } from '../../../server/src/syntax/hotTier.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import { JournalStats } from '../../../server/src/syntax/rebuild.js';
import { estimateTreeBytes } from '../../../server/src/syntax/treeCost.js';
import { TreeLedger } from '../../../server/src/syntax/trees.js';
import { FRAGMENTS, realFiles, type SourceFile } from './helpers.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const langOf = (k: string) => detectLanguage(k)?.name;

async function setup(files: SourceFile[], budgetOf: (sizes: number[]) => number) {
  const cache = await createSourceCache();
  for (const f of files) cache.put(f.path, enc.encode(f.text));
  const ledger = new TreeLedger();
  const journal = new JournalStats();
  const demoted: string[] = [];
  const warm = sourceCacheWarmSide(cache, langOf);
  const sizes: number[] = [];
  for (const f of files) {
    const t = ledger.parse(await parserFor(f.lang), f.text, f.lang);
    sizes.push(estimateTreeBytes(t));
    t.release();
  }
  const hot = new HotTier({
    budgetBytes: budgetOf(sizes), ledger, journalStats: journal, exact: true,
    warm: { ...warm, demoted: (k, text) => { demoted.push(k); warm.demoted!(k, text); } },
  });
  return { cache, ledger, journal, demoted, hot, sizes };
}

async function freshString(lang: SourceFile['lang'], text: string): Promise<string> {
  const l = new TreeLedger();
  const t = l.parse(await parserFor(lang), text, lang);
  const s = t.tree.rootNode.toString();
  t.release();
  return s;
}

test('random operations: texts, trees, cache journal and budget stay right', async () => {
  const files = realFiles().filter((f) => f.text.length < 12000).slice(0, 6);
  assert.ok(files.length >= 4);
  const op = fc.oneof(
    fc.record({ k: fc.constant('open' as const), f: fc.nat(files.length - 1) }),
    fc.record({ k: fc.constant('close' as const), f: fc.nat(files.length - 1) }),
    fc.record({ k: fc.constant('tree' as const), f: fc.nat(files.length - 1) }),
    fc.record({ k: fc.constant('demote' as const), f: fc.nat(files.length - 1) }),
    fc.record({ k: fc.constant('edit' as const), f: fc.nat(files.length - 1), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.nat(20), ins: fc.constantFrom(...FRAGMENTS) }),
  );
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
    // budget: about two average trees, so eviction happens often
    const { cache, ledger, hot, sizes } = await setup(files, (s) => 2 * (s.reduce((a, b) => a + b, 0) / s.length));
    const budget = 2 * (sizes.reduce((a, b) => a + b, 0) / sizes.length);
    const model = new Map(files.map((f) => [f.path, f.text]));
    for (const o of ops) {
      const f = files[o.f]!;
      if (o.k === 'open') hot.open(f.path, model.get(f.path)!, f.lang);
      else if (o.k === 'close') hot.close(f.path);
      else if (o.k === 'demote') hot.demote(f.path);
      else if (o.k === 'edit') {
        const t = model.get(f.path)!;
        let start = Math.floor(o.at * t.length);
        let end = Math.min(t.length, start + o.len);
        const splits = (x: number): boolean => x > 0 && x < t.length && /[\ud800-\udbff]/.test(t[x - 1]!) && /[\udc00-\udfff]/.test(t[x]!);
        if (splits(start)) start--;
        if (splits(end)) end++;
        hot.edit(f.path, { start, end, newText: o.ins });
        model.set(f.path, t.slice(0, start) + o.ins + t.slice(end));
      } else {
        const [s, text] = await hot.withTree(f.path, (tree, text) => [tree.rootNode.toString(), text] as const);
        assert.equal(text, model.get(f.path));
        assert.equal(s, await freshString(f.lang, text));
      }
      const st = hot.stats();
      assert.ok(st.bytes <= budget, `hot bytes ${st.bytes} ≤ budget ${budget}`);
      assert.ok(ledger.counts().live <= st.files);
      for (const g of files) assert.equal(dec.decode(cache.read(g.path)), model.get(g.path), 'cache text follows edits');
    }
    hot.dispose();
    assert.deepEqual(hot.stats().files, 0);
    assert.equal(ledger.counts().live, 0, 'every tree released');
  }), { numRuns: 25 });
});

test('eviction prefers closed documents, then open ones; LRU within each', async () => {
  const files = realFiles().filter((f) => f.text.length < 12000).slice(0, 4);
  // room for a and c but not for a, b and c
  const { hot, demoted, ledger, sizes } = await setup(files, (s) => s[0]! + s[1]! + s[2]! - 1);
  const [a, b, c, d] = files.map((f) => f.path) as [string, string, string, string];
  hot.open(a, files[0]!.text, files[0]!.lang);
  await hot.withTree(a, () => 0);
  await hot.withTree(b, () => 0);
  await hot.withTree(c, () => 0); // over budget: b (closed, LRU among closed) goes, not a
  assert.deepEqual(demoted, [b]);
  assert.ok(hot.hasTree(a) && hot.hasTree(c));
  hot.open(c, files[2]!.text, files[2]!.lang);
  hot.open(d, files[3]!.text, files[3]!.lang);
  hot.setBudget(sizes[2]! + sizes[3]!); // room for c and d only
  await hot.withTree(d, () => 0); // all open now: the least recently used open one (a) goes
  assert.deepEqual(demoted, [b, a]);
  // a demoted open document comes back from the cache when needed, still open
  assert.equal(await hot.withTree(a, (_t, text) => text), files[0]!.text);
  hot.dispose();
  assert.equal(ledger.counts().live, 0);
});

test('a document bigger than the budget is served, then demoted', async () => {
  const files = realFiles().filter((f) => f.text.length < 12000).slice(0, 1);
  const { hot, demoted, ledger } = await setup(files, () => 10);
  const n = await hot.withTree(files[0]!.path, (t) => t.rootNode.childCount);
  assert.ok(n > 0);
  assert.deepEqual(demoted, [files[0]!.path]);
  assert.equal(hot.stats().bytes, 0);
  assert.equal(ledger.counts().live, 0);
});

test('edits to a hot tree are replayed; promotion from the cache is a full parse', async () => {
  const files = realFiles().filter((f) => f.text.length < 12000).slice(0, 1);
  const { hot, journal, cache, ledger } = await setup(files, () => 1e9);
  const k = files[0]!.path;
  await hot.withTree(k, () => 0);
  assert.deepEqual(journal.counts(), { replays: 0, fullParses: 1 });
  hot.edit(k, { start: 0, end: 0, newText: '// a\n' });
  hot.edit(k, { start: 0, end: 0, newText: '// b\n' });
  assert.equal(cache.journal(k).length, 2, 'edits reached the cache journal');
  await hot.withTree(k, () => 0);
  assert.deepEqual(journal.counts(), { replays: 1, fullParses: 1 });
  hot.demote(k);
  assert.equal(cache.journal(k).length, 0, 'demotion compacted the journal');
  assert.equal(await hot.withTree(k, (_t, text) => text), '// b\n// a\n' + files[0]!.text);
  assert.deepEqual(journal.counts(), { replays: 1, fullParses: 2 });
  hot.dispose();
  assert.equal(ledger.counts().live, 0);
});

test('a text that starts with a byte order mark keeps it through demotion, reload and edits', async () => {
  const text = '\uFEFFconst a = 1;\nconst b = 2;\n';
  const files: SourceFile[] = [{ path: '/bom/a.js', text, lang: 'javascript' }];
  const { hot, cache, ledger } = await setup(files, () => 1e9);
  hot.open('/bom/a.js', text, 'javascript');
  await hot.withTree('/bom/a.js', () => 0);
  hot.demote('/bom/a.js');
  // Reloaded from the cache, then edited: the edit's byte offsets must match the cached bytes.
  hot.edit('/bom/a.js', { start: 14, end: 14, newText: 'let c = 3;\n' });
  const expected = '\uFEFFconst a = 1;\nlet c = 3;\nconst b = 2;\n';
  assert.equal(hot.text('/bom/a.js'), expected);
  assert.equal(new TextDecoder('utf-8', { ignoreBOM: true }).decode(cache.read('/bom/a.js')), expected);
  hot.dispose();
  assert.equal(ledger.counts().live, 0);
});
