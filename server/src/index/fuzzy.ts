/**
 * Fuzzy matching of workspace/symbol queries against names, and the best-first search over a NameTable.
 *
 * Matching: a name matches a query when the query's characters (whitespace dropped) appear in the
 * name in order, case-insensitively. Each match falls in one tier, and a tier always outranks the
 * ones below it:
 *   6 exact (same case) > 5 exact ignoring case > 4 prefix > 3 word starts > 2 subsequence.
 * "Word starts" means every query character lands on the start of a word of the name (camelCase
 * hump, snake_case/kebab-case part, digit run) or continues a run begun at one: `gSC` and `getSC`
 * → `getSourceCache`, `ds` → `data_source`. Within a tier a score orders matches: for the two fuzzy
 * tiers a dynamic programme (O(query × name)) finds the alignment with most word-start hits, fewest
 * and shortest gaps and most consecutive characters; in every tier shorter names rank higher.
 *
 * Search: a query can only match a name whose character-set mask (charClass.ts) contains the
 * query's and that is at least as long, so `searchNames` scans the table's mask column (one AND and
 * compare per name) and scores only the names that pass; a TopK heap keeps the best `limit`, and a
 * name whose best possible tier cannot beat the heap's worst entry is not scored at all.
 * Guarantees: every result matches; results are sorted best first (score, then shorter name, then
 * older id); at most `limit` results; a name equal to the query is first.
 */
import { foldUnit, isWordStart, maskOfUnits } from './charClass.js';
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
let wordStarts = new Uint8Array(64);

function ensureScratch(n: number): void {
  if (rowA.length >= n) return;
  const size = Math.max(n, rowA.length * 2);
  rowA = new Float64Array(size);
  rowB = new Float64Array(size);
  wordStarts = new Uint8Array(size);
}

function clampWithin(x: number): number {
  return Math.max(0, Math.min(TIER - 1, Math.round(x)));
}

/**
 * The score of the name stored in `units[start, start + length)` for `q`, or 0 when it does not
 * match. A higher score is a better match; `Math.floor(score / TIER)` is its MatchTier.
 */
export function scoreUnits(q: PreparedQuery, units: Uint16Array, start: number, length: number, minScore = 0): number {
  const m = q.units.length;
  if (m === 0) return MatchTier.Subsequence * TIER + clampWithin(WITHIN_BASE - length);
  if (length < m) return 0;
  const extra = length - m;
  // Prefix and exact: one pass.
  let prefix = true;
  let sameCase = 0;
  for (let i = 0; i < m; i++) {
    const u = units[start + i]!;
    if (u === q.units[i]) sameCase++;
    else if (foldUnit(u) !== q.folded[i]) { prefix = false; break; }
  }
  if (prefix) {
    if (extra === 0) return sameCase === m ? MatchTier.Exact * TIER : MatchTier.ExactIgnoreCase * TIER + clampWithin(WITHIN_BASE + sameCase);
    return MatchTier.Prefix * TIER + clampWithin(WITHIN_BASE - Math.min(extra, 4000) * 64 + Math.min(sameCase, 63));
  }
  // Not a prefix: the score stays below the prefix tier, so a caller needing more can stop here.
  if (minScore >= MatchTier.Prefix * TIER) return 0;
  // Quick subsequence test before any heavier work.
  let qi = 0;
  for (let j = 0; j < length && qi < m; j++) if (foldUnit(units[start + j]!) === q.folded[qi]) qi++;
  if (qi < m) return 0;

  ensureScratch(length);
  for (let j = 0; j < length; j++) wordStarts[j] = isWordStart(units, start, j, length) ? 1 : 0;
  const tier = humpMatch(q, units, start, length) ? MatchTier.WordStarts : MatchTier.Subsequence;
  // Upper bound of the alignment: every character a consecutive word start with the same case.
  if (tier * TIER + WITHIN_BASE + q.maxAlignment - Math.min(extra, 4000) * 4 < minScore) return 0;
  const best = alignmentScore(q, units, start, length);
  return tier * TIER + clampWithin(WITHIN_BASE + best - Math.min(extra, 4000) * 4);
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
  for (let p = from; p < humpLength; p++) {
    if (wordStarts[p] === 0 || foldUnit(humpUnits[humpStart + p]!) !== humpQuery[qi]) continue;
    let run = 1;
    while (qi + run < m && p + run < humpLength && foldUnit(humpUnits[humpStart + p + run]!) === humpQuery[qi + run]) run++;
    for (let len = run; len >= 1; len--) if (humpFrom(qi + len, p + len)) return true;
  }
  return false;
}

/** Best alignment score (see header); wordStarts must be filled for this name. */
function alignmentScore(q: PreparedQuery, units: Uint16Array, start: number, length: number): number {
  const m = q.folded.length;
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j < length; j++) {
    const u = units[start + j]!;
    prev[j] = foldUnit(u) === q.folded[0]
      ? CHAR + (wordStarts[j] ? WORD_START_BONUS : 0) + (u === q.units[0] ? CASE_BONUS : 0) - Math.min(j, MAX_LEADING) * LEADING_PENALTY
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
        : before + CHAR + (wordStarts[j] ? WORD_START_BONUS : 0) + (u === q.units[i] ? CASE_BONUS : 0);
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
 * names, e.g. those no live symbol uses any more.
 */
export function searchNames(table: NameTable, query: string | PreparedQuery, limit: number, accept?: (id: number) => boolean): NameMatches {
  const q = typeof query === 'string' ? prepareQuery(query) : query;
  const top = new TopK(limit);
  if (limit <= 0) return { ids: [], scores: [] };
  const qMask = q.mask;
  const qLen = q.units.length;
  const masks = table.masks;
  const units = table.units;
  const count = table.count;
  for (let id = 0; id < count; id++) {
    if ((masks[id]! & qMask) !== qMask) continue;
    const len = table.lengthOf(id);
    if (len < qLen) continue;
    const tie = len * 4294967296 + id;
    // Once every kept result is a prefix match or better, only a name starting with the query's
    // first character can still enter: a one-unit test instead of scoring.
    if (qLen > 0 && top.full && top.worstScore >= MatchTier.Prefix * TIER && foldUnit(units[table.startOf(id)]!) !== q.folded[0]) continue;
    if (accept && !accept(id)) continue;
    const score = scoreUnits(q, units, table.startOf(id), len, top.full ? top.worstScore : 0);
    if (score > 0) top.offer(id, score, tie);
  }
  const { items, scores } = top.drain();
  return { ids: items, scores };
}
