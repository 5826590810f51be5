/**
 * Where a new version's chunks find their delta bases: the previous version's chunk list, walked in
 * step with the new text as it is chunked.
 *
 * For a new chunk with no identical match it proposes up to four bases (the store keeps the smallest
 * delta): the old chunk after the last match (content-defined boundaries resynchronise after an edit,
 * so that is usually the changed copy), the old chunk at the same drift-corrected position (for files
 * that change everywhere), their successors, and the chunk before the positional one.
 * Cost: one Map and one offsets array per put with a previous version and a new chunk; else nothing.
 * Liveness rule (`keepsAlive`): a key re-put over itself deltas only against chunks someone else still
 * holds, because a base kept alive only by the delta costs more than storing the chunk whole.
 * Concurrency: one instance per put; synchronous.
 */
export class DeltaSource {
  private starts = new Float64Array(0);
  private readonly indexOf = new Map<number, number>();
  private counts: Map<number, number> | undefined;
  /** Start of the next chunk in the new text. */
  private offset = 0;
  /** Old offset − new offset at the last aligned chunk. */
  private drift = 0;
  /** Index in the old list of the chunk after the last aligned one, or -1. */
  private next = -1;
  private readonly out: number[] = [];
  /** The index is built at the first chunk that needs a base (a re-put of unchanged text builds nothing). */
  private built = false;
  private lastSlot = -1;
  private lastBase = -1;

  /**
   * @param old the previous version's chunk slots, in order
   * @param rawLength a slot's raw length
   * @param replacing whether `old` is the entry being replaced by this put (same key)
   */
  constructor(
    private readonly old: Uint32Array,
    private readonly rawLength: (slot: number) => number,
    private readonly replacing: boolean,
  ) {}

  private build(): void {
    this.built = true;
    const old = this.old;
    this.starts = new Float64Array(old.length + 1);
    let at = 0;
    for (let i = 0; i < old.length; i++) {
      this.starts[i] = at;
      at += this.rawLength(old[i]);
      if (!this.indexOf.has(old[i])) this.indexOf.set(old[i], i);
    }
    this.starts[old.length] = at;
    if (this.replacing) {
      this.counts = new Map();
      for (const s of old) this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
    }
    if (old.length > 0) this.next = 0;
    // Every chunk so far was found whole; only the last one matters for the alignment.
    if (this.lastSlot >= 0) this.align(this.lastSlot, this.lastBase);
  }

  /** Candidate base slots for the next chunk (a reused array, at most 4, best guesses first). */
  candidates(): readonly number[] {
    if (!this.built) this.build();
    const out = this.out;
    out.length = 0;
    const n = this.old.length;
    const add = (i: number) => {
      if (i >= 0 && i < n && out.length < 4 && !out.includes(this.old[i])) out.push(this.old[i]);
    };
    let at = -1;
    const pos = this.offset + this.drift;
    if (pos >= 0 && pos < this.starts[n]) {
      // Binary search: the old chunk containing `pos`.
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (this.starts[mid] <= pos) lo = mid;
        else hi = mid - 1;
      }
      at = lo;
    }
    add(this.next);
    add(at);
    add(at + 1);
    add(this.next + 1);
    add(at - 1);
    return out;
  }

  /**
   * Whether a delta against `base` (now holding `refs` references) keeps nothing alive that the put would
   * otherwise free.
   */
  keepsAlive(base: number, refs: number): boolean {
    return this.counts === undefined || refs > (this.counts.get(base) ?? 0);
  }

  /** The put emitted a chunk of `length` bytes: `slot` (a delta against `base`, or -1). */
  emitted(slot: number, length: number, base: number): void {
    this.offset += length;
    if (!this.built) {
      this.lastSlot = slot;
      this.lastBase = base;
      return;
    }
    this.align(slot, base);
  }

  private align(slot: number, base: number): void {
    let k = this.indexOf.get(slot);
    if (k === undefined && base >= 0) k = this.indexOf.get(base);
    if (k !== undefined) {
      this.next = k + 1;
      this.drift = this.starts[k + 1] - this.offset;
    } else if (this.next >= 0) {
      // Unmatched: assume it replaced the expected chunk, so the next expectation moves on.
      this.next++;
    }
  }
}
