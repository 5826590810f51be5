/**
 * A per-file Bloom filter of the names a file contains (definitions and uses), so find-references
 * reads only the files that may mention a name.
 *
 * m bits and k probes from the distinct-name count n and false-positive rate p:
 * m = ⌈-n·ln p / ln²2⌉ in whole 32-bit words, k = round(m/n·ln 2); probe i is h1 + i·h2 mod m
 * (Kirsch–Mitzenmacher) with stringHash.ts under two seeds. Built here, in the parser worker,
 * because then only the bit words cross to the main thread (transferred, outcomeWire.ts) instead of a
 * string per name. The index keeps the same filter with a persistent form (index/identifierFilter.ts).
 * Cost: about ten bits per distinct name at p = 1%, plus a small header.
 * Guarantees: never a false negative; false positives at about rate p when the filter holds its sized
 * count. Concurrency: plain data; built in one thread, read in another after transfer.
 */
import { hashString } from './stringHash.js';

const SEED_1 = 0x9747b28c;
const SEED_2 = 0x5bd1e995;

export const DEFAULT_FALSE_POSITIVE_RATE = 0.01;

export class NameFilter {
  /** `words`: the bits (taken, not copied); `probes`: bits set per name. */
  constructor(readonly words: Uint32Array, readonly probes: number) {}

  /** A filter of `names` (duplicates are fine) with false-positive rate about `rate`. */
  static of(names: Iterable<string>, rate = DEFAULT_FALSE_POSITIVE_RATE): NameFilter {
    const distinct = names instanceof Set ? (names as Set<string>) : new Set(names);
    const f = NameFilter.sized(distinct.size, rate);
    for (const n of distinct) f.add(n);
    return f;
  }

  /** An empty filter sized for `count` names. */
  static sized(count: number, rate = DEFAULT_FALSE_POSITIVE_RATE): NameFilter {
    if (!(rate > 0 && rate < 1)) throw new RangeError(`false-positive rate ${rate} not in (0, 1)`);
    const n = Math.max(1, count);
    const bitCount = Math.ceil((-n * Math.log(rate)) / (Math.LN2 * Math.LN2));
    const words = Math.max(1, Math.ceil(bitCount / 32));
    const probes = Math.max(1, Math.round(((words * 32) / n) * Math.LN2));
    return new NameFilter(new Uint32Array(words), probes);
  }

  get bitCount(): number { return this.words.length * 32; }

  add(name: string): void {
    const m = this.words.length * 32;
    const h1 = hashString(name, SEED_1);
    const h2 = hashString(name, SEED_2) | 1; // odd: probes never collapse onto one bit
    for (let i = 0; i < this.probes; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % m;
      this.words[b >>> 5]! |= 1 << (b & 31);
    }
  }

  /** False: `name` is certainly not in the file. True: it may be. */
  mightContain(name: string): boolean {
    const m = this.words.length * 32;
    const h1 = hashString(name, SEED_1);
    const h2 = hashString(name, SEED_2) | 1;
    for (let i = 0; i < this.probes; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % m;
      if ((this.words[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }

  byteSize(): number { return this.words.byteLength + 8; }
}
