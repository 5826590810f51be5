/**
 * Warm-tier codec: one LZ4 raw block per chunk (lz4js), or the raw bytes when LZ4 does not shrink
 * them.
 *
 * Guarantees: `encode` returns a view into a scratch buffer (the caller copies it into a slab at
 * once); a stored length equal to the raw length means "stored raw" (LZ4 only pays when it saves at
 * least one byte, so the two cases never share a length). `decode` never trusts its input: it checks
 * the decoded length, and the caller checks the CRC.
 * Why zero the hash table each call: lz4js keeps absolute positions in it and a stale entry can name
 * the current position itself, producing an invalid zero-offset match; zeroing 256 KiB costs a few
 * microseconds of native memset.
 */
import * as lz4 from 'lz4js';

const hashTable = new Uint32Array(65536);
let scratch = new Uint8Array(0);

/** Encoded form of `raw`; valid until the next call. Length === raw.length means stored raw. */
export function lz4Encode(raw: Uint8Array): Uint8Array {
  const bound = lz4.compressBound(raw.length);
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  hashTable.fill(0);
  const n = raw.length >= 16 ? lz4.compressBlock(raw, scratch, 0, raw.length, hashTable) : 0;
  if (n <= 0 || n >= raw.length) return raw;
  return scratch.subarray(0, n);
}

/**
 * Decodes `stored` (LZ4 block, or raw when its length equals rawLength) into dst[0, rawLength).
 * Returns false when the block does not decode to exactly rawLength bytes.
 */
export function lz4Decode(stored: Uint8Array, rawLength: number, dst: Uint8Array): boolean {
  if (stored.length === rawLength) {
    dst.set(stored);
    return true;
  }
  if (stored.length > rawLength) return false;
  // A corrupt block can ask for more output than rawLength; lz4js writes past a typed array's end
  // harmlessly (ignored), and the length check below rejects it.
  try {
    return lz4.decompressBlock(stored, dst, 0, stored.length, 0) === rawLength;
  } catch {
    return false;
  }
}
