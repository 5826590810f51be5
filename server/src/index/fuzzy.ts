/**
 * Fuzzy matching of workspace/symbol queries against names, and the best-first search over a NameTable.
 *
 * A name matches when the query's characters (whitespace dropped) appear in it in order, ignoring
 * case. Tiers, each outranking the next: 6 exact > 5 exact ignoring case > 4 prefix > 3 word starts
 * (every query character starts a camelCase/snake_case/digit word or continues a run begun at one:
 * `gSC` → `getSourceCache`) > 2 subsequence. Within a tier a score orders matches (for the fuzzy tiers
 * a dynamic programme favouring word starts, few short gaps and consecutive runs); shorter names rank
 * higher.
 * `searchNames` goes tier by tier and stops as soon as nothing below can enter the TopK heap, using
 * the per-name summaries NameTable computes at intern time (masks, first-characters key, word-start
 * bits and pairs), so common short queries stop early, no name is scored twice and word boundaries are
 * never recomputed. A name that cannot beat the heap's worst entry is skipped before matching.
 * Guarantees: every result matches; results are sorted best first (score, shorter name, older id);
 * at most `limit`; a name equal to the query is first; the answer equals scoring every name.
 * Concurrency: synchronous; one scratch array per thread.
 */
import { firstKey, foldUnit, isWordStart, maskBit, maskOfUnits, pairBit, wordStartBitsOf } from './charClass.js';
import type { NameTable } from './nameTable.js';
import { TopK } from './topK.js';

/** Scores of tier t lie in [t × TIER, (t + 1) × TIER). */
export const TIER = 1 << 20;
export const enum MatchTier { Subsequence = 2, WordStarts = 3, Prefix = 4, ExactIgnoreCase = 5, Exact = 6 }

const WITHIN_BASE = TIER >> 1;
const CHAR = 16;
const WORD_START_BONUS = 32;
const CONSECUTIVE_BONUS = 24;
const CASE_BONUS = 1;
const GAP_PENALTY = 2;
const LEADING_PENALTY = 1;
const MAX_LEADING = 8;
const HUMP_STEPS = 2000;

export interface PreparedQuery {
  readonly text: string;
  readonly units: Uint16Array;
  readonly folded: Uint16Array;
  readonly mask: number;
  /** Upper bound of the alignment score (every character a same-case consecutive word start). */
  readonly maxAlignment: number;
}

export function prepareQuery(query: string): PreparedQuery {
  const text = query.replace(/\s+/g, '');
  const units = new Uint16Array(text.length);
  const folded = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    units[i] = text.charCodeAt(i);
    folded[i] = foldUnit(units[i]!);
  }
  const m = text.length;
  const maxAlignment = m * (CHAR + WORD_START_BONUS + CASE_BONUS) + Math.max(0, m - 1) * CONSECUTIVE_BONUS;
  return { text, units, folded, mask: maskOfUnits(units, 0, units.length), maxAlignment };
}

// Scratch space shared by all calls on this thread (matching is synchronous, never re-entered).
let rowA = new Float64Array(64);
let rowB = new Float64Array(64);
/** Word starts of the current name at positions ≥ 32 (positions < 32 are in `curBits`). */
let wordStarts = new Uint8Array(64);
/** Word-start bits of the current name's first 32 positions (NameTable.wordStartBits). */
let curBits = 0;
/**
 * Candidates set aside by searchNames' second pass for the subsequence tier. Grown on demand and
 * kept per thread: at most 4 B per name of the largest table searched, usually far less.
 */
let deferredIds = new Int32Array(4096);

function ensureScratch(n: number): void {
  if (rowA.length >= n) return;
  const size = Math.max(n, rowA.length * 2);
  rowA = new Float64Array(size);
  rowB = new Float64Array(size);
  wordStarts = new Uint8Array(size);
}

/** Whether `wordStarts` holds positions ≥ 32 of the current name (filled only when needed). */
let tailLoaded = true;
let curUnits: Uint16Array = new Uint16Array(0);
let curStart = 0;
let curLength = 0;

/**
 * Makes the name the current one for humpMatch/alignmentScore: `bits` for positions < 32; positions
 * beyond are computed only if the alignment reaches them (few names are that long).
 */
function loadWordStarts(units: Uint16Array, start: number, length: number, bits: number): void {
  ensureScratch(length);
  curBits = bits;
  curUnits = units; curStart = start; curLength = length;
  tailLoaded = length <= 32;
}

function loadTail(): void {
  for (let j = 32; j < curLength; j++) wordStarts[j] = isWordStart(curUnits, curStart, j, curLength) ? 1 : 0;
  tailLoaded = true;
}

function isStart(p: number): boolean {
  return p < 32 ? ((curBits >>> p) & 1) === 1 : wordStarts[p] === 1;
}

function clampWithin(x: number): number {
  return Math.max(0, Math.min(TIER - 1, Math.round(x)));
}

/** Whether the name starts with the query, ignoring case (length ≥ query length assumed). */
function isPrefix(q: PreparedQuery, units: Uint16Array, start: number): boolean {
  const m = q.folded.length;
  for (let i = 0; i < m; i++) {
    const u = units[start + i]!;
    if (u !== q.units[i] && foldUnit(u) !== q.folded[i]) return false;
  }
  return true;
}

/** Score of a name that starts with the query (isPrefix): Exact, ExactIgnoreCase or Prefix tier. */
function prefixScore(q: PreparedQuery, units: Uint16Array, start: number, length: number): number {
  const m = q.units.length;
  const extra = length - m;
  let sameCase = 0;
  for (let i = 0; i < m; i++) if (units[start + i] === q.units[i]) sameCase++;
  if (extra === 0)
    return sameCase === m
      ? MatchTier.Exact * TIER
      : MatchTier.ExactIgnoreCase * TIER + clampWithin(WITHIN_BASE + sameCase);
  return MatchTier.Prefix * TIER + clampWithin(WITHIN_BASE - Math.min(extra, 4000) * 64 + Math.min(sameCase, 63));
}

/** Whether the query's characters occur in the name in order, ignoring case. */
function isSubsequence(q: PreparedQuery, units: Uint16Array, start: number, length: number): boolean {
  const m = q.folded.length;
  let qi = 0;
  for (let j = 0; j < length && qi < m; j++) if (foldUnit(units[start + j]!) === q.folded[qi]) qi++;
  return qi === m;
}

/** Upper bound of any score in `tier` (WordStarts or Subsequence) for a name `extra` units longer than the query. */
function fuzzyBound(q: PreparedQuery, tier: number, extra: number): number {
  return tier * TIER + WITHIN_BASE + q.maxAlignment - Math.min(extra, 4000) * 4;
}

/** Score in a fuzzy tier of the current name (loadWordStarts), or 0 when it cannot reach `minScore`. */
function fuzzyTierScore(
  q: PreparedQuery, units: Uint16Array, start: number, length: number, tier: number, minScore: number,
): number {
  const extra = length - q.units.length;
  if (fuzzyBound(q, tier, extra) < minScore) return 0;
  const best = alignmentScore(q, units, start, length);
  return tier * TIER + clampWithin(WITHIN_BASE + best - Math.min(extra, 4000) * 4);
}

/**
 * The score of the name stored in `units[start, start + length)` for `q`, or 0 when it does not
 * match. A higher score is a better match; `Math.floor(score / TIER)` is its MatchTier.
 */
function scoreUnits(q: PreparedQuery, units: Uint16Array, start: number, length: number, minScore = 0): number {
  const m = q.units.length;
  if (m === 0) return MatchTier.Subsequence * TIER + clampWithin(WITHIN_BASE - length);
  if (length < m) return 0;
  if (isPrefix(q, units, start)) return prefixScore(q, units, start, length);
  // Not a prefix: the score stays below the prefix tier, so a caller needing more can stop here.
  if (minScore >= MatchTier.Prefix * TIER) return 0;
  // Quick subsequence test before any heavier work.
  if (!isSubsequence(q, units, start, length)) return 0;
  loadWordStarts(units, start, length, wordStartBitsOf(units, start, length));
  const tier = humpMatch(q, units, start, length) ? MatchTier.WordStarts : MatchTier.Subsequence;
  return fuzzyTierScore(q, units, start, length, tier, minScore);
}

/** Convenience for plain strings (tests, small lists). */
export function fuzzyScore(query: string | PreparedQuery, name: string): number {
  const q = typeof query === 'string' ? prepareQuery(query) : query;
  const units = new Uint16Array(name.length);
  for (let i = 0; i < name.length; i++) units[i] = name.charCodeAt(i);
  return scoreUnits(q, units, 0, name.length);
}

// State of one humpMatch call (module-level: no closure per name).
let humpSteps = 0;
let humpQuery: Uint16Array = new Uint16Array(0);
let humpUnits: Uint16Array = new Uint16Array(0);
let humpStart = 0;
let humpLength = 0;

/** Whether every query character can sit on a word start or continue a run that began on one. */
function humpMatch(q: PreparedQuery, units: Uint16Array, start: number, length: number): boolean {
  humpSteps = 0; humpQuery = q.folded; humpUnits = units; humpStart = start; humpLength = length;
  return humpFrom(0, 0);
}

function humpFrom(qi: number, from: number): boolean {
  const m = humpQuery.length;
  if (qi === m) return true;
  if (++humpSteps > HUMP_STEPS) return false;
  // Word starts among the first 32 positions: visit only the set bits of the precomputed mask.
  let bits = from >= 32 ? 0 : (curBits >>> from) << from;
  while (bits !== 0) {
    const p = 31 - Math.clz32(bits & -bits);
    bits &= bits - 1;
    if (p >= humpLength) break;
    if (humpRunFrom(qi, p)) return true;
  }
  if (humpLength > 32 && from < humpLength) {
    if (!tailLoaded) loadTail();
    for (let p = Math.max(from, 32); p < humpLength; p++) if (wordStarts[p] === 1 && humpRunFrom(qi, p)) return true;
  }
  return false;
}

/** humpFrom's step at word start `p`: the longest run of query characters from qi there, then shorter ones. */
function humpRunFrom(qi: number, p: number): boolean {
  if (foldUnit(humpUnits[humpStart + p]!) !== humpQuery[qi]) return false;
  const m = humpQuery.length;
  let run = 1;
  while (qi + run < m && p + run < humpLength && foldUnit(humpUnits[humpStart + p + run]!) === humpQuery[qi + run])
    run++;
  for (let len = run; len >= 1; len--) if (humpFrom(qi + len, p + len)) return true;
  return false;
}

/** Best alignment score (see header) of the current name (loadWordStarts). */
function alignmentScore(q: PreparedQuery, units: Uint16Array, start: number, length: number): number {
  if (!tailLoaded) loadTail();
  const m = q.folded.length;
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j < length; j++) {
    const u = units[start + j]!;
    prev[j] = foldUnit(u) === q.folded[0]
      ? CHAR + (isStart(j) ? WORD_START_BONUS : 0) + (u === q.units[0] ? CASE_BONUS : 0)
        - Math.min(j, MAX_LEADING) * LEADING_PENALTY
      : -Infinity;
  }
  for (let i = 1; i < m; i++) {
    let run = -Infinity; // best prev[j'] - GAP × (j - 1 - j') over j' ≤ j - 2
    for (let j = 0; j < length; j++) {
      if (j >= 2) run = Math.max(run - GAP_PENALTY, prev[j - 2]! - GAP_PENALTY);
      const u = units[start + j]!;
      if (j < i || foldUnit(u) !== q.folded[i]) { cur[j] = -Infinity; continue; }
      const consecutive = prev[j - 1]! + CONSECUTIVE_BONUS;
      const before = Math.max(consecutive, run);
      cur[j] = before === -Infinity ? -Infinity
        : before + CHAR + (isStart(j) ? WORD_START_BONUS : 0) + (u === q.units[i] ? CASE_BONUS : 0);
    }
    const t = prev; prev = cur; cur = t;
  }
  let best = -Infinity;
  for (let j = 0; j < length; j++) if (prev[j]! > best) best = prev[j]!;
  rowA = prev; rowB = cur;
  return best;
}

export interface NameMatches {
  /** Name ids, best first. */
  ids: number[];
  scores: number[];
}

/**
 * The best `limit` names of `table` for `query`, best first. `accept(id)` (optional) excludes
 * names, e.g. those no live symbol uses any more. Tier by tier (see header): each name is scored
 * at most once, in the one pass of its tier, so the result is what scoring every name would give.
 */
export function searchNames(
  table: NameTable, query: string | PreparedQuery, limit: number, accept?: (id: number) => boolean,
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
  const masks = table.masks;
  const wsBits = table.wordStartBits;
  const wsMasks = table.wordStartMasks;
  const wsPairs = table.wordStartPairs;
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
  const firsts = table.firstKeys;
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
      loadWordStarts(units, start, len, wsBits[id]!);
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

  // 3. Subsequence tier, only when the better tiers left room: the names set aside.
  const subsequenceBase = fuzzyBound(q, MatchTier.Subsequence, 0);
  for (let i = 0; i < deferred; i++) {
    const id = deferredIds[i]!;
    const start = offs[id]!;
    const len = offs[id + 1]! - start;
    // fuzzyBound(Subsequence, len - m), inlined: this loop may run over most of the table
    if (top.full && subsequenceBase - Math.min(len - m, 4000) * 4 < top.worstScore) continue;
    if ((m === 1 && !isSubsequence(q, units, start, len)) || (accept && !accept(id))) continue;
    loadWordStarts(units, start, len, wsBits[id]!);
    const score = fuzzyTierScore(q, units, start, len, MatchTier.Subsequence, top.full ? top.worstScore : 0);
    if (score > 0) top.offer(id, score, len * 4294967296 + id);
  }
  return drained(top);
}

/** Characters of a query the word-start summaries are checked for (cost per candidate name). */
const CHECKED_CHARS = 8;

/** The necessary condition for a word-starts match stated in searchNames, from the summaries alone. */
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
