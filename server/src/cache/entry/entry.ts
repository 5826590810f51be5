/**
 * A file's entry: the chunks of its base text, the base's length and CRC-32, and the edit journal
 * since. One small object per file (per-chunk cost lives in the store).
 *
 * `length` is the current text's length; `crc` is the current text's CRC when known (always with an
 * empty journal, after an edit whose caller gave it, or after a verified read). Fallback bytes are
 * verified against them. `backing` says whether and how the fallback holds that text (see `Backing`).
 * The chunk list has its own CRC-32 (`chunksCrc`), checked by `chunksIntact()` before every use,
 * because a flipped bit in it would name a wrong slot and releasing that slot would drift reference
 * counts (reads alone stay safe: the whole-text CRC fails). The check is cheap next to a read's.
 * Single-threaded; mutated only by SourceCache.
 */
import type { Fallback } from './fallback.js';
import { crc32 } from '../common/crc32.js';

/**
 * How an entry's fallback holds its current text: not known to (`none`); as the place the text was
 * read from, which holds it until that place changes (`origin`: a file just read); or as a copy kept
 * for the cache (`copy`: a persistent store that committed it). Either lets the bytes leave memory;
 * an owner that keeps copies replaces an origin with its copy (`SourceCache.back`).
 */
export type Backing = 'none' | 'origin' | 'copy';

const listBytes = (chunks: Uint32Array) => new Uint8Array(chunks.buffer, chunks.byteOffset, chunks.byteLength);

export type EntryTier = 'warm' | 'cold' | 'evicted';

/**
 * The chunk list of every entry that has none (a text backed by its origin or the store has no
 * chunks here): shared, because an empty typed array still costs two objects, and a kernel holds
 * 57,000 such entries. Nothing can be written into a list of length 0.
 */
const NO_CHUNKS = new Uint32Array(0);

export class Entry {
  tier: EntryTier = 'warm';
  chunks: Uint32Array = NO_CHUNKS;
  /** CRC-32 of `chunks` as bytes (CRC-32 of no bytes is 0). */
  chunksCrc = 0;
  baseLength = 0;
  baseCrc = 0;
  /** Encoded, self-checking journal records (see journal.ts). */
  records: Uint8Array[] = [];
  length = 0;
  crc: number | undefined = undefined;
  /** Verified reads since the entry went cold; the second one moves it warm (see SourceCache). */
  coldReads = 0;
  /**
   * Whether `fallback` holds the current text (`length`, `crc`); when it does, the entry's bytes may
   * leave memory instead of going cold (SourceCache.back). Cleared by any change of the text or of
   * the fallback.
   */
  backing: Backing = 'none';

  constructor(
    readonly key: string,
    public fallback: Fallback | undefined,
  ) {}

  /** Sets the chunk list and its CRC. */
  setChunks(chunks: Uint32Array): void {
    this.chunks = chunks;
    this.chunksCrc = crc32(listBytes(chunks));
  }

  /** Drops the chunk list (the caller has released its slots). */
  clearChunks(): void {
    this.setChunks(NO_CHUNKS);
  }

  /** Whether the chunk list still matches its CRC. */
  chunksIntact(): boolean {
    return crc32(listBytes(this.chunks)) === this.chunksCrc;
  }

  get journalBytes(): number {
    let n = 0;
    for (const r of this.records) n += r.length;
    return n;
  }
}
