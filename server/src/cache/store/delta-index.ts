/**
 * Which chunks are deltas, and on what: slot → a non-zero u32 (base slot × 16 + chain depth), in
 * whichever of two typed forms costs fewer bytes for the current mix.
 * - Sparse (few deltas, the usual workspace): an open-addressing table (linear probing, at most 3/4
 *   full, backward-shift deletion, so no tombstones under churn). A store without deltas pays nothing.
 * - Dense (delta-heavy stores): one u32 column indexed by slot, as long as the chunk table.
 * It turns dense when the table would cost more than the column, and sparse again only when the
 * column costs more than twice a half-full table, so each O(capacity) switch is paid for by many
 * changes. `bytes` is exactly the typed arrays held.
 * Concurrency: synchronous and single-threaded.
 */
const MIN_TABLE = 16;

export class DeltaIndex {
  /** Number of deltas. */
  size = 0;
  private keys = new Uint32Array(0);
  private vals = new Uint32Array(0);
  private column: Uint32Array | undefined;

  /** @param capacity the chunk table's slot capacity (a dense column covers every slot) */
  constructor(private readonly capacity: () => number) {}

  get dense(): boolean {
    return this.column !== undefined;
  }

  /** Bytes of the typed arrays held. */
  get bytes(): number {
    return this.column ? this.column.byteLength : this.keys.byteLength + this.vals.byteLength;
  }

  /** The value for `slot`, or 0 when it is not a delta. */
  get(slot: number): number {
    if (this.size === 0) return 0;
    const column = this.column;
    if (column) return slot < column.length ? column[slot] : 0;
    const keys = this.keys;
    const key = slot + 1;
    for (let i = this.home(slot); ; i = i + 1 === keys.length ? 0 : i + 1) {
      const k = keys[i];
      if (k === key) return this.vals[i];
      if (k === 0) return 0;
    }
  }

  /** Records `slot` as a delta with `value` (> 0), replacing any value it had. */
  set(slot: number, value: number): void {
    if (!(value > 0 && value <= 0xffffffff)) throw new RangeError(`delta value ${value}`);
    if (this.column) {
      if (slot >= this.column.length) this.growColumn(Math.max(slot + 1, this.capacity()));
      if (this.column[slot] === 0) this.size++;
      this.column[slot] = value;
      return;
    }
    if ((this.size + 1) * 4 > this.keys.length * 3) {
      const grown = Math.max(MIN_TABLE, Math.ceil(this.keys.length * 1.5));
      // Grow into the column instead when the column is the smaller of the two.
      if (grown * 8 > this.capacity() * 4) this.toDense();
      else this.rehash(grown);
      if (this.column) return this.set(slot, value);
    }
    const key = slot + 1;
    let i = this.home(slot);
    for (;;) {
      const k = this.keys[i];
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === 0) break;
      i = i + 1 === this.keys.length ? 0 : i + 1;
    }
    this.keys[i] = key;
    this.vals[i] = value;
    this.size++;
  }

  /** Forgets `slot` (no-op when it is not a delta). */
  delete(slot: number): void {
    if (this.size === 0) return;
    if (this.column) {
      if (slot < this.column.length && this.column[slot] !== 0) {
        this.column[slot] = 0;
        this.size--;
        if (this.size * 8 < this.column.length) this.toSparse();
      }
      return;
    }
    const keys = this.keys;
    const n = keys.length;
    const key = slot + 1;
    let i = this.home(slot);
    for (;;) {
      const k = keys[i];
      if (k === 0) return;
      if (k === key) break;
      i = i + 1 === n ? 0 : i + 1;
    }
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = i;
    for (let j = i + 1 === n ? 0 : i + 1; keys[j] !== 0; j = j + 1 === n ? 0 : j + 1) {
      const h = this.home(keys[j] - 1);
      const distHole = hole >= h ? hole - h : hole - h + n;
      const distJ = j >= h ? j - h : j - h + n;
      if (distHole < distJ) {
        keys[hole] = keys[j];
        this.vals[hole] = this.vals[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    this.vals[hole] = 0;
    this.size--;
    if (n > MIN_TABLE && this.size * 4 < n) this.rehash(Math.max(MIN_TABLE, this.size * 2));
  }

  private home(slot: number): number {
    return Math.floor(((Math.imul(slot, 0x9e3779b1) >>> 0) * this.keys.length) / 4294967296);
  }

  private rehash(size: number): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(size);
    this.vals = new Uint32Array(size);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.set(keys[i] - 1, vals[i]);
  }

  private growColumn(length: number): void {
    const next = new Uint32Array(length);
    next.set(this.column!);
    this.column = next;
  }

  private toDense(): void {
    const { keys, vals } = this;
    const column = new Uint32Array(this.capacity());
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) column[keys[i] - 1] = vals[i];
    this.column = column;
    this.keys = new Uint32Array(0);
    this.vals = new Uint32Array(0);
  }

  private toSparse(): void {
    const column = this.column!;
    this.column = undefined;
    this.size = 0;
    this.keys = new Uint32Array(0);
    this.vals = new Uint32Array(0);
    let n = 0;
    for (let s = 0; s < column.length; s++) if (column[s] !== 0) n++;
    this.rehash(Math.max(MIN_TABLE, n * 2));
    for (let s = 0; s < column.length; s++) if (column[s] !== 0) this.set(s, column[s]);
  }
}
