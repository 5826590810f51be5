/**
 * The writer's set of chunks already in the snapshot: 64-bit chunk id → chunk ordinal, in one
 * open-addressing table (linear probing) of u32 triples (id hi, id lo, ordinal + 1; 0 = empty).
 * Capacity doubles past half full, so the table stays between a quarter and half full; no object
 * per chunk. Ids are hash64 outputs, already well mixed, so the low lane picks the slot directly.
 * Synchronous; owned by one writer.
 */
import type { Hash64 } from '../../cache/index.js';

export class ChunkIdTable {
  private slots: Uint32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Uint32Array(cap * 3);
    this.mask = cap - 1;
  }

  get byteSize(): number {
    return this.slots.byteLength;
  }

  /** The ordinal of `id`, or -1. */
  get(id: Hash64): number {
    const s = this.slots;
    for (let i = id.lo & this.mask; ; i = (i + 1) & this.mask) {
      const o = i * 3;
      const v = s[o + 2]!;
      if (v === 0) return -1;
      if (s[o] === id.hi && s[o + 1] === id.lo) return v - 1;
    }
  }

  /** Records `id` → `ordinal` (the id must not be present). */
  add(id: Hash64, ordinal: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.place(this.slots, this.mask, id.hi, id.lo, ordinal + 1);
    this.size++;
  }

  private place(s: Uint32Array, mask: number, hi: number, lo: number, v: number): void {
    let i = lo & mask;
    while (s[i * 3 + 2] !== 0) i = (i + 1) & mask;
    s[i * 3] = hi;
    s[i * 3 + 1] = lo;
    s[i * 3 + 2] = v;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const next = new Uint32Array(cap * 3);
    for (let o = 0; o < old.length; o += 3)
      if (old[o + 2] !== 0) this.place(next, cap - 1, old[o]!, old[o + 1]!, old[o + 2]!);
    this.slots = next;
    this.mask = cap - 1;
  }
}
