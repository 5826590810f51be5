/**
 * A per-file Bloom filter of the identifier names a file contains, so that find-references reads
 * only the files that may mention a name.
 *
 * Design: m bits and k probes sized from the number of distinct names n and the target false-
 * positive rate p (default 1%): m = ⌈-n·ln p / ln²2⌉ rounded up to whole 32-bit words, k = round(m/n·ln 2)
 * (≈ 9.6 bits and 7 probes per name at 1%). Probe i is h1 + i·h2 mod m (Kirsch–Mitzenmacher double
 * hashing) with h1, h2 the index's one string hash (stringHash.ts) under two seeds. Stored as a
 * Uint32Array; `toBytes`/`fromBytes` give its persistent form: binaryBlocks.ts blocks 'IFLT'
 * (probes, word count) and 'BITS' (the words, copied whole), each CRC-checked, so a damaged filter
 * is an error — never a filter that silently answers "certainly not here" for a name that is.
 *
 * Cost: ≈ 1.2 B per distinct name at p = 1% (+ 8 B header), e.g. a file with 500 identifiers ≈ 600 B;
 * the persistent form is the bit words + 48 B (container header, two block headers, two scalars).
 * Guarantees: never a false negative (a name added is always reported as possibly present);
 * false positives at about rate p for names not added, when the filter holds its sized count.
 */
import { BlockReader, BlockWriter, tagOf } from './binaryBlocks.js';
import { hashString } from './stringHash.js';

const SEED_1 = 0x9747b28c;
const SEED_2 = 0x5bd1e995;

export const DEFAULT_FALSE_POSITIVE_RATE = 0.01;
const MAGIC = tagOf('STIF');
/** Version of the persistent form; it covers the string hash and the seeds. */
export const IDENTIFIER_FILTER_FORMAT_VERSION = 1;

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

  /** Reads the form written by `toBytes`; throws IndexFormatError when it is damaged or of another version. */
  static fromBytes(bytes: Uint8Array): IdentifierFilter {
    const r = new BlockReader(bytes, MAGIC, IDENTIFIER_FILTER_FORMAT_VERSION, 'identifier filter');
    const [probes, words] = r.scalars('IFLT', 2) as [number, number];
    const bits = r.u32('BITS');
    r.end();
    if (probes < 1 || probes > 64 || words < 1 || bits.length !== words) throw r.fail(`bad header: ${probes} probes, ${words} words`);
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

  /** The persistent form (see header). */
  toBytes(): Uint8Array {
    return new BlockWriter(MAGIC, IDENTIFIER_FILTER_FORMAT_VERSION)
      .scalars('IFLT', [this.probes, this.bits.length])
      .array('BITS', this.bits)
      .finish();
  }
}
