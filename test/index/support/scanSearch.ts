/**
 * The scan search over a NameTable that nameSearch.ts replaced, kept as the reference it must equal
 * (tests) and the baseline it is measured against (the bench's `lsp` section, test/bench/symbolSearch.ts).
 *
 * It goes tier by tier over every name and stops as soon as nothing below can enter the TopK heap,
 * using per-name summary columns (masks, first-characters key, word-start bits and pairs; NameTable
 * computed them at intern time, `scanColumns` does now): 1. a scan of the first-two-characters keys for exact and prefix
 * matches; 2. a scan of the masks for word-starts matches, setting aside the names that can only be
 * subsequence matches; 3. those, scored only when the better tiers left room, and only the first
 * `budget` of them in the search structure's order (nameSearch.ts: length, the longest sharing one
 * bucket, then id). A name that cannot beat the heap's worst entry is skipped before matching.
 * Guarantees: every result matches; results are sorted best first (score, shorter name, older id);
 * at most `limit`; a name equal to the query is first; the answer equals scoring every name (the
 * subsequence tier: every name within its budget).
 * Concurrency: synchronous; one scratch array per thread.
 */
import {
  firstKey, maskBit, maskOfUnits, pairBit, wordStartMaskOf, wordStartPairsOf,
} from '../../../server/src/index/charClass.js';
import {
  fuzzyBound, fuzzyTierScore, humpMatch, isPrefix, isSubsequence, loadWordStarts, MatchTier, prefixScore,
  prepareQuery, scoreUnits, TIER, type PreparedQuery,
} from '../../../server/src/index/fuzzy.js';
import type { NameTable } from '../../../server/src/index/nameTable.js';
import { LONG, subsequenceBudget, type NameMatches } from '../../../server/src/index/nameSearch.js';
import { TopK } from '../../../server/src/index/topK.js';

/**
 * Candidates set aside by the second pass for the subsequence tier. Grown on demand and
 * kept per thread: at most 4 B per name of the largest table searched, usually far less.
 */
let deferredIds = new Int32Array(4096);

/** The per-name summaries the scan reads, by name id. */
export interface ScanColumns {
  masks: Uint32Array;
  wordStartMasks: Uint32Array;
  wordStartPairs: Uint32Array;
  /** Keys of the folded first two characters (`firstKey` of each, low byte first; 0 for none). */
  firstKeys: Uint16Array;
}

/** The summaries of every name of `table`, as NameTable computed them at intern time. */
export function scanColumns(table: NameTable): ScanColumns {
  const n = table.count;
  const units = table.units;
  const cols: ScanColumns = {
    masks: new Uint32Array(n), wordStartMasks: new Uint32Array(n), wordStartPairs: new Uint32Array(n),
    firstKeys: new Uint16Array(n),
  };
  for (let id = 0; id < n; id++) {
    const start = table.startOf(id);
    const length = table.lengthOf(id);
    cols.masks[id] = maskOfUnits(units, start, length);
    cols.wordStartMasks[id] = wordStartMaskOf(units, start, length);
    cols.wordStartPairs[id] = wordStartPairsOf(units, start, length);
    cols.firstKeys[id] = (length === 0 ? 0 : firstKey(units[start]!)) | (length < 2 ? 0 : firstKey(units[start + 1]!) << 8);
  }
  return cols;
}

/**
 * The best `limit` names of `table` (summaries `cols`, made after its last change) for `query`, best first. `accept(id)` (optional) excludes
 * names, e.g. those no live symbol uses any more. Tier by tier (see header): each name is scored
 * at most once, in the one pass of its tier, so the result is what scoring every name would give.
 */
export function scanSearchNames(
  table: NameTable, cols: ScanColumns, query: string | PreparedQuery, limit: number, accept?: (id: number) => boolean,
  budget = subsequenceBudget(limit),
): NameMatches {
  const q = typeof query === 'string' ? prepareQuery(query) : query;
  if (limit <= 0) return { ids: [], scores: [] };
  const top = new TopK(limit);
  const m = q.units.length;
  const count = table.count;
  const units = table.units;
  const offs = table.offsets;
  if (m === 0) {
    // every name matches; the score depends on the length alone
    for (let id = 0; id < count; id++) {
      const len = offs[id + 1]! - offs[id]!;
      const score = scoreUnits(q, units, offs[id]!, len);
      if (!top.wouldAccept(score, len * 4294967296 + id) || (accept && !accept(id))) continue;
      top.offer(id, score, len * 4294967296 + id);
    }
    return drained(top);
  }
  const qMask = q.mask;
  const q0Bit = maskBit(q.units[0]!);
  const masks = cols.masks;
  const wsMasks = cols.wordStartMasks;
  const wsPairs = cols.wordStartPairs;
  // In a word-starts match each query character i ≥ 1 is on a word start, or continues a run of
  // query characters j..i that begins on a word start, so the pair (j, j + 1) for some j < i is a
  // pair at a word start. Checked for the first CHECKED_CHARS characters (a necessary condition).
  const checked = Math.min(m, CHECKED_CHARS);
  const charBits = new Int32Array(checked);
  const pairsBefore = new Int32Array(checked);
  for (let i = 1, pairs = 0; i < checked; i++) {
    pairs |= pairBit(q.folded[i - 1]!, q.folded[i]!);
    charBits[i] = maskBit(q.units[i]!);
    pairsBefore[i] = pairs;
  }

  // 1. Exact and prefix tiers: a scan of the first-two-characters keys finds the candidates.
  // When they fill the heap, no other name can enter and the search is over.
  // key of the query's first one or two characters, compared with as many of the name's keys
  const keyMask = m >= 2 ? 0xffff : 0xff;
  const key0 = m >= 2 ? firstKey(q.units[0]!) | (firstKey(q.units[1]!) << 8) : firstKey(q.units[0]!);
  const firsts = cols.firstKeys;
  for (let id = 0; id < count; id++) {
    if ((firsts[id]! & keyMask) !== key0 || (masks[id]! & qMask) !== qMask) continue;
    const start = offs[id]!;
    const len = offs[id + 1]! - start;
    if (len < m || !isPrefix(q, units, start) || (accept && !accept(id))) continue;
    top.offer(id, prefixScore(q, units, start, len), len * 4294967296 + id);
  }
  if (top.full && top.worstScore >= MatchTier.Prefix * TIER) return drained(top);

  // 2. Word-starts tier. It needs the query's first character at a word start, so the word-start
  // mask rejects most names with one AND; word boundaries come precomputed from the table, and
  // once the heap is full a name too long to beat its worst entry is skipped before matching.
  // The same scan sets aside the names that can only be subsequence matches, so that pass 3
  // need not scan the table again and scores only names still in the running.
  let deferred = 0;
  for (let id = 0; id < count; id++) {
    if ((masks[id]! & qMask) !== qMask) continue;
    const start = offs[id]!;
    const len = offs[id + 1]! - start;
    if (len < m) continue;
    const minScore = top.full ? top.worstScore : 0;
    if (fuzzyBound(q, MatchTier.WordStarts, len - m) < minScore) continue; // nor can its subsequence score
    if (mayMatchWordStarts(wsMasks[id]!, wsPairs[id]!, q0Bit, charBits, pairsBefore)) {
      loadWordStarts(units, start, len);
      if (humpMatch(q, units, start, len)) {
        // every prefix match is also a word-starts match; pass 1 scored those
        if (((firsts[id]! & keyMask) === key0 && isPrefix(q, units, start)) || (accept && !accept(id))) continue;
        const score = fuzzyTierScore(q, units, start, len, MatchTier.WordStarts, minScore);
        if (score > 0) top.offer(id, score, len * 4294967296 + id);
        continue;
      }
    }
    // Only a subsequence match now. Once the heap is full of word-starts matches it cannot enter;
    // before that, test it while its text is at hand and leave the scoring to pass 3, which runs
    // only if the heap never fills so (then every such name had to be tested anyway).
    // (A one-character query is not tested here: the mask has nearly decided it, and pass 3's
    // length bound skips most such names without reading their text.)
    if (top.full && top.worstScore >= MatchTier.WordStarts * TIER) continue;
    if (m > 1 && !isSubsequence(q, units, start, len)) continue;
    if (deferred === deferredIds.length) {
      const grown = new Int32Array(Math.min(Math.max(count, 4096), deferred * 2));
      grown.set(deferredIds);
      deferredIds = grown;
    }
    deferredIds[deferred++] = id;
  }
  if (top.full && top.worstScore >= MatchTier.WordStarts * TIER) return drained(top);

  // 3. Subsequence tier, only when the better tiers left room: the first `budget` names set aside,
  // in the search structure's order.
  const subsequenceBase = fuzzyBound(q, MatchTier.Subsequence, 0);
  const bucketOf = (id: number) => Math.min(offs[id + 1]! - offs[id]!, LONG);
  const ordered = Array.from(deferredIds.subarray(0, deferred)).sort((a, b) => bucketOf(a) - bucketOf(b) || a - b);
  let left = budget;
  for (const id of ordered) {
    const start = offs[id]!;
    const len = offs[id + 1]! - start;
    if ((m === 1 && !isSubsequence(q, units, start, len)) || (accept && !accept(id))) continue;
    if (left-- === 0) break;
    // fuzzyBound(Subsequence, len - m), inlined: this loop may run over most of the table
    if (top.full && subsequenceBase - Math.min(len - m, 4000) * 4 < top.worstScore) continue;
    loadWordStarts(units, start, len);
    const score = fuzzyTierScore(q, units, start, len, MatchTier.Subsequence, top.full ? top.worstScore : 0);
    if (score > 0) top.offer(id, score, len * 4294967296 + id);
  }
  return drained(top);
}

/** Characters of a query the word-start summaries are checked for (cost per candidate name). */
const CHECKED_CHARS = 8;

/** The necessary condition for a word-starts match stated in scanSearchNames, from the summaries alone. */
function mayMatchWordStarts(
  wsMask: number, wsPairs: number, q0Bit: number, charBits: Int32Array, pairsBefore: Int32Array,
): boolean {
  if ((wsMask & q0Bit) === 0) return false;
  for (let i = 1; i < charBits.length; i++) {
    if ((wsMask & charBits[i]!) === 0 && (wsPairs & pairsBefore[i]!) === 0) return false;
  }
  return true;
}

function drained(top: TopK): NameMatches {
  const { items, scores } = top.drain();
  return { ids: items, scores };
}
