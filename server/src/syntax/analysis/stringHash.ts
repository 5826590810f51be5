/**
 * Strata's one string hash (the name filters of files, the index's name table): a seeded 32-bit
 * MurmurHash3-style hash over UTF-16 code units. It lives here because parser workers build the
 * name filters (nameFilter.ts) and the index must hash the same way.
 *
 * Design: hashing code units (not UTF-8 bytes) needs no encoding step, so hashing a JS string and
 * hashing the same name stored in the name table's Uint16Array give the same value. Different seeds
 * give practically independent hashes, which the Bloom filter's double hashing relies on.
 * Guarantees: deterministic across runs and threads (values may be persisted); always an unsigned
 * 32-bit integer. Not cryptographic.
 */
import { fmix32 } from '../../cache/index.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixUnit(h: number, unit: number): number {
  let k = Math.imul(unit, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, length: number): number {
  return fmix32(h ^ length);
}

/** Hash of a JS string's UTF-16 code units. */
export function hashString(s: string, seed = 0): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = mixUnit(h, s.charCodeAt(i));
  return finish(h, s.length);
}

/** Hash of `length` code units of `units` from `start`; equals `hashString` of the same text. */
export function hashUnits(units: Uint16Array, start: number, length: number, seed = 0): number {
  let h = seed | 0;
  const end = start + length;
  for (let i = start; i < end; i++) h = mixUnit(h, units[i]!);
  return finish(h, length);
}
