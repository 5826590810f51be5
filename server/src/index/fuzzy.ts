/**
 * Fuzzy matching of workspace/symbol queries against names: the score of one name, and the parts of
 * it that a search needs to bound names it has not scored.
 *
 * A name matches when the query's characters (whitespace dropped) appear in it in order, ignoring
 * case. Tiers, each outranking the next: 6 exact > 5 exact ignoring case > 4 prefix > 3 word starts
 * (every query character starts a camelCase/snake_case/digit word or continues a run begun at one:
 * `gSC` → `getSourceCache`) > 2 subsequence. Within a tier a score orders matches (for the fuzzy tiers
 * a dynamic programme favouring word starts, few short gaps and consecutive runs); shorter names rank
 * higher. The search over all names is nameSearch.ts; it orders equal scores by shorter name, then
 * older id.
 * Guarantees: a score is 0 exactly when the name does not match; `Math.floor(score / TIER)` is its
 * tier; every bound here is at least the score of any name it covers, so a search that skips a name
 * by a bound loses nothing.
 * Concurrency: synchronous; one scratch array per thread (a word-starts test and the score that
 * follows share the name loaded by `loadWordStarts`).
 */
import { foldUnit, isWordStart, maskOfUnits, wordStartBitsOf, type CodeUnits } from './charClass.js';

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
/** Word-start bits of the current name's first 32 positions (charClass.wordStartBitsOf). */
let curBits = 0;

function ensureScratch(n: number): void {
  if (rowA.length >= n) return;
  const size = Math.max(n, rowA.length * 2);
  rowA = new Float64Array(size);
  rowB = new Float64Array(size);
  wordStarts = new Uint8Array(size);
}

/** Whether `wordStarts` holds positions ≥ 32 of the current name (filled only when needed). */
let tailLoaded = true;
let curUnits: CodeUnits = new Uint16Array(0);
let curStart = 0;
let curLength = 0;

/**
 * Makes the name the current one for humpMatch/alignmentScore: its word starts below position 32 at
 * once; those beyond only if the alignment reaches them (few names are that long).
 */
export function loadWordStarts(units: CodeUnits, start: number, length: number): void {
  ensureScratch(length);
  curBits = wordStartBitsOf(units, start, length);
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
export function isPrefix(q: PreparedQuery, units: CodeUnits, start: number): boolean {
  const m = q.folded.length;
  for (let i = 0; i < m; i++) {
    const u = units[start + i]!;
    if (u !== q.units[i] && foldUnit(u) !== q.folded[i]) return false;
  }
  return true;
}

/** Score of a name that starts with the query (isPrefix): Exact, ExactIgnoreCase or Prefix tier. */
export function prefixScore(q: PreparedQuery, units: CodeUnits, start: number, length: number): number {
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
export function isSubsequence(q: PreparedQuery, units: CodeUnits, start: number, length: number): boolean {
  const m = q.folded.length;
  let qi = 0;
  for (let j = 0; j < length && qi < m; j++) if (foldUnit(units[start + j]!) === q.folded[qi]) qi++;
  return qi === m;
}

/** Upper bound of any score in `tier` (WordStarts or Subsequence) for a name `extra` units longer than the query. */
export function fuzzyBound(q: PreparedQuery, tier: number, extra: number): number {
  return tier * TIER + WITHIN_BASE + q.maxAlignment - Math.min(extra, 4000) * 4;
}

/** Score in a fuzzy tier of the current name (loadWordStarts), or 0 when it cannot reach `minScore`. */
export function fuzzyTierScore(
  q: PreparedQuery, units: CodeUnits, start: number, length: number, tier: number, minScore: number,
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
export function scoreUnits(q: PreparedQuery, units: CodeUnits, start: number, length: number, minScore = 0): number {
  const m = q.units.length;
  if (m === 0) return MatchTier.Subsequence * TIER + clampWithin(WITHIN_BASE - length);
  if (length < m) return 0;
  if (isPrefix(q, units, start)) return prefixScore(q, units, start, length);
  // Not a prefix: the score stays below the prefix tier, so a caller needing more can stop here.
  if (minScore >= MatchTier.Prefix * TIER) return 0;
  // Quick subsequence test before any heavier work.
  if (!isSubsequence(q, units, start, length)) return 0;
  loadWordStarts(units, start, length);
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
let humpUnits: CodeUnits = new Uint16Array(0);
let humpStart = 0;
let humpLength = 0;

/** Whether every query character can sit on a word start or continue a run that began on one. */
export function humpMatch(q: PreparedQuery, units: CodeUnits, start: number, length: number): boolean {
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
function alignmentScore(q: PreparedQuery, units: CodeUnits, start: number, length: number): number {
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

/** Upper bounds of the parts of an alignment (alignmentScore), for bounding a name from summaries. */
export const ALIGNMENT = {
  /** A matched character, with its case bonus. */
  char: CHAR + CASE_BONUS,
  /** A matched character on a word start. */
  wordStart: WORD_START_BONUS,
  /** A character right after the previous one's. */
  consecutive: CONSECUTIVE_BONUS,
  /** Least penalty of a character not right after the previous one's (a gap of one). */
  gap: GAP_PENALTY,
} as const;

/**
 * Upper bound of the score in `tier` (WordStarts or Subsequence) of a name `extra` units longer than
 * the query whose alignment is at most `alignment`. Clamped as the score is, so it is never below it.
 */
export function tierScoreBound(tier: number, alignment: number, extra: number): number {
  return tier * TIER + clampWithin(WITHIN_BASE + alignment - Math.min(extra, 4000) * 4);
}

/** Upper bound of the score of a name `extra` units longer than the query that starts with it. */
export function prefixBound(q: PreparedQuery, extra: number): number {
  if (extra <= 0) return MatchTier.Exact * TIER;
  return MatchTier.Prefix * TIER
    + clampWithin(WITHIN_BASE - Math.min(extra, 4000) * 64 + Math.min(q.units.length, 63));
}

/** The score of every name for the empty query (all match; shorter first). */
export function emptyQueryScore(length: number): number {
  return MatchTier.Subsequence * TIER + clampWithin(WITHIN_BASE - length);
}
