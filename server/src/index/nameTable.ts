/**
 * An interned name table: each distinct name is stored once and named by a dense integer id.
 *
 * All names' UTF-16 units live back to back in one growing array (`offsets` delimit them): a Uint8Array
 * while every unit is below 256 (identifiers and paths nearly always are; half the bytes), widened
 * once to a Uint16Array when the first name with a wider unit arrives. Nothing else is kept per
 * name but its offset: hashes are computed again from the text when the slots grow, and word-start
 * bits when a search scores a name, because on millions of names every column costs megabytes and
 * both are cheap next to the work around them; the search's own summaries live in nameSearch.ts.
 * Lookup is an open-addressing table (linear probing, at most 3/4 full: a probe compares lengths
 * before it reads a text). Folded forms are not stored: charClass folds by table lookup.
 * Cost: 1 B per unit (2 B once widened) plus NAME_FIXED_BYTES and 5–11 B of hash slots per name;
 * growth headroom until `compact(…, true)` or `shrinkToFit`.
 * Guarantees: `intern` of equal strings returns the same id; ids are dense and stable until `compact`,
 * which drops names the caller no longer needs and returns the old→new map. No object per name.
 * Concurrency: main thread, synchronous; `units` and `offsets` are replaced on growth.
 */
import { hashUnits } from '../syntax/analysis/stringHash.js';
import { stringOfUnits, writeUnits } from '../syntax/utf16Units.js';
import type { CodeUnits } from './charClass.js';

/** Bytes per name in the per-name columns (its offset; see the header), without hash slots. */
export const NAME_FIXED_BYTES = 4;

/** Slots for `n` names: a power of two, at most 3/4 full. */
function slotCount(n: number): number {
  let slots = 32;
  while (slots * 3 < n * 4) slots *= 2;
  return slots;
}

/**
 * Capacity for a growing array of the index (this table, nameSearch.ts, symbolIndex.ts) of `current`
 * that must hold `needed`: an eighth more, because on millions of names a 1.5× step would give back
 * at the first edit the headroom `shrinkToFit` took; appends stay amortised O(1) (a byte is copied
 * at most 9 times).
 */
export function grownCapacity(current: number, needed: number): number {
  return Math.max(needed, current + Math.max(16, current >> 3));
}

/**
 * Capacity `shrinkToFit` leaves an array of the index that holds `n`: a sixty-fourth more, because
 * the next edits (a re-indexed file appends its records and names) would otherwise grow arrays of
 * tens of MB at once, and the old and new copies are held together until a collection.
 */
export function fittedCapacity(n: number): number {
  return n + Math.max(16, n >> 6);
}

function hasWideUnit(units: CodeUnits, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (units[i]! > 0xff) return true;
  return false;
}

/** Longest lookup buffer a table keeps between calls; a longer name gets a buffer of its own. */
const SCRATCH_UNITS = 1024;

export class NameTable {
  private unitBuf: CodeUnits;
  private unitLen = 0;
  private offs: Uint32Array;
  private slots: Int32Array;
  private n = 0;
  /** A string's units while it is looked up (`find`, `intern`). */
  private scratch = new Uint16Array(64);

  constructor(initialNames = 256, initialUnits = 4096) {
    this.unitBuf = new Uint8Array(Math.max(16, initialUnits));
    this.offs = new Uint32Array(Math.max(16, initialNames) + 1);
    this.slots = new Int32Array(slotCount(initialNames));
  }

  /** Number of names; ids are 0..count-1. */
  get count(): number { return this.n; }
  /** The code-unit buffer. Replaced when it grows or widens: read it again after `intern`. */
  get units(): CodeUnits { return this.unitBuf; }
  /** Per-name start offsets: name id spans units [offsets[id], offsets[id + 1]). Replaced on growth. */
  get offsets(): Uint32Array { return this.offs; }
  /** Code units stored, over all names. */
  get unitCount(): number { return this.unitLen; }

  startOf(id: number): number { return this.offs[id]!; }
  lengthOf(id: number): number { return this.offs[id + 1]! - this.offs[id]!; }

  nameOf(id: number): string {
    if (id < 0 || id >= this.n) throw new RangeError(`no name ${id}`);
    return stringOfUnits(this.unitBuf, this.offs[id]!, this.offs[id + 1]!);
  }

  /** The id of `name`, or -1 when it was never interned. */
  find(name: string): number {
    return this.findUnits(this.scratchOf(name), 0, name.length);
  }

  /** The id of the name in `units[start, end)`, or -1 when it was never interned. */
  findUnits(units: Uint16Array, start: number, end: number): number {
    const h = hashUnits(units, start, end - start);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === 0) return -1;
      if (this.equals(v - 1, units, start, end)) return v - 1;
    }
  }

  /** The id of `name`, adding it when new. */
  intern(name: string): number {
    return this.internUnits(this.scratchOf(name), 0, name.length);
  }

  /**
   * The id of the name in `units[start, end)`, adding it when new: a name read from a packed outline
   * (packedOutline.ts) is interned without becoming a string.
   */
  internUnits(units: Uint16Array, start: number, end: number): number {
    const h = hashUnits(units, start, end - start);
    const mask = this.slots.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === 0) break;
      if (this.equals(v - 1, units, start, end)) return v - 1;
    }
    const id = this.append(units, start, end);
    if (this.n * 4 > this.slots.length * 3) this.rehash(this.slots.length << 1);
    else this.slots[i] = id + 1;
    return id;
  }

  /**
   * Orders two names as JavaScript orders their strings (code unit by code unit, a prefix first):
   * negative, 0 or positive.
   */
  compare(a: number, b: number): number {
    if (a === b) return 0;
    const u = this.unitBuf;
    const sa = this.offs[a]!, la = this.offs[a + 1]! - sa;
    const sb = this.offs[b]!, lb = this.offs[b + 1]! - sb;
    const n = Math.min(la, lb);
    for (let i = 0; i < n; i++) {
      const d = u[sa + i]! - u[sb + i]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  /** `name`'s code units, in a buffer reused by the next call (kept only up to SCRATCH_UNITS). */
  private scratchOf(name: string): Uint16Array {
    let into = this.scratch;
    if (into.length < name.length) {
      into = new Uint16Array(grownCapacity(into.length, name.length));
      if (into.length <= SCRATCH_UNITS) this.scratch = into;
    }
    writeUnits(name, into, 0);
    return into;
  }

  /** Allocated bytes of all arrays (capacity, not just use). */
  byteSize(): number {
    return this.unitBuf.byteLength + this.offs.byteLength + this.slots.byteLength;
  }

  /**
   * Drops growth headroom: arrays sized to what is in use and `fittedCapacity`'s room, the slots to
   * the fewest that may hold the names.
   */
  shrinkToFit(): void {
    const units = fittedCapacity(this.unitLen);
    if (this.unitBuf.length > units) this.unitBuf = this.unitBuf.slice(0, units);
    const offsets = fittedCapacity(this.n) + 1;
    if (this.offs.length > offsets) this.offs = this.offs.slice(0, offsets);
    if (this.slots.length > slotCount(this.n)) this.rehash(slotCount(this.n));
  }

  /**
   * Keeps only the names for which `keep(id)` is true, renumbered densely in their old order, and
   * shrinks the arrays to fit (with 1/4 headroom unless `tight`). Returns old id → new id, -1 for
   * dropped names.
   */
  compact(keep: (id: number) => boolean, tight = false): Int32Array {
    const remap = new Int32Array(this.n).fill(-1);
    let kept = 0;
    let keptUnits = 0;
    for (let id = 0; id < this.n; id++) {
      if (keep(id)) { remap[id] = kept++; keptUnits += this.lengthOf(id); }
    }
    const room = (n: number): number => Math.max(16, tight ? n : n + (n >> 2));
    const size = room(keptUnits);
    // Compacted names may all fit 8 bits again.
    let wide = false;
    if (this.unitBuf instanceof Uint16Array) {
      for (let id = 0; id < this.n && !wide; id++)
        if (remap[id]! >= 0) wide = hasWideUnit(this.unitBuf, this.offs[id]!, this.offs[id + 1]!);
    }
    const units = wide ? new Uint16Array(size) : new Uint8Array(size);
    const offs = new Uint32Array(room(kept) + 1);
    let at = 0;
    for (let id = 0; id < this.n; id++) {
      const nid = remap[id]!;
      if (nid < 0) continue;
      const s = this.offs[id]!;
      const e = this.offs[id + 1]!;
      units.set(this.unitBuf.subarray(s, e), at);
      offs[nid] = at;
      at += e - s;
      offs[nid + 1] = at;
    }
    this.unitBuf = units;
    this.unitLen = at;
    this.offs = offs;
    this.n = kept;
    this.rehash(slotCount(kept));
    return remap;
  }

  private equals(id: number, units: Uint16Array, start: number, end: number): boolean {
    const s = this.offs[id]!;
    if (this.offs[id + 1]! - s !== end - start) return false;
    const u = this.unitBuf;
    for (let i = start, j = s; i < end; i++, j++) if (u[j] !== units[i]) return false;
    return true;
  }

  private append(units: Uint16Array, from: number, to: number): number {
    const id = this.n;
    const length = to - from;
    const wide = this.unitBuf instanceof Uint8Array && hasWideUnit(units, from, to);
    if (wide || this.unitLen + length > this.unitBuf.length) {
      const size = this.unitLen + length > this.unitBuf.length
        ? grownCapacity(this.unitBuf.length, this.unitLen + length) : this.unitBuf.length;
      const b = wide || this.unitBuf instanceof Uint16Array ? new Uint16Array(size) : new Uint8Array(size);
      b.set(this.unitBuf.subarray(0, this.unitLen));
      this.unitBuf = b;
    }
    if (id + 2 > this.offs.length) {
      const o = new Uint32Array(grownCapacity(this.offs.length, id + 2));
      o.set(this.offs.subarray(0, id + 1));
      this.offs = o;
    }
    const start = this.unitLen;
    const u = this.unitBuf;
    for (let i = from, j = start; i < to; i++, j++) u[j] = units[i]!;
    this.unitLen += length;
    this.offs[id] = start;
    this.offs[id + 1] = this.unitLen;
    this.n = id + 1;
    return id;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    const u = this.unitBuf;
    const offs = this.offs;
    for (let id = 0; id < this.n; id++) {
      let i = hashUnits(u, offs[id]!, offs[id + 1]! - offs[id]!) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
  }
}
