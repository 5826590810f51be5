/**
 * A per-file Bloom filter of the identifier names a file contains, so that find-references reads
 * only the files that may mention a name.
 *
 * Design: m bits and k probes sized from the number of distinct names n and the target false-
 * positive rate p (default 1%): m = ⌈-n·ln p / ln²2⌉ rounded up to whole 32-bit words, k = round(m/n·ln 2)
 * (≈ 9.6 bits and 7 probes per name at 1%). Probe i is h1 + i·h2 mod m (Kirsch–Mitzenmacher double
 * hashing) with h1, h2 the index's one string hash (stringHash.ts) under two seeds. Stored as a
 * Uint32Array; `toBytes`/`fromBytes` give a self-describing byte form for the snapshot.
 *
 * Cost: ≈ 1.2 B per distinct name at p = 1% (+ 8 B header), e.g. a file with 500 identifiers ≈ 600 B.
 * Guarantees: never a false negative (a name added is always reported as possibly present);
 * false positives at about rate p for names not added, when the filter holds its sized count.
 */
import { hashString } from './stringHash.js';

const SEED_1 = 0x9747b28c;
const SEED_2 = 0x5bd1e995;

export const DEFAULT_FALSE_POSITIVE_RATE = 0.01;

export class IdentifierFilter {
  private constructor(private readonly bits: Uint32Array, readonly probes: number) {}

  /** A filter of `names` (duplicates are fine) with false-positive rate ≈ `rate`. */
  static of(names: Iterable<string>, rate = DEFAULT_FALSE_POSITIVE_RATE): IdentifierFilter {
    const distinct = names instanceof Set ? (names as Set<string>) : new Set(names);
    const f = IdentifierFilter.sized(distinct.size, rate);
    for (const n of distinct) f.add(n);
    return f;
  }

  /** An empty filter sized for `count` names. */
  static sized(count: number, rate = DEFAULT_FALSE_POSITIVE_RATE): IdentifierFilter {
    if (!(rate > 0 && rate < 1)) throw new RangeError(`false-positive rate ${rate} not in (0, 1)`);
    const n = Math.max(1, count);
    const bitCount = Math.ceil((-n * Math.log(rate)) / (Math.LN2 * Math.LN2));
    const words = Math.max(1, Math.ceil(bitCount / 32));
    const probes = Math.max(1, Math.round(((words * 32) / n) * Math.LN2));
    return new IdentifierFilter(new Uint32Array(words), probes);
  }

  /** Reads the form written by `toBytes`. */
  static fromBytes(bytes: Uint8Array): IdentifierFilter {
    if (bytes.byteLength < 8 || bytes.byteLength % 4 !== 0) throw new Error('identifier filter: bad length');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const probes = view.getUint32(0, true);
    const words = view.getUint32(4, true);
    if (probes < 1 || probes > 64 || words !== (bytes.byteLength - 8) / 4) throw new Error('identifier filter: bad header');
    const bits = new Uint32Array(words);
    for (let i = 0; i < words; i++) bits[i] = view.getUint32(8 + 4 * i, true);
    return new IdentifierFilter(bits, probes);
  }

  get bitCount(): number { return this.bits.length * 32; }

  add(name: string): void {
    const m = this.bits.length * 32;
    const h1 = hashString(name, SEED_1);
    const h2 = hashString(name, SEED_2) | 1; // odd: probes never collapse onto one bit
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const b = bit % m;
      this.bits[b >>> 5]! |= 1 << (b & 31);
    }
  }

  /** False: `name` is certainly not in the file. True: it may be. */
  mightContain(name: string): boolean {
    const m = this.bits.length * 32;
    const h1 = hashString(name, SEED_1);
    const h2 = hashString(name, SEED_2) | 1;
    for (let i = 0; i < this.probes; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % m;
      if ((this.bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }

  byteSize(): number { return this.bits.byteLength + 8; }

  /** Little-endian: probes (u32), word count (u32), words. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(8 + this.bits.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.probes, true);
    view.setUint32(4, this.bits.length, true);
    for (let i = 0; i < this.bits.length; i++) view.setUint32(8 + 4 * i, this.bits[i]!, true);
    return out;
  }
}
