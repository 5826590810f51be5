/**
 * A file's name filter (syntax/analysis/nameFilter.ts: the Bloom filter, its sizing and probes) as the
 * index keeps it, with its persistent form: `toBytes`/`fromBytes` write binaryBlocks.ts blocks 'IFLT'
 * (probes, word count) and 'BITS' (the words), each CRC-checked, so a damaged filter is an error,
 * never a filter that answers "certainly not here" for a name that is. Synchronous; no shared state.
 */
import { DEFAULT_FALSE_POSITIVE_RATE, NameFilter } from '../syntax/analysis/nameFilter.js';
import { BlockReader, BlockWriter, tagOf } from './binaryBlocks.js';

const MAGIC = tagOf('STIF');
/** Version of the persistent form; it covers the string hash and the seeds. */
const IDENTIFIER_FILTER_FORMAT_VERSION = 1;

export class IdentifierFilter extends NameFilter {
  /** The filter a file's analysis carries, kept by the index (its words are shared, not copied). */
  static from(f: NameFilter): IdentifierFilter {
    return new IdentifierFilter(f.words, f.probes);
  }

  static override of(names: Iterable<string>, rate = DEFAULT_FALSE_POSITIVE_RATE): IdentifierFilter {
    return IdentifierFilter.from(NameFilter.of(names, rate));
  }

  static override sized(count: number, rate = DEFAULT_FALSE_POSITIVE_RATE): IdentifierFilter {
    return IdentifierFilter.from(NameFilter.sized(count, rate));
  }

  /** Reads the form written by `toBytes`; throws IndexFormatError when it is damaged or of another version. */
  static fromBytes(bytes: Uint8Array): IdentifierFilter {
    const r = new BlockReader(bytes, MAGIC, IDENTIFIER_FILTER_FORMAT_VERSION, 'identifier filter');
    const [probes, words] = r.scalars('IFLT', 2) as [number, number];
    const bits = r.u32('BITS');
    r.end();
    if (probes < 1 || probes > 64 || words < 1 || bits.length !== words)
      throw r.fail(`bad header: ${probes} probes, ${words} words`);
    return new IdentifierFilter(bits, probes);
  }

  /** The persistent form (see header). */
  toBytes(): Uint8Array {
    return new BlockWriter(MAGIC, IDENTIFIER_FILTER_FORMAT_VERSION)
      .scalars('IFLT', [this.probes, this.words.length])
      .array('BITS', this.words)
      .finish();
  }
}
