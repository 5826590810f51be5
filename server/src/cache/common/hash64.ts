/**
 * 64-bit content hash that names a chunk: two independent 32-bit lanes over the same words.
 *
 * 64 bits, because a 32-bit id would collide often at workspace scale, while 64 bits make a collision
 * negligible (n²/2⁶⁵ for n chunks); even then no wrong bytes could leak, as every read also checks the
 * whole text's length and CRC-32. Two multiply-rotate lanes, because pure JS has fast 32-bit
 * multiplies (Math.imul) but no fast 64-bit ones. The length is mixed into both lanes, so
 * equal-prefix chunks of different lengths never share an id.
 * Not cryptographic: ids deduplicate trusted content. Pure function; reuses `out`.
 */

/** A chunk id: [high lane, low lane], both unsigned 32-bit. */
export interface Hash64 {
  hi: number;
  lo: number;
}

/** MurmurHash3's 32-bit finalizer (also stringHash.ts's). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Bytes are copied into an aligned scratch so the loop reads whole 32-bit words (little-endian,
// as every supported platform is); a copy is far cheaper than assembling words byte by byte.
let scratch32 = new Uint32Array(16384 + 2);
let scratch8 = new Uint8Array(scratch32.buffer);

/** Hashes bytes[start, end) into `out` (reused to avoid an allocation per chunk). */
export function hash64(bytes: Uint8Array, start: number, end: number, out: Hash64): Hash64 {
  const n = end - start;
  const padded = (n + 7) & ~7;
  if (padded > scratch8.length) {
    scratch32 = new Uint32Array(padded >>> 2);
    scratch8 = new Uint8Array(scratch32.buffer);
  }
  const s32 = scratch32;
  scratch8.set(bytes.subarray(start, end));
  scratch8.fill(0, n, padded);
  // Each lane absorbs both words of every 8-byte block, one through its multiply and one by xor,
  // with different rotations and multipliers; a difference must cancel in both lanes at once.
  let a = 0x9747b28c ^ n;
  let b = 0x2545f491 ^ Math.imul(n, 0x9e3779b1);
  const words = padded >>> 2;
  for (let j = 0; j < words; j += 2) {
    const w = s32[j];
    const v = s32[j + 1];
    a = Math.imul(((a << 5) | (a >>> 27)) ^ w, 0x9e3779b1) ^ v;
    b = Math.imul(((b << 11) | (b >>> 21)) + v, 0x85ebca77) ^ w;
  }
  a = fmix32(a ^ n);
  b = fmix32(b ^ Math.imul(n, 0x27d4eb2f));
  // Cross-mixing after finalisation makes both output words depend on both lanes.
  out.hi = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  out.lo = fmix32((b + a) | 0);
  return out;
}
