/**
 * Fuzzy matching and search: the tier examples from the design (exact > prefix > word starts >
 * subsequence, humps in camelCase/snake_case), and properties of the name search against brute
 * force: every result matches, best first, limit honoured, an exact name first, and the prefilter
 * never loses a result that brute-force scoring would keep. Each search runs both the search
 * structure (nameSearch.ts) and the scan it replaced (support/scanSearch.ts), which must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzyScore, MatchTier, prepareQuery, TIER } from '../../server/src/index/fuzzy.js';
import { NameSearch, type NameMatches } from '../../server/src/index/nameSearch.js';
import { scanColumns, scanSearchNames } from './support/scanSearch.js';
import { NameTable } from '../../server/src/index/nameTable.js';
import { TopK } from '../../server/src/index/topK.js';

const tier = (q: string, n: string) => Math.floor(fuzzyScore(q, n) / TIER);

/** The search structure's answer, checked against the scan's. */
function searchNames(
  table: NameTable, query: string | ReturnType<typeof prepareQuery>, limit: number, accept?: (id: number) => boolean,
): NameMatches {
  const found = new NameSearch(table).search(query, limit, accept);
  assert.deepEqual(found, scanSearchNames(table, scanColumns(table), query, limit, accept));
  return found;
}

/** Independent oracle: case-insensitive subsequence (after dropping whitespace from the query). */
function isSubsequence(query: string, name: string): boolean {
  const q = query.replace(/\s+/g, '');
  let i = 0;
  for (let j = 0; j < name.length && i < q.length; j++) {
    if (name[j]!.toLowerCase() === q[i]!.toLowerCase() || name[j] === q[i]) i++;
  }
  return i === q.length;
}

test('tiers of the design examples', () => {
  assert.equal(tier('getSourceCache', 'getSourceCache'), MatchTier.Exact);
  assert.equal(tier('getsourcecache', 'getSourceCache'), MatchTier.ExactIgnoreCase);
  assert.equal(tier('getSo', 'getSourceCache'), MatchTier.Prefix);
  assert.equal(tier('gSC', 'getSourceCache'), MatchTier.WordStarts);
  assert.equal(tier('getSC', 'getSourceCache'), MatchTier.WordStarts);
  assert.equal(tier('sc', 'SourceCache'), MatchTier.WordStarts);
  assert.equal(tier('ds', 'data_source'), MatchTier.WordStarts);
  assert.equal(tier('hs', 'HTTPServer'), MatchTier.WordStarts);
  assert.equal(tier('src', 'SourceCache'), MatchTier.Subsequence);
  assert.equal(fuzzyScore('xyz', 'SourceCache'), 0);
  assert.equal(fuzzyScore('SourceCacheX', 'SourceCache'), 0);
});

test('ranking: exact > prefix > word starts > subsequence; shorter and fewer gaps first', () => {
  const names = ['sourceXcache', 'SourceCache', 'sc', 'scanner', 'isc', 'SomeCodec', 'sxxxxxxxxxc'];
  const ranked = [...names].sort((a, b) => fuzzyScore('sc', b) - fuzzyScore('sc', a));
  assert.deepEqual(ranked.slice(0, 2), ['sc', 'scanner']);
  assert.ok(ranked.indexOf('SourceCache') < ranked.indexOf('sourceXcache'));
  assert.ok(ranked.indexOf('isc') < ranked.indexOf('sxxxxxxxxxc'), 'consecutive beats a long gap');
  assert.ok(fuzzyScore('cache', 'Cache') > fuzzyScore('cache', 'CacheEntry'));
  assert.ok(fuzzyScore('cache', 'CacheEntry') > fuzzyScore('cache', 'SourceCache'));
});

test('TopK keeps the K best in order', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 })), fc.nat(20), (scores, k) => {
    const top = new TopK(k);
    scores.forEach((s, i) => top.offer(i, s, i));
    const { items } = top.drain();
    const expected = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, k).map((x) => x.i);
    assert.deepEqual(items, expected);
  }));
});

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,14}$/);

test('searchNames: results match, sorted best first, limit honoured, exact first, nothing lost', () => {
  fc.assert(fc.property(
    fc.uniqueArray(identifier, { minLength: 1, maxLength: 120 }),
    fc.oneof(fc.stringMatching(/^[A-Za-z_]{1,4}$/), fc.constant('')),
    fc.integer({ min: 1, max: 15 }),
    fc.boolean(),
    (names, randomQuery, limit, useExisting) => {
      const table = new NameTable();
      for (const n of names) table.intern(n);
      const query = useExisting ? names[limit % names.length]! : randomQuery;
      const { ids, scores } = searchNames(table, query, limit);
      assert.ok(ids.length <= limit);
      for (let i = 0; i < ids.length; i++) {
        assert.ok(isSubsequence(query, table.nameOf(ids[i]!)), `${table.nameOf(ids[i]!)} matches ${query}`);
        assert.equal(scores[i], fuzzyScore(query, table.nameOf(ids[i]!)));
        if (i > 0) assert.ok(scores[i - 1]! >= scores[i]!);
      }
      if (table.find(query) >= 0) assert.equal(ids[0], table.find(query));
      // brute force: same number of results and the same score sequence
      const all = names.map((n) => fuzzyScore(query, n)).filter((s) => s > 0).sort((a, b) => b - a).slice(0, limit);
      assert.deepEqual(scores, all);
      for (const n of names) if (fuzzyScore(query, n) > 0) assert.ok(isSubsequence(query, n));
    }), { numRuns: 300 });
});

test('searchNames on a large table answers from the prefilter and heap', () => {
  const table = new NameTable();
  const parts = ['get', 'set', 'source', 'cache', 'entry', 'tree', 'node', 'parse', 'chunk', 'store', 'file', 'index'];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % parts.length;
  for (let i = 0; i < 200_000; i++) {
    const w = [parts[rnd()]!, parts[rnd()]!, parts[rnd()]!];
    table.intern(w[0]! + w.slice(1).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('') + (i % 97));
  }
  table.intern('getSourceCache');
  const { ids } = searchNames(table, prepareQuery('getSourceCache'), 10);
  assert.equal(table.nameOf(ids[0]!), 'getSourceCache');
  const humps = searchNames(table, 'gSC', 50);
  assert.equal(humps.ids.length, 50);
  for (const id of humps.ids) assert.ok(Math.floor(fuzzyScore('gSC', table.nameOf(id)) / TIER) >= MatchTier.WordStarts);
});

// Structured names (camelCase, PascalCase, snake_case, CAPS, digits, some longer than the 32
// precomputed word-start positions) and queries drawn from their initials and prefixes: the
// inputs that fill the prefix and word-starts tiers, where searchNames stops early.
const WORDS = ['get', 'set', 'source', 'cache', 'src', 'tree', 'node', 'scan', 'root', 'read', 'count', 'http', 'server', 'x', 'z'];
const word = fc.constantFrom(...WORDS);
const structuredName = fc.tuple(fc.array(word, { minLength: 1, maxLength: 9 }), fc.integer({ min: 0, max: 3 }), fc.option(fc.nat(999), { nil: undefined }))
  .map(([ws, style, n]) => {
    const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
    const s = style === 0 ? ws[0]! + ws.slice(1).map(cap).join('') : style === 1 ? ws.map(cap).join('') : style === 2 ? ws.join('_') : ws.join('_').toUpperCase();
    return n === undefined ? s : s + n;
  });

test('searchNames equals brute force on structured names, long names and initial-letter queries', () => {
  fc.assert(fc.property(
    fc.uniqueArray(structuredName, { minLength: 1, maxLength: 200 }),
    fc.oneof(
      fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => ws.map((w) => w[0]!).join('')),
      fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.map((w, i) => (i === 0 ? w.slice(0, 3) : w[0]!.toUpperCase())).join('')),
      fc.constantFrom('src', 'gSC', 'tree', 'x', 'zzz', 'getSourceCache', 'sc', 'HS', 'g_s', 'c1', '9'),
    ),
    fc.integer({ min: 1, max: 20 }),
    fc.func(fc.boolean()),
    fc.boolean(),
    (names, query, limit, acceptFn, filtered) => {
      const table = new NameTable(4, 8);
      for (const n of names) table.intern(n);
      const accept = filtered ? (id: number) => acceptFn(id) : undefined;
      const { ids, scores } = searchNames(table, query, limit, accept);
      const brute = names.map((n, id) => ({ id, len: n.length, s: fuzzyScore(query, n) }))
        .filter((x) => x.s > 0 && (!accept || accept(x.id)))
        .sort((a, b) => b.s - a.s || a.len - b.len || a.id - b.id)
        .slice(0, limit);
      assert.deepEqual(ids, brute.map((x) => x.id));
      assert.deepEqual(scores, brute.map((x) => x.s));
    }), { numRuns: 400 });
});

test('word starts beyond the 32 precomputed positions count like the first ones', () => {
  const long = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_source_cache';
  assert.ok(long.indexOf('source') > 32);
  assert.equal(tier('sc', long), MatchTier.WordStarts);
  const table = new NameTable();
  table.intern(long);
  table.intern('sxc');
  const { ids, scores } = searchNames(table, 'sc', 5);
  assert.deepEqual(ids.map((id) => table.nameOf(id)), [long, 'sxc'].sort((a, b) => fuzzyScore('sc', b) - fuzzyScore('sc', a)));
  assert.deepEqual(scores, ids.map((id) => fuzzyScore('sc', table.nameOf(id))));
});
