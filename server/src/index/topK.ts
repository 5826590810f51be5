/**
 * A bounded "best K" collector: a binary min-heap over typed arrays whose root is the worst kept item.
 *
 * Design: an item is an integer payload with a score (higher is better) and a tie-break (lower is
 * better, so results are deterministic when scores are equal). `offer` is O(log K) and rejects an
 * item worse than the root in O(1), so a search over N candidates costs O(N + M log K) for M accepted.
 * Guarantees: holds at most K items; `drain` returns the kept payloads best first; no allocation per item.
 * Synchronous; one collector per search.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly ties: Float64Array;
  private readonly items: Int32Array;
  private size = 0;

  constructor(readonly capacity: number) {
    const k = Math.max(0, Math.floor(capacity));
    this.scores = new Float64Array(k);
    this.ties = new Float64Array(k);
    this.items = new Int32Array(k);
  }

  get length(): number { return this.size; }
  get full(): boolean { return this.size >= this.scores.length; }
  /** Score of the worst kept item (-Infinity when empty). */
  get worstScore(): number { return this.size === 0 ? -Infinity : this.scores[0]!; }

  /** Whether an item with this score and tie-break would be kept now. */
  wouldAccept(score: number, tie: number): boolean {
    if (this.scores.length === 0) return false;
    return !this.full || this.better(score, tie, this.scores[0]!, this.ties[0]!);
  }

  offer(item: number, score: number, tie: number): void {
    if (!this.wouldAccept(score, tie)) return;
    if (!this.full) {
      let i = this.size++;
      this.place(i, item, score, tie);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.better(this.scores[p]!, this.ties[p]!, this.scores[i]!, this.ties[i]!)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    this.place(0, item, score, tie);
    this.siftDown(0);
  }

  /** The kept items, best first, with their scores; empties the collector. */
  drain(): { items: number[]; scores: number[] } {
    const n = this.size;
    const items = new Array<number>(n);
    const scores = new Array<number>(n);
    for (let out = n - 1; out >= 0; out--) {
      items[out] = this.items[0]!;
      scores[out] = this.scores[0]!;
      this.size--;
      if (this.size > 0) {
        this.place(0, this.items[this.size]!, this.scores[this.size]!, this.ties[this.size]!);
        this.siftDown(0);
      }
    }
    return { items, scores };
  }

  private better(sa: number, ta: number, sb: number, tb: number): boolean {
    return sa > sb || (sa === sb && ta < tb);
  }

  private place(i: number, item: number, score: number, tie: number): void {
    this.items[i] = item; this.scores[i] = score; this.ties[i] = tie;
  }

  private swap(a: number, b: number): void {
    const it = this.items[a]!, sc = this.scores[a]!, ti = this.ties[a]!;
    this.items[a] = this.items[b]!; this.scores[a] = this.scores[b]!; this.ties[a] = this.ties[b]!;
    this.items[b] = it; this.scores[b] = sc; this.ties[b] = ti;
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let worst = i;
      if (l < this.size && this.better(this.scores[worst]!, this.ties[worst]!, this.scores[l]!, this.ties[l]!))
        worst = l;
      if (r < this.size && this.better(this.scores[worst]!, this.ties[worst]!, this.scores[r]!, this.ties[r]!))
        worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}
