/**
 * CRC-32 (IEEE 802.3 polynomial) of raw bytes, as an unsigned 32-bit number.
 *
 * The CRC is the cache's integrity check, never its identity: every chunk, journal record and whole
 * text carries one, compared before any byte leaves the cache.
 * Node's native `zlib.crc32` (Node ≥ 20.15) is used when present, because it computes the same CRC
 * as the `crc-32` package, faster; the package is the portable fallback, and a test pins both to the
 * same values. Results are unsigned so every stored CRC and comparison uses one representation.
 * Pure function.
 */
import zlib from 'node:zlib';
import CRC32 from 'crc-32';

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native: NativeCrc | undefined = (zlib as unknown as { crc32?: NativeCrc }).crc32;

export function crc32Portable(bytes: Uint8Array, seed?: number): number {
  return CRC32.buf(bytes, seed === undefined ? undefined : seed | 0) >>> 0;
}

/** CRC-32 of `bytes`; `seed` continues a CRC over bytes that preceded them. */
export const crc32: (bytes: Uint8Array, seed?: number) => number = native
  ? (bytes, seed) => native(bytes, seed === undefined ? 0 : seed >>> 0) >>> 0
  : crc32Portable;
