/**
 * A file's entry: the chunks of its base text, the base's length and CRC-32, and the edit journal
 * since. One small object per file (per-file cost is fine; per-chunk cost lives in the store).
 *
 * `length` is the current text's length (after the journal); `crc` is the current text's CRC when
 * known: always when the journal is empty (it equals the base CRC), after an edit whose caller gave
 * it, or after a verified read computed it. It is what a fallback's bytes are verified against.
 */
import type { Fallback } from './fallback.js';

export type EntryTier = 'warm' | 'cold' | 'evicted';

export class Entry {
  tier: EntryTier = 'warm';
  chunks: Uint32Array = new Uint32Array(0);
  baseLength = 0;
  baseCrc = 0;
  /** Encoded, self-checking journal records (see journal.ts). */
  records: Uint8Array[] = [];
  length = 0;
  crc: number | undefined = undefined;
  /** Verified reads since the entry went cold; the second one moves it warm (see SourceCache). */
  coldReads = 0;

  constructor(
    readonly key: string,
    public fallback: Fallback | undefined,
  ) {}

  get journalBytes(): number {
    let n = 0;
    for (const r of this.records) n += r.length;
    return n;
  }
}
