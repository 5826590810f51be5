/**
 * The index's string hash (its name table's): a seeded 32-bit MurmurHash3-style hash over UTF-16
 * code units, so a name stored in the name table's Uint16Array needs no encoding step to be hashed.
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

/** Hash of `length` code units of `units` from `start`. */
export function hashUnits(units: Uint8Array | Uint16Array, start: number, length: number, seed = 0): number {
  let h = seed | 0;
  const end = start + length;
  for (let i = start; i < end; i++) h = mixUnit(h, units[i]!);
  return finish(h, length);
}
