/**
 * Chunk metadata as typed-array columns indexed by slot, plus an open-addressing index from the
 * 64-bit chunk id to its slot. No object per chunk.
 *
 * Per slot (22 bytes): id hi/lo, CRC-32 of the raw bytes, location (slab address when warm, pack when
 * cold), raw length − 1, stored length − 1 or member number, references, warm references. Counts
 * above 254 spill into a Map, because a chunk shared by hundreds of files must still count exactly.
 * The index (slot + 1, linear probing, backward-shift deletion: no tombstones) is sized by fastrange,
 * not a power of two, so it can grow by 1.5× and stay between 1/2 and 3/4 full. Freed slots are
 * reused, so metadata follows the number of unique chunks, not their history.
 * Concurrency: synchronous and single-threaded.
 */
import type { Hash64 } from '../common/hash64.js';

const REF_SPILL = 0xff;

export class ChunkTable {
  capacity = 0;
  idHi = new Uint32Array(0);
  idLo = new Uint32Array(0);
  crc = new Uint32Array(0);
  loc = new Uint32Array(0);
  rawLenM1 = new Uint16Array(0);
  aux = new Uint16Array(0);
  private refs8 = new Uint8Array(0);
  private warm8 = new Uint8Array(0);
  private refSpill = new Map<number, number>();
  private warmSpill = new Map<number, number>();
  private index = new Uint32Array(0);
  private indexSize = 0;
  private indexCount = 0;
  private nextUnused = 0;
  private freeSlots: number[] = [];
  /** Number of slots in use. */
  count = 0;

  constructor(initialCapacity = 1024) {
    this.growSlots(initialCapacity);
    this.resizeIndex(2048);
  }

  /**
   * Bytes of all metadata: columns + index, the free-slot list (bounded by capacity too), and the
   * spilled reference counts (Map entries, counted at 40 B like the chunk store's delta map).
   */
  get metadataBytes(): number {
    return this.capacity * 22 + this.index.byteLength + this.freeSlots.length * 8
      + (this.refSpill.size + this.warmSpill.size) * 40;
  }

  private growSlots(capacity: number): void {
    const grow = <T extends Uint32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.idHi = grow(this.idHi, (n) => new Uint32Array(n));
    this.idLo = grow(this.idLo, (n) => new Uint32Array(n));
    this.crc = grow(this.crc, (n) => new Uint32Array(n));
    this.loc = grow(this.loc, (n) => new Uint32Array(n));
    this.rawLenM1 = grow(this.rawLenM1, (n) => new Uint16Array(n));
    this.aux = grow(this.aux, (n) => new Uint16Array(n));
    this.refs8 = grow(this.refs8, (n) => new Uint8Array(n));
    this.warm8 = grow(this.warm8, (n) => new Uint8Array(n));
    this.capacity = capacity;
  }

  private resizeIndex(size: number): void {
    const old = this.index;
    this.index = new Uint32Array(size);
    this.indexSize = size;
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v !== 0) this.index[this.probeFree(this.idHi[v - 1], this.idLo[v - 1])] = v;
    }
  }

  private home(hi: number, lo: number): number {
    return Math.floor(((Math.imul(lo ^ (hi >>> 7), 0x9e3779b1) >>> 0) * this.indexSize) / 4294967296);
  }

  private next(i: number): number {
    return i + 1 === this.indexSize ? 0 : i + 1;
  }

  /** Probe distance from home `h` to position `i`, wrapping around. */
  private dist(i: number, h: number): number {
    return i >= h ? i - h : i - h + this.indexSize;
  }

  private probeFree(hi: number, lo: number): number {
    let i = this.home(hi, lo);
    while (this.index[i] !== 0) i = this.next(i);
    return i;
  }

  /** Slot of the chunk with this id, or -1. */
  find(id: Hash64): number {
    const { hi, lo } = id;
    let i = this.home(hi, lo);
    for (;;) {
      const v = this.index[i];
      if (v === 0) return -1;
      if (this.idLo[v - 1] === lo && this.idHi[v - 1] === hi) return v - 1;
      i = this.next(i);
    }
  }

  /** Allocates a slot for a new id and indexes it. The caller fills the other columns. */
  add(id: Hash64): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.nextUnused === this.capacity) this.growSlots(Math.ceil(this.capacity * 1.25) + 16);
      slot = this.nextUnused++;
    }
    this.idHi[slot] = id.hi;
    this.idLo[slot] = id.lo;
    this.setRefs(slot, 0);
    this.setWarmRefs(slot, 0);
    this.count++;
    this.link(slot);
    return slot;
  }

  private link(slot: number): void {
    if ((this.indexCount + 1) * 4 > this.index.length * 3) this.resizeIndex(Math.ceil(this.index.length * 1.5));
    this.index[this.probeFree(this.idHi[slot], this.idLo[slot])] = slot + 1;
    this.indexCount++;
  }

  /** Removes a slot from the id index but keeps its columns (`remove` frees the slot). */
  unlink(slot: number): void {
    let i = this.home(this.idHi[slot], this.idLo[slot]);
    for (;;) {
      const v = this.index[i];
      if (v === 0) return;
      if (v === slot + 1) break;
      i = this.next(i);
    }
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = i;
    let j = this.next(i);
    for (;;) {
      const v = this.index[j];
      if (v === 0) break;
      const h = this.home(this.idHi[v - 1], this.idLo[v - 1]);
      const distHole = this.dist(hole, h);
      const distJ = this.dist(j, h);
      if (distHole < distJ) {
        this.index[hole] = v;
        hole = j;
      }
      j = this.next(j);
    }
    this.index[hole] = 0;
    this.indexCount--;
  }

  isLinked(slot: number): boolean {
    return this.find({ hi: this.idHi[slot], lo: this.idLo[slot] }) === slot;
  }

  /** Frees a slot (its id must already be unlinked or is unlinked here). */
  remove(slot: number): void {
    if (this.isLinked(slot)) this.unlink(slot);
    this.refSpill.delete(slot);
    this.warmSpill.delete(slot);
    this.refs8[slot] = 0;
    this.warm8[slot] = 0;
    this.freeSlots.push(slot);
    this.count--;
  }

  /** One past the highest slot ever handed out (slots in use are below it). */
  get slotLimit(): number {
    return this.nextUnused;
  }

  /** Whether `slot` is a slot in use (guards against corrupted slot numbers in entries). */
  inUse(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.nextUnused && this.refs(slot) > 0;
  }

  refs(slot: number): number {
    const r = this.refs8[slot];
    return r === REF_SPILL ? this.refSpill.get(slot)! : r;
  }

  setRefs(slot: number, n: number): void {
    if (n >= REF_SPILL) {
      this.refs8[slot] = REF_SPILL;
      this.refSpill.set(slot, n);
    } else {
      this.refs8[slot] = n;
      this.refSpill.delete(slot);
    }
  }

  warmRefs(slot: number): number {
    const r = this.warm8[slot];
    return r === REF_SPILL ? this.warmSpill.get(slot)! : r;
  }

  setWarmRefs(slot: number, n: number): void {
    if (n >= REF_SPILL) {
      this.warm8[slot] = REF_SPILL;
      this.warmSpill.set(slot, n);
    } else {
      this.warm8[slot] = n;
      this.warmSpill.delete(slot);
    }
  }

  rawLength(slot: number): number {
    return this.rawLenM1[slot] + 1;
  }

  /** Every slot in use (for accounting checks and fault injection). */
  *slots(): IterableIterator<number> {
    for (let s = 0; s < this.nextUnused; s++) if (this.refs(s) > 0) yield s;
  }
}
