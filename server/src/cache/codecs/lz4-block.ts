/**
 * Warm-tier codec: one LZ4 raw block per chunk (compressed by lz4js, decoded by lz4-decode.ts), or
 * the raw bytes when LZ4 does not shrink them.
 *
 * Guarantees: `encode` returns a view into a scratch buffer (the caller copies it at once); a stored
 * length equal to the raw length means "stored raw" (the two never share a length). `decode` checks
 * the decoded length; the caller checks the CRC.
 * lz4js's hash table must be zero before each call (a stale entry can name the current position and
 * make an invalid zero-offset match), and zeroing all of it per chunk would cost more than the
 * compression, so only the entries this input wrote are cleared (lz4js 0.2.0's hash is reproduced
 * here; `lz4TableIsClean` lets a test pin it).
 * Synchronous; module-level scratch, one thread.
 */
import * as lz4 from 'lz4js';
import { lz4DecodeBlock } from './lz4-decode.js';

const hashTable = new Uint32Array(65536);
let scratch = new Uint8Array(0);

/** Encoded form of `raw`; valid until the next call. Length === raw.length means stored raw. */
export function lz4Encode(raw: Uint8Array): Uint8Array {
  const bound = lz4.compressBound(raw.length);
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const n = raw.length >= 16 ? lz4.compressBlock(raw, scratch, 0, raw.length, hashTable) : 0;
  clearTable(raw);
  if (n <= 0 || n >= raw.length) return raw;
  return scratch.subarray(0, n);
}

function lz4jsHash(a: number): number {
  a = (a + 2127912214 + (a << 12)) | 0;
  a = a ^ -949894596 ^ (a >>> 19);
  a = (a + 374761393 + (a << 5)) | 0;
  a = (a + -744332180) ^ (a << 9);
  a = (a + -42973499 + (a << 3)) | 0;
  const h = (a ^ -1252372727 ^ (a >>> 16)) | 0;
  return (((h >> 16) ^ h) >>> 0) & 0xffff;
}

function clearTable(raw: Uint8Array): void {
  if (raw.length > 65536) {
    hashTable.fill(0);
    return;
  }
  for (let i = 0; i + 4 <= raw.length; i++) {
    hashTable[lz4jsHash(raw[i] | (raw[i + 1] << 8) | (raw[i + 2] << 16) | (raw[i + 3] << 24))] = 0;
  }
}

/** For tests: whether the shared hash table is all zero (it must be between calls). */
export function lz4TableIsClean(): boolean {
  return hashTable.every((v) => v === 0);
}

/**
 * Decodes `stored` (LZ4 block, or raw when its length equals rawLength) into dst[0, rawLength).
 * Returns false when the block does not decode to exactly rawLength bytes. Uses our own decoder
 * (lz4-decode.ts), which never reads or writes outside the given ranges.
 */
export function lz4Decode(stored: Uint8Array, rawLength: number, dst: Uint8Array): boolean {
  if (rawLength > dst.length) return false;
  if (stored.length === rawLength) {
    dst.set(stored);
    return true;
  }
  if (stored.length > rawLength) return false;
  return lz4DecodeBlock(stored, 0, stored.length, dst, 0, rawLength) === rawLength;
}
