/**
 * NameSearch (nameSearch.ts) answers exactly as the scan it replaced (support/scanSearch.ts): the same
 * ids, order and scores for any names, query, limit, filter and subsequence budget — random names of every shape (camelCase,
 * snake_case, CAPS, digits, separators, non-ASCII including units that fold oddly, names longer than
 * the 32 precomputed word starts and than the shared long bucket) and queries drawn from them or not
 * (empty, one character, case variants, whitespace, non-ASCII). The budget is exercised: small ones
 * change answers, and within it the answer is the best of the first names by length. Kept up to date: names interned in
 * batches between searches, and compaction (renumbered ids) followed by `rebuild`. Model-based: random
 * replaceFile/removeFile sequences on a SymbolIndex (compacting often or not), its search equal to a
 * naive scan of a plain model after every step. Memory: the stated NAME_SEARCH_BYTES per name, measured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzyScore } from '../../server/src/index/fuzzy.js';
import { NAME_SEARCH_BYTES, NameSearch } from '../../server/src/index/nameSearch.js';
import { NameTable } from '../../server/src/index/nameTable.js';
import { SymbolIndex, type SymbolMatch } from '../../server/src/index/symbolIndex.js';
import { SymbolKind, type SyntaxSymbol } from '../../server/src/syntax/types.js';
import { kernelNames, kernelQueries } from '../bench/kernelNames.js';
import { scanColumns, scanSearchNames } from './support/scanSearch.js';
import { seededRandom as seeded } from '../../server/src/index/seededRandom.js';
import { liveBytes } from './support/liveBytes.js';

const WORDS = ['get', 'set', 'source', 'cache', 'src', 'tree', 'node', 'dev', 'x', 'Z', 'http', 'server', 'kmalloc',
  'i2c', 'v4l2', 'é', 'Éclair', 'İd', '\u212Aelvin', 'straße', '𝒳', 'a$b', 'q-r', 'p.q'];

/** A name of one of the shapes identifiers take (see header). */
const name: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 6 }), fc.nat(4), fc.option(fc.nat(99), { nil: undefined }))
    .map(([ws, style, n]) => {
      const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
      const s = style === 0 ? ws[0]! + ws.slice(1).map(cap).join('') : style === 1 ? ws.map(cap).join('')
        : style === 2 ? ws.join('_') : style === 3 ? ws.join('_').toUpperCase() : `__${ws.join('_')}`;
      return n === undefined ? s : s + n;
    }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'B', 'c', '_', '1', 'é', 'İ', 'ß', '$', 'x', 'X'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  // longer than 32 (word starts beyond the precomputed bits) and than 64 (the shared bucket)
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'get_', 'XY', 'é'), fc.integer({ min: 9, max: 40 }), fc.constantFrom('_source_cache', 'Tail', ''))
    .map(([w, n, tail]) => w.repeat(n) + tail) },
);

/** A query: from the names (prefixes, initials, pieces, other case) or not. */
function queryOf(names: readonly string[]): fc.Arbitrary<string> {
  const some = fc.constantFrom(...(names.length > 0 ? names : ['']));
  return fc.oneof(
    fc.constant(''),
    fc.constantFrom('s', 'S', '_', 'x', 'é', 'İ', 'k', '1', ' ', 'gsc', 'g s c', 'src', 'dev_', 'KMALLOC', '__'),
    fc.tuple(some, fc.nat(12)).map(([n, k]) => n.slice(0, k)),
    fc.tuple(some, fc.nat(12), fc.nat(6)).map(([n, i, k]) => n.slice(i, i + k)),
    fc.tuple(some, fc.boolean()).map(([n, up]) => (up ? n.toUpperCase() : n.toLowerCase())),
    some.map((n) => n.split(/[_A-Z]/).map((p) => p.slice(0, 1)).join('')),
    fc.tuple(some, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 })).map(([n, keep]) => [...n].filter((_, i) => keep[i % 12]).join('')),
    fc.string({ maxLength: 6 }),
  );
}

const limit = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 50, 1000));

/** A subsequence budget: the default for the limit (undefined) or a small one that cuts. */
const budget = fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined });

function assertSameAnswers(
  table: NameTable, search: NameSearch, query: string, n: number, accept?: (id: number) => boolean, budget?: number,
): void {
  const expected = scanSearchNames(table, scanColumns(table), query, n, accept, budget);
  assert.deepEqual(search.search(query, n, accept, budget), expected, `query ${JSON.stringify(query)} limit ${n} budget ${budget}`);
}

test('the same answers as the scan for any names, query, limit and filter', () => {
  fc.assert(fc.property(
    fc.uniqueArray(name, { maxLength: 150 }).chain((names) => fc.tuple(
      fc.constant(names), fc.array(fc.tuple(queryOf(names), limit, budget), { minLength: 1, maxLength: 6 }), fc.func(fc.boolean()), fc.boolean())),
    ([names, queries, acceptFn, filtered]) => {
      const table = new NameTable(4, 8);
      for (const n of names) table.intern(n);
      const search = new NameSearch(table);
      const accept = filtered ? (id: number) => acceptFn(id) : undefined;
      for (const [q, n, b] of queries) assertSameAnswers(table, search, q, n, accept, b);
    }), { numRuns: 400 });
});

test('near ties: scores a point apart, where a bound that is one point too low would lose a name', () => {
  // `g_c` and `g_C` both match `gC` on word starts; the second scores one more (case) and its bound
  // from its bits is exactly its score: the heap of one holds `g_c` when `g_C` is tested.
  const table = new NameTable();
  table.intern('g_c');
  table.intern('g_C');
  assertSameAnswers(table, new NameSearch(table), 'gC', 1);
  assert.deepEqual(new NameSearch(table).search('gC', 1).ids, [1]);
  // Few letters, both cases, separators and digits: many names a point or two apart in every tier.
  const tiny = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '_', '1'), minLength: 1, maxLength: 7 });
  fc.assert(fc.property(fc.uniqueArray(tiny, { maxLength: 80 }), fc.array(fc.tuple(fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '_', '1'), maxLength: 4 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 8 }),
    (names, queries) => {
      const t = new NameTable(4, 8);
      for (const n of names) t.intern(n);
      const search = new NameSearch(t);
      for (const [q, n] of queries) assertSameAnswers(t, search, q, n);
    }), { numRuns: 400 });
});

test('many names of a few shapes: the walks stop early and still answer as the scan', () => {
  // Enough names that the heap fills in every tier and the walks end by their bounds.
  const names = kernelNames(6000, 5);
  const table = new NameTable();
  for (const n of names) table.intern(n);
  const search = new NameSearch(table);
  const typed = fc.constantFrom(...kernelQueries(names, 300, 9));
  fc.assert(fc.property(fc.oneof(queryOf(names), typed), fc.integer({ min: 1, max: 40 }), budget,
    (q, n, b) => assertSameAnswers(table, search, q, n, undefined, b)), { numRuns: 300 });
});

test('the subsequence budget: the best of the first names by length, and it cuts', () => {
  // 3,000 names that hold `xyz` only as a subsequence (lower case letters: no word starts past the
  // first), of lengths 5–64 and beyond, in no order of length; a tag of letters keeps them distinct.
  const rnd = seeded(3);
  const names: string[] = [];
  const letters = 'abcdefghijklmnoprstuvw';
  for (let i = 0; i < 3000; i++) {
    const gap = () => letters.slice(0, 1 + Math.floor(rnd() * 11));
    let tag = '';
    for (let v = i; v > 0; v = Math.floor(v / letters.length)) tag += letters[v % letters.length];
    names.push(`x${gap()}y${gap()}z${tag}${i % 7 === 0 ? 'q'.repeat(60) : ''}`);
  }
  const table = new NameTable();
  for (const n of names) table.intern(n);
  const search = new NameSearch(table);
  const all = search.search('xyz', 20, undefined, Infinity);
  assert.equal(all.ids.length, 20);
  let cut = 0;
  for (const b of [0, 1, 19, 20, 21, 100, 2999, 3000]) {
    const got = search.search('xyz', 20, undefined, b);
    assert.deepEqual(got, scanSearchNames(table, scanColumns(table), 'xyz', 20, undefined, b), `budget ${b}`);
    // within the budget: the best of the first b names by (length bucket, id), scored as always
    const firsts = names.map((n, id) => ({ id, len: Math.min(n.length, 64) }))
      .sort((p, q) => p.len - q.len || p.id - q.id).slice(0, b).map((p) => p.id);
    const best = firsts.map((id) => ({ id, score: fuzzyScore('xyz', names[id]!) }))
      .sort((p, q) => q.score - p.score || names[p.id]!.length - names[q.id]!.length || p.id - q.id).slice(0, 20);
    assert.deepEqual(got.ids, best.map((p) => p.id), `budget ${b}: the best of the first ${b}`);
    if (JSON.stringify(got) !== JSON.stringify(all)) cut++;
  }
  assert.ok(cut >= 4, `small budgets change the answer (${cut} of 8 did)`);
  assert.deepEqual(search.search('xyz', 20, undefined, 3000), all, 'a budget of every name is no budget');
});

test('kept up to date: names added between searches, and ids renumbered by compaction then rebuild', () => {
  fc.assert(fc.property(
    fc.array(fc.uniqueArray(name, { maxLength: 40 }), { minLength: 1, maxLength: 5 }),
    fc.array(fc.func(fc.boolean()), { minLength: 5, maxLength: 5 }),
    fc.boolean(),
    fc.array(fc.tuple(fc.constantFrom('', 'a', 'get', 'gS', 'SOURCE', '_c', 'é', 'x1', 'Tail'), limit), { minLength: 1, maxLength: 3 }),
    (batches, keeps, tight, queries) => {
      const table = new NameTable(4, 8);
      const search = new NameSearch(table);
      batches.forEach((batch, i) => {
        for (const n of batch) table.intern(n);
        search.sync();
        for (const [q, n] of queries) assertSameAnswers(table, search, q, n);
        const keep = keeps[i]!;
        table.compact((id) => keep(id));
        search.rebuild(tight);
        for (const [q, n] of queries) assertSameAnswers(table, search, q, n);
      });
    }), { numRuns: 150 });
});

// ---- SymbolIndex under churn against a plain model ----

const symbolName = fc.oneof(
  fc.constantFrom('get', 'getSourceCache', 'source_cache', 'SOURCE', 'src', 'scan', 'set', 'x', 'é', 'İd', 'a_b_c', 'abc'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/),
);
const outline: fc.Arbitrary<SyntaxSymbol[]> = fc.array(fc.tuple(symbolName, fc.nat(50), fc.option(fc.array(fc.tuple(symbolName, fc.nat(50)), { maxLength: 3 }), { nil: undefined })), { maxLength: 6 })
  .map((list) => list.map(([n, line, kids]) => {
    const sym: SyntaxSymbol = { name: n, kind: SymbolKind.Function, span: [line, 0, line + 2, 1], nameSpan: [line, 4, line, 4 + n.length] };
    if (kids && kids.length > 0) {
      sym.children = kids.map(([k, l]) => ({ name: k, kind: SymbolKind.Field, span: [l, 0, l, 9], nameSpan: [l, 2, l, 2 + k.length] }));
    }
    return sym;
  }));

interface Def { name: string; path: string; line: number }

function defsOf(model: Map<string, SyntaxSymbol[]>): Def[] {
  const out: Def[] = [];
  const walk = (list: readonly SyntaxSymbol[], path: string) => {
    for (const s of list) { out.push({ name: s.name, path, line: s.nameSpan[0] }); if (s.children) walk(s.children, path); }
  };
  for (const [path, list] of model) walk(list, path);
  return out;
}

/**
 * `hits` is what scoring every live definition gives: names by score then length (names equal in
 * both, in an order the model cannot know: any), each with its definitions by path and line, the
 * first `limit` of that sequence.
 */
function assertNaiveAnswer(hits: SymbolMatch[], defs: Def[], query: string, limit: number): void {
  const byName = new Map<string, Def[]>();
  for (const d of defs) if (fuzzyScore(query, d.name) > 0) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  const total = [...byName.values()].reduce((a, ds) => a + ds.length, 0);
  assert.equal(hits.length, Math.min(limit, total));
  const key = (n: string) => `${fuzzyScore(query, n)}:${n.length}`;
  const classes = new Map<string, string[]>();
  for (const n of byName.keys()) classes.set(key(n), [...(classes.get(key(n)) ?? []), n]);
  const order = [...classes.keys()].sort((a, b) => {
    const [sa, la] = a.split(':').map(Number), [sb, lb] = b.split(':').map(Number);
    return sb! - sa! || la! - lb!;
  });
  // the hits, name by name
  const runs: { name: string; hits: SymbolMatch[] }[] = [];
  for (const h of hits) {
    assert.equal(h.score, fuzzyScore(query, h.name));
    const last = runs[runs.length - 1];
    if (last && last.name === h.name) last.hits.push(h);
    else runs.push({ name: h.name, hits: [h] });
  }
  assert.equal(new Set(runs.map((r) => r.name)).size, runs.length, 'the definitions of a name come together');
  let at = 0;
  for (const k of order) {
    if (at >= runs.length) break;
    const members = new Set(classes.get(k)!);
    const inClass: string[] = [];
    while (at < runs.length && members.has(runs[at]!.name)) inClass.push(runs[at++]!.name);
    const cut = at === runs.length && hits.length === limit;
    if (!cut) assert.deepEqual(inClass.sort(), [...members].sort(), `names scoring ${k}`);
    for (const n of inClass) {
      const want = byName.get(n)!.map((d) => `${d.path}:${d.line}`).sort((a, b) => {
        const [pa, la] = [a.slice(0, a.lastIndexOf(':')), Number(a.slice(a.lastIndexOf(':') + 1))];
        const [pb, lb] = [b.slice(0, b.lastIndexOf(':')), Number(b.slice(b.lastIndexOf(':') + 1))];
        return pa < pb ? -1 : pa > pb ? 1 : la - lb;
      });
      const got = runs.find((r) => r.name === n)!.hits.map((h) => `${h.path}:${h.nameSpan[0]}`);
      assert.deepEqual(got, want.slice(0, got.length), `definitions of ${n}`);
      if (!(cut && n === inClass[inClass.length - 1])) assert.equal(got.length, want.length, `all definitions of ${n}`);
    }
  }
  assert.equal(at, runs.length, 'every hit is in the order of scores and lengths');
}

test('SymbolIndex: replaceFile/removeFile churn, search equal to a naive scan after every step', () => {
  const op = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), file: fc.nat(5), symbols: outline }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), file: fc.nat(5) }) },
  );
  const query = fc.oneof(fc.constantFrom('', 'g', 'gSC', 'src', 'S', 'set', 'x', 'é', 'ab', 'a_c', 'İ'), fc.stringMatching(/^[A-Za-z_]{1,3}$/));
  let compactions = 0;
  fc.assert(fc.property(fc.array(op, { maxLength: 30 }), fc.boolean(), fc.array(fc.tuple(query, fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 3 }),
    (ops, compact, queries) => {
      const index = new SymbolIndex({ initialSymbols: 16, compactSlack: compact ? 0 : 4096 });
      const model = new Map<string, SyntaxSymbol[]>();
      for (const o of ops) {
        const path = `/w/f${o.file}.c`;
        if (o.kind === 'replace') { index.replaceFile(path, o.symbols); model.set(path, o.symbols); }
        else assert.equal(index.removeFile(path), model.delete(path));
        const defs = defsOf(model);
        for (const [q, n] of queries) assertNaiveAnswer(index.search(q, n), defs, q, n);
      }
      compactions += index.stats().compactions;
    }), { numRuns: 150 });
  assert.ok(compactions > 0, 'the churn compacted (renumbering names) in some runs');
});

// ---- memory ----


test(`memory: the search costs at most ${NAME_SEARCH_BYTES} B per name (rebuilt tight), half again while growing`, async () => {
  // Measured on a second search, so that what the first one leaves once (compiled code) is not counted.
  const measure = async (count: number) => {
    const table = new NameTable();
    for (const n of kernelNames(count, 3)) table.intern(n);
    const before = await liveBytes();
    const search = new NameSearch(table);
    search.sync();
    const grown = (await liveBytes()) - before;
    search.rebuild(true);
    const tight = (await liveBytes()) - before;
    return { grown, tight, byteSize: search.byteSize() };
  };
  await measure(20_000);
  const large = 400_000;
  const b = await measure(large);
  const tight = b.tight / large;
  const grown = b.grown / large;
  console.log(`per name: ${tight.toFixed(1)} B rebuilt tight, ${grown.toFixed(1)} B grown name by name; `
    + `stated ${NAME_SEARCH_BYTES} B`);
  // the measurement sees the data: at least the bits and ids
  assert.ok(tight >= NAME_SEARCH_BYTES * 0.9, `measured ${tight} B: the measurement is broken`);
  assert.ok(tight <= NAME_SEARCH_BYTES + 1, `measured ${tight.toFixed(1)} B per name > stated ${NAME_SEARCH_BYTES} B`);
  assert.ok(grown <= NAME_SEARCH_BYTES * 1.5 + 1, `grown ${grown.toFixed(1)} B per name`);
  assert.ok(Math.abs(b.byteSize / large - tight) < 1, 'byteSize counts what the heap holds');
});
