/**
 * The workspace/symbol search over a NameTable: the best names for a query, ranked as fuzzy.ts ranks
 * them, without scoring every name.
 *
 * Layout: a bucket per name length (one shared by the longest), each its ids plus bit-sliced
 * signatures: per signature bit a bitmap over the bucket. Signature: the character classes of each
 * half of the name, those it holds twice, those starting words, summaries of its adjacent pairs and
 * of those at word starts, its first two characters. Bitmaps, not id lists, because a character's
 * list would hold a large part of all names; a query narrows a bucket's blocks of 32 names one bitmap
 * at a time, rarest class first, and reads a name's text only when its bits admit it.
 * Search: buckets by increasing length, tier by tier: prefix (stops at the first length that cannot
 * enter the heap), then, while the tiers above leave room, word starts and subsequence. A name whose
 * bound from its bits cannot beat the heap's worst is skipped unread; a walk ends at the first length
 * whose bound cannot. The subsequence tier only fills what the tiers above leave, from the first
 * `subsequenceBudget(limit)` names that match only so, shortest first (by bucket, then id), as
 * clangd's Dex scores only the first 100 × limit names its trigrams retrieve: on millions of names
 * its matches are everywhere and their bits bound them loosely (docs/decisions.md).
 * Upkeep: incremental. `sync` appends names interned since (ids only grow between compactions);
 * `rebuild` follows NameTable.compact, which renumbers ids. Unused names stay until then; `accept` drops them.
 * Cost: NAME_SEARCH_BYTES per name, no object per name; growth headroom until `rebuild(true)` or
 * `shrinkToFit`.
 * Guarantees: `search` answers as scoring every name would (the same ids, order and scores), but
 * that the subsequence tier scores only its first `budget` names in (bucket, id) order.
 * Concurrency: main thread, synchronous; one scratch per thread.
 */
import {
  firstKey, foldUnit, isLetterOrDigit, isWordStart, maskBit, pairBit, pairIndex, type CodeUnits,
} from './charClass.js';
import {
  ALIGNMENT, emptyQueryScore, fuzzyTierScore, humpMatch, isPrefix, isSubsequence, loadWordStarts, MatchTier,
  prefixBound, prefixScore, prepareQuery, TIER, tierScoreBound, type PreparedQuery,
} from './fuzzy.js';
import { fittedCapacity, grownCapacity, type NameTable } from './nameTable.js';
import { TopK } from './topK.js';

export interface NameMatches {
  /** Name ids, best first. */
  ids: number[];
  scores: number[];
}

/**
 * Lengths with a bucket of their own; longer names share one. Identifiers are rarely longer, and a
 * shared bucket only weakens the length bound of the names in it.
 */
export const LONG = 64;

/**
 * Names matching only as subsequences that a search scores, at least: enough that a workspace of
 * thousands of names is answered exactly, few enough that a query on millions reads a few thousand.
 */
const SUBSEQUENCE_BUDGET_MIN = 1000;
/** …and per result asked for. */
const SUBSEQUENCE_BUDGET_PER_RESULT = 10;

/** How many subsequence-only names a search for `limit` results scores (see the header). */
export function subsequenceBudget(limit: number): number {
  return Math.max(SUBSEQUENCE_BUDGET_MIN, limit * SUBSEQUENCE_BUDGET_PER_RESULT);
}

// Signature slices of a bucket (each a bitmap over its names), by character class (charClass.maskBit).
/** 32 slices: the classes in the first half of the name (positions below length >> 1). */
const SIG_FIRST = 0;
/** 32 slices: the classes in the second half. */
const SIG_SECOND = 32;
/** 32 slices: the classes that occur at least twice. */
const SIG_TWICE = 64;
/** 32 slices: the classes at word starts (charClass.wordStartMaskOf). */
const SIG_STARTS = 96;
/** 32 slices: the summary (charClass.pairBit) of the folded pairs of adjacent characters. */
const SIG_PAIRS = 128;
/** 32 slices: the same summary of the pairs that begin at a word start (charClass.wordStartPairsOf). */
const SIG_RUNS = 160;
/** 16 slices: the key of the first two characters (charClass.firstKey of each, low byte first; 0 for none). */
const SIG_KEY = 192;
const SIG_SLICES = 208;

/** Bytes per name: its id in a bucket and one bit per signature slice. */
export const NAME_SEARCH_BYTES = 4 + SIG_SLICES / 8;

const TIE_LENGTH = 4294967296;

interface Bucket {
  ids: Uint32Array;
  /** Slice s, word w at `s * words + w`. */
  sig: Int32Array;
  /** Words per slice (capacity / 32). */
  words: number;
  count: number;
}

/** A query's per-character data for the signature tests, prepared once per search. */
interface Plan {
  q: PreparedQuery;
  m: number;
  /** Distinct classes of the query's characters, and those it holds twice or more. */
  classes: Int32Array;
  twice: Int32Array;
  /** Key of the first one (m = 1) or two characters, and how many key slices to compare. */
  key: number;
  keyBits: number;
  /** Per query character: its mask slice; whether it can start a word there; the pair it ends (i ≥ 1). */
  cls: Int32Array;
  canStart: Uint8Array;
  pair: Int32Array;
  /** Scratch for orderWord: per split, the names whose second half holds the rest of the query. */
  suffix: Int32Array;
  /** Alignment bound before the bonuses a name's bits allow (every pair a gap). */
  alignBase: number;
  /** Alignment bound of any name: every bonus the query's characters allow. */
  alignMax: number;
  /** Subsequence-only names the subsequence walk may still score. */
  subsequenceLeft: number;
}

/**
 * Per-thread scratch of a search (searches are synchronous, never re-entered). `live`/`words`: the
 * candidate blocks of one bucket and their candidate bits (`candidates`). `kept`: four words per
 * candidate block of every bucket the word-starts walk visited, which the subsequence walk reads;
 * `keptFrom[b]` is where bucket b's begin. At most 4 + 2 words per 32 names of the largest table.
 */
const scratch = {
  live: new Int32Array(0), words: new Int32Array(0), kept: new Int32Array(0), keptFrom: new Int32Array(LONG + 2),
};

/**
 * One block's candidates between the passes of a fuzzy walk (ids, lengths, bits in the block, text
 * offsets); `touched` keeps the reads that only bring texts into cache live.
 */
const batch = {
  id: new Int32Array(32), len: new Int32Array(32), low: new Int32Array(32), start: new Int32Array(32), touched: 0,
};

export class NameSearch {
  private buckets: (Bucket | undefined)[] = new Array<Bucket | undefined>(LONG + 1);
  /** Names 0..indexed-1 are in the buckets. */
  private indexed = 0;
  /** Names holding each character class: a query tests its rarest classes first. */
  private classCounts = new Float64Array(32);

  constructor(private readonly table: NameTable) {}

  /** Adds the names interned since the last call. */
  sync(): void {
    const n = this.table.count;
    if (this.indexed === n) return;
    const units = this.table.units;
    for (let id = this.indexed; id < n; id++) this.add(id, units);
    this.indexed = n;
  }

  /**
   * Indexes the table afresh: after NameTable.compact, which renumbers ids. `tight` leaves no growth
   * headroom (as SymbolIndex.trim).
   */
  rebuild(tight = false): void {
    const t = this.table;
    const counts = new Int32Array(LONG + 1);
    for (let id = 0; id < t.count; id++) counts[Math.min(t.lengthOf(id), LONG)]!++;
    for (let b = 0; b <= LONG; b++) {
      const n = counts[b]!;
      this.buckets[b] = n === 0 ? undefined : newBucket(tight ? n : n + (n >> 2));
    }
    this.classCounts.fill(0);
    this.indexed = 0;
    this.sync();
  }

  /** Allocated bytes (capacity, not just use). */
  byteSize(): number {
    let bytes = 0;
    for (const b of this.buckets) if (b) bytes += b.ids.byteLength + b.sig.byteLength;
    return bytes;
  }

  /** Drops growth headroom but `fittedCapacity`'s room (as `rebuild(true)`, without indexing names again). */
  shrinkToFit(): void {
    this.sync();
    for (let i = 0; i <= LONG; i++) {
      const b = this.buckets[i];
      const capacity = b ? fittedCapacity(b.count) : 0;
      if (b && (capacity + 31) >>> 5 < b.words) this.buckets[i] = resized(b, capacity);
    }
  }

  /**
   * The best `limit` names for `query`, best first, with their scores (fuzzy.ts). `accept(id)`
   * (optional) excludes names, e.g. those no live symbol uses any more. `budget`: the subsequence
   * tier's (see the header).
   */
  search(
    query: string | PreparedQuery, limit: number, accept?: (id: number) => boolean, budget = subsequenceBudget(limit),
  ): NameMatches {
    this.sync();
    const q = typeof query === 'string' ? prepareQuery(query) : query;
    if (limit <= 0) return { ids: [], scores: [] };
    const top = new TopK(limit);
    if (q.units.length === 0) {
      this.emptyWalk(top, accept);
      return drained(top);
    }
    const plan = planOf(q, this.classCounts, budget);
    let blocks = 0, widest = 0;
    for (const b of this.buckets) if (b) { blocks += b.words; widest = Math.max(widest, b.words); }
    if (scratch.live.length < widest) { scratch.live = new Int32Array(widest); scratch.words = new Int32Array(widest); }
    if (scratch.kept.length < 4 * blocks) scratch.kept = new Int32Array(4 * blocks + (blocks << 1));
    this.prefixWalk(plan, top, accept);
    if (top.full && top.worstScore >= MatchTier.Prefix * TIER) return drained(top);
    const complete = this.fuzzyWalk(plan, MatchTier.WordStarts, top, accept, false);
    if (top.full && top.worstScore >= MatchTier.WordStarts * TIER) return drained(top);
    this.fuzzyWalk(plan, MatchTier.Subsequence, top, accept, complete);
    return drained(top);
  }

  // ---- walks ----

  /** The empty query matches every name; the score falls with the length alone. */
  private emptyWalk(top: TopK, accept: ((id: number) => boolean) | undefined): void {
    const offs = this.table.offsets;
    for (let b = 0; b <= LONG; b++) {
      if (top.full && emptyQueryScore(b) < top.worstScore) return;
      const bucket = this.buckets[b];
      if (!bucket) continue;
      const ids = bucket.ids;
      for (let i = 0; i < bucket.count; i++) {
        const id = ids[i]!;
        const len = offs[id + 1]! - offs[id]!;
        const score = emptyQueryScore(len);
        if (!top.wouldAccept(score, len * TIE_LENGTH + id) || (accept && !accept(id))) continue;
        top.offer(id, score, len * TIE_LENGTH + id);
      }
    }
  }

  /**
   * Exact and prefix tiers: names whose key and class bits admit them. A longer name scores lower
   * (prefixBound), so the walk ends at the first length whose bound is below the heap's worst.
   */
  private prefixWalk(plan: Plan, top: TopK, accept: ((id: number) => boolean) | undefined): void {
    const { q, m } = plan;
    const units = this.table.units;
    const offs = this.table.offsets;
    for (let b = Math.min(m, LONG); b <= LONG; b++) {
      if (top.full && prefixBound(q, b - m) < top.worstScore) return;
      const bucket = this.buckets[b];
      if (!bucket) continue;
      const live = candidates(plan, bucket, true);
      const ids = bucket.ids;
      for (let i = 0; i < live; i++) {
        const w = scratch.live[i]!;
        let c = scratch.words[i]!;
        while (c !== 0) {
          const low = c & -c;
          c ^= low;
          const id = ids[(w << 5) + 31 - Math.clz32(low)]!;
          const start = offs[id]!;
          const len = b < LONG ? b : offs[id + 1]! - start;
          if (len < m || !isPrefix(q, units, start) || (accept && !accept(id))) continue;
          top.offer(id, prefixScore(q, units, start, len), len * TIE_LENGTH + id);
        }
      }
    }
  }

  /**
   * Word-starts (`tier` WordStarts) or subsequence tier, over the names whose bits admit the tier.
   * A name of a tier above is skipped (an earlier walk offered it); once the heap is full a name
   * whose bound cannot beat its worst entry is skipped: by the word-starts walk before its text is
   * read, by the subsequence walk after it counted against the budget, where it ends. The
   * word-starts walk keeps its candidate blocks in the scratch and returns whether it went over
   * every bucket; the subsequence walk then reads them (`reuse`) instead of collecting them again.
   */
  private fuzzyWalk(
    plan: Plan, tier: MatchTier, top: TopK, accept: ((id: number) => boolean) | undefined, reuse: boolean,
  ): boolean {
    const { q, m } = plan;
    const units = this.table.units;
    const offs = this.table.offsets;
    const wordStarts = tier === MatchTier.WordStarts;
    const kept = scratch.kept;
    let at = 0;
    for (let b = Math.min(m, LONG); b <= LONG; b++) {
      if (top.full && tierScoreBound(tier, plan.alignMax, Math.max(0, b - m)) < top.worstScore) return false;
      const bucket = this.buckets[b];
      if (!bucket) continue;
      const { sig, words, ids } = bucket;
      // kept[k..k+4): block, candidates, those the word-starts bits admit, those found not to match word starts
      let from: number, to: number;
      if (reuse) {
        from = scratch.keptFrom[b]!; to = scratch.keptFrom[b + 1]!;
      } else {
        const live = candidates(plan, bucket, false);
        from = at;
        for (let i = 0; i < live; i++, at += 4) {
          const w = scratch.live[i]!;
          const c = scratch.words[i]!;
          kept[at] = w; kept[at + 1] = c; kept[at + 2] = c & startsWord(plan, sig, words, w); kept[at + 3] = 0;
        }
        to = at;
        scratch.keptFrom[b] = from; scratch.keptFrom[b + 1] = to;
      }
      for (let k = from; k < to; k += 4) {
        const w = kept[k]!;
        const starts = kept[k + 2]!;
        const notStarts = reuse ? kept[k + 3]! : 0;
        let c = wordStarts ? starts : kept[k + 1]!;
        if (c === 0) continue;
        const keyed = keyWord(plan, sig, words, w, c);
        // The block's candidates in passes, so that their reads of the table overlap (each is a cache
        // miss): bounds from the bits alone, offsets, the texts, then the matching.
        let n = 0;
        while (c !== 0) {
          const low = c & -c;
          c ^= low;
          const p = 31 - Math.clz32(low);
          const id = ids[(w << 5) + p]!;
          // The bucket gives the length: a name skipped by its bound costs no read of the table.
          const len = b < LONG ? b : offs[id + 1]! - offs[id]!;
          if (len < m) continue;
          if (wordStarts && top.full
            && tierScoreBound(tier, alignmentBound(plan, sig, words, w, p), len - m) < top.worstScore) continue;
          batch.id[n] = id; batch.len[n] = len; batch.low[n++] = low;
        }
        let touched = 0;
        for (let i = 0; i < n; i++) batch.start[i] = offs[batch.id[i]!]!;
        for (let i = 0; i < n; i++) touched |= units[batch.start[i]!]!;
        batch.touched = touched;
        for (let i = 0; i < n; i++) {
          const id = batch.id[i]!, len = batch.len[i]!, low = batch.low[i]!, start = batch.start[i]!;
          // A prefix match is also a word-starts match: the prefix walk offered it.
          if ((keyed & low) !== 0 && isPrefix(q, units, start)) continue;
          if (!wordStarts && !isSubsequence(q, units, start, len)) continue;
          loadWordStarts(units, start, len);
          if ((starts & low) !== 0 && (notStarts & low) === 0) {
            const hump = humpMatch(q, units, start, len);
            if (wordStarts && !hump) kept[k + 3]! |= low;
            if (hump !== wordStarts) continue;
          }
          if (accept && !accept(id)) continue;
          if (!wordStarts) {
            if (plan.subsequenceLeft === 0) return false;
            plan.subsequenceLeft--;
            if (top.full && tierScoreBound(tier, alignmentBound(plan, sig, words, w, 31 - Math.clz32(low)), len - m)
              < top.worstScore) continue;
          }
          const score = fuzzyTierScore(q, units, start, len, tier, top.full ? top.worstScore : 0);
          if (score > 0) top.offer(id, score, len * TIE_LENGTH + id);
        }
      }
    }
    return true;
  }

  // ---- upkeep ----

  private add(id: number, units: CodeUnits): void {
    const t = this.table;
    const start = t.startOf(id);
    const len = t.lengthOf(id);
    const b = Math.min(len, LONG);
    let bucket = this.buckets[b];
    if (!bucket) this.buckets[b] = bucket = newBucket(32);
    if (bucket.count === bucket.ids.length) {
      this.buckets[b] = bucket = resized(bucket, grownCapacity(bucket.ids.length, bucket.count + 1));
    }
    const pos = bucket.count++;
    bucket.ids[pos] = id;
    // One pass over the name for every summary (see the slices).
    let first = 0, second = 0, twice = 0, starts = 0, pairs = 0, runs = 0;
    const half = len >> 1;
    for (let i = 0; i < len; i++) {
      const unit = units[start + i]!;
      const bit = maskBit(unit);
      if (((first | second) & bit) !== 0) twice |= bit;
      if (i < half) first |= bit;
      else second |= bit;
      const pair = i + 1 < len ? pairBit(foldUnit(unit), foldUnit(units[start + i + 1]!)) : 0;
      pairs |= pair;
      if (isWordStart(units, start, i, len)) {
        starts |= bit;
        runs |= pair;
      }
    }
    const key = (len === 0 ? 0 : firstKey(units[start]!)) | (len < 2 ? 0 : firstKey(units[start + 1]!) << 8);
    for (let v = first | second; v !== 0; v &= v - 1) this.classCounts[31 - Math.clz32(v & -v)]!++;
    const { sig, words } = bucket;
    const w = pos >>> 5;
    const bit = 1 << (pos & 31);
    setBits(sig, words, w, SIG_FIRST, first, bit);
    setBits(sig, words, w, SIG_SECOND, second, bit);
    setBits(sig, words, w, SIG_TWICE, twice, bit);
    setBits(sig, words, w, SIG_STARTS, starts, bit);
    setBits(sig, words, w, SIG_PAIRS, pairs, bit);
    setBits(sig, words, w, SIG_RUNS, runs, bit);
    setBits(sig, words, w, SIG_KEY, key, bit);
  }
}

function newBucket(capacity: number): Bucket {
  const words = Math.max(1, (capacity + 31) >>> 5);
  return { ids: new Uint32Array(words << 5), sig: new Int32Array(words * SIG_SLICES), words, count: 0 };
}

/** `b` moved to a bucket of `capacity` names (at least its count). */
function resized(b: Bucket, capacity: number): Bucket {
  const g = newBucket(capacity);
  const words = Math.min(b.words, g.words);
  g.ids.set(b.ids.subarray(0, words << 5));
  for (let s = 0; s < SIG_SLICES; s++) g.sig.set(b.sig.subarray(s * b.words, s * b.words + words), s * g.words);
  g.count = b.count;
  return g;
}

function setBits(sig: Int32Array, words: number, w: number, first: number, value: number, bit: number): void {
  for (let v = value; v !== 0; v &= v - 1) sig[(first + 31 - Math.clz32(v & -v)) * words + w]! |= bit;
}

function planOf(q: PreparedQuery, classCounts: Float64Array, budget: number): Plan {
  const m = q.units.length;
  const classes: number[] = [];
  for (let v = q.mask; v !== 0; v &= v - 1) classes.push(31 - Math.clz32(v & -v));
  // rarest first: most blocks are ruled out by the first one or two
  classes.sort((x, y) => classCounts[x]! - classCounts[y]!);
  let seen = 0, again = 0;
  for (let i = 0; i < m; i++) {
    const bit = maskBit(q.units[i]!);
    if ((seen & bit) !== 0) again |= bit;
    seen |= bit;
  }
  const twice: number[] = [];
  for (let v = again; v !== 0; v &= v - 1) twice.push(31 - Math.clz32(v & -v));
  const cls = new Int32Array(m);
  const canStart = new Uint8Array(m);
  const pair = new Int32Array(m);
  let alignMax = 0;
  for (let i = 0; i < m; i++) {
    cls[i] = 31 - Math.clz32(maskBit(q.units[i]!));
    // After position 0 only a letter or digit starts a word (charClass.isWordStart); no other unit folds to one.
    canStart[i] = i === 0 || isLetterOrDigit(q.folded[i]!) ? 1 : 0;
    if (i > 0) pair[i] = pairIndex(q.folded[i - 1]!, q.folded[i]!);
    alignMax += ALIGNMENT.char + (canStart[i] ? ALIGNMENT.wordStart : 0) + (i > 0 ? ALIGNMENT.consecutive : 0);
  }
  const key = m >= 2 ? firstKey(q.units[0]!) | (firstKey(q.units[1]!) << 8) : firstKey(q.units[0]!);
  return {
    q, m, classes: Int32Array.from(classes), twice: Int32Array.from(twice), key, keyBits: m >= 2 ? 16 : 8,
    cls, canStart, pair, alignMax, suffix: new Int32Array(m + 1),
    alignBase: m * ALIGNMENT.char - (m - 1) * ALIGNMENT.gap, subsequenceLeft: budget,
  };
}

/**
 * The blocks of `bucket` holding names that may hold the query as a subsequence (and, `keyed`, start
 * with its keys), into `scratch.live` with their candidate bits in `scratch.words`; returns how many.
 * A name must hold every class of the query, twice where it has it twice, in order as far as halves
 * tell (`orderWord`). One slice at a time over the blocks still live, rarest class first, so a rare
 * character rules out most blocks in one pass.
 */
function candidates(plan: Plan, bucket: Bucket, keyed: boolean): number {
  const { sig, words: stride } = bucket;
  const { classes, twice } = plan;
  const blocks = (bucket.count + 31) >>> 5;
  const live = scratch.live, words = scratch.words;
  let n = 0;
  const first = (SIG_FIRST + classes[0]!) * stride, second = (SIG_SECOND + classes[0]!) * stride;
  for (let w = 0; w < blocks; w++) {
    const c = sig[first + w]! | sig[second + w]!;
    if (c !== 0) { live[n] = w; words[n++] = c; }
  }
  if (keyed) {
    for (let j = 0; j < plan.keyBits && n > 0; j++) {
      n = narrow(sig, (SIG_KEY + j) * stride, -1, (plan.key >>> j) & 1 ? 0 : -1, n);
    }
  }
  for (let j = 1; j < classes.length && n > 0; j++) {
    n = narrow(sig, (SIG_FIRST + classes[j]!) * stride, (SIG_SECOND + classes[j]!) * stride, 0, n);
  }
  for (let j = 0; j < twice.length && n > 0; j++) n = narrow(sig, (SIG_TWICE + twice[j]!) * stride, -1, 0, n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const w = live[i]!;
    const c = words[i]! & orderWord(plan, sig, stride, w);
    if (c !== 0) { live[kept] = w; words[kept++] = c; }
  }
  return kept;
}

/** Keeps the live blocks whose bits survive `(slice a | slice b) ^ flip` (b < 0: none); returns how many. */
function narrow(sig: Int32Array, a: number, b: number, flip: number, n: number): number {
  const live = scratch.live, words = scratch.words;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const w = live[i]!;
    const c = words[i]! & ((sig[a + w]! | (b < 0 ? 0 : sig[b + w]!)) ^ flip);
    if (c !== 0) { live[kept] = w; words[kept++] = c; }
  }
  return kept;
}

/**
 * Names (bits of word w) for which some split of the query puts its first part in the first half
 * of the name and the rest in the second: so it is for every name holding the query in order.
 */
function orderWord(plan: Plan, sig: Int32Array, words: number, w: number): number {
  const { cls, m } = plan;
  // suffix[s]: names whose second half holds query characters s..m-1
  const suffix = plan.suffix;
  suffix[m] = -1;
  for (let i = m - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! & sig[(SIG_SECOND + cls[i]!) * words + w]!;
  let ordered = suffix[0]!;
  let prefix = -1;
  for (let i = 0; i < m && prefix !== 0; i++) {
    prefix &= sig[(SIG_FIRST + cls[i]!) * words + w]!;
    ordered |= prefix & suffix[i + 1]!;
  }
  return ordered;
}

/** Names among `among` (bits of word w) whose first one or two folded characters have the query's keys. */
function keyWord(plan: Plan, sig: Int32Array, words: number, w: number, among: number): number {
  const key = plan.key;
  let c = among;
  for (let j = 0; j < plan.keyBits && c !== 0; j++) {
    const s = sig[(SIG_KEY + j) * words + w]!;
    c &= (key >>> j) & 1 ? s : ~s;
  }
  return c;
}

/**
 * Names (bits of word w) that may match the query's word starts: the first query character starts a
 * word, and every other one starts a word or continues a run: it follows the one before it, and a
 * run began at a word start with one of the pairs up to it.
 */
function startsWord(plan: Plan, sig: Int32Array, words: number, w: number): number {
  const { cls, canStart, pair, m } = plan;
  let c = sig[(SIG_STARTS + cls[0]!) * words + w]!;
  let runs = 0;
  for (let i = 1; i < m && c !== 0; i++) {
    runs |= sig[(SIG_RUNS + pair[i]!) * words + w]!;
    const follows = runs & sig[(SIG_PAIRS + pair[i]!) * words + w]!;
    c &= canStart[i] ? follows | sig[(SIG_STARTS + cls[i]!) * words + w]! : follows;
  }
  return c;
}

/**
 * Upper bound of the alignment (fuzzy.ts) of the name at bit p of word w: every character its bits
 * let start a word gets the word-start bonus, every pair it holds the consecutive bonus, every
 * other pair the least gap penalty.
 */
function alignmentBound(plan: Plan, sig: Int32Array, words: number, w: number, p: number): number {
  const { cls, canStart, pair, m } = plan;
  let a = plan.alignBase;
  for (let i = 0; i < m; i++) {
    if (canStart[i] && ((sig[(SIG_STARTS + cls[i]!) * words + w]! >>> p) & 1) !== 0) a += ALIGNMENT.wordStart;
    if (i > 0 && ((sig[(SIG_PAIRS + pair[i]!) * words + w]! >>> p) & 1) !== 0)
      a += ALIGNMENT.consecutive + ALIGNMENT.gap;
  }
  return a;
}

function drained(top: TopK): NameMatches {
  const { items, scores } = top.drain();
  return { ids: items, scores };
}
