/**
 * Delta encoder: an LZ4 raw block of `target` encoded with `base` as history, i.e. the block a
 * standard LZ4 decoder turns into `target` when the output window starts right after a copy of
 * `base` (lz4-decode.ts: `histStart` = start of the base, `dStart` = end of it). Matches may point
 * into the base or into the target already written; offsets stay ≤ 65535 as the format requires.
 *
 * Why our own encoder: lz4js has no history (dictionary) mode. This one is a plain greedy LZ4
 * parser (4-byte hash, one candidate per bucket, forward and backward extension) that first
 * indexes every position of the base, so a chunk that differs from its base in a few places
 * becomes a handful of long matches plus the changed bytes as literals. It honours LZ4's end rules
 * (the last 5 bytes are literals; no match starts within 12 bytes of the end) so the block is a
 * valid LZ4 block, not only one our decoder accepts.
 *
 * The hash table is never cleared: entries are stored as position + epoch, and only entries at or
 * above the current call's epoch count (a stale entry from an earlier call can never be used).
 */

const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
const MIN_MATCH = 4;
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;

const table = new Uint32Array(1 << HASH_BITS);
let epoch = 1;
let work = new Uint8Array(0);
let workView = new DataView(work.buffer);
let out = new Uint8Array(0);

const hash = (v: number): number => Math.imul(v, 0x9e3779b1) >>> HASH_SHIFT;

/**
 * The LZ4 block of `target` with `base` as history; a view valid until the next call. Decode with
 * lz4DecodeBlock(block, 0, n, buf, base.length, base.length + target.length, 0) where buf starts
 * with the base's bytes.
 */
export function lz4EncodeDelta(base: Uint8Array, target: Uint8Array): Uint8Array {
  const B = base.length;
  const T = target.length;
  const N = B + T;
  if (work.length < N + 8) {
    work = new Uint8Array(Math.max(N + 8, work.length * 2));
    workView = new DataView(work.buffer);
  }
  work.set(base, 0);
  work.set(target, B);
  const bound = T + Math.ceil(T / 255) + 16;
  if (out.length < bound) out = new Uint8Array(bound * 2);
  if (epoch + N + 1 >= 0xfffffff0) {
    table.fill(0);
    epoch = 1;
  }
  const e0 = epoch;
  epoch += N + 1;
  const w = work;
  const wv = workView;
  // Index the base (positions whose 4 bytes lie inside it).
  for (let i = Math.max(0, B - MAX_OFFSET); i + MIN_MATCH <= B; i++) table[hash(wv.getUint32(i, true))] = e0 + i;

  let o = 0;
  let anchor = B;
  const matchLimit = N - LAST_LITERALS;
  const lastStart = N - MF_LIMIT;
  let p = B;
  let misses = 0;
  while (p <= lastStart) {
    const v = wv.getUint32(p, true);
    const h = hash(v);
    const c = table[h] - e0;
    table[h] = e0 + p;
    if (c < 0 || c >= p || p - c > MAX_OFFSET || wv.getUint32(c, true) !== v) {
      p += 1 + (misses++ >> 5);
      continue;
    }
    misses = 0;
    // Extend backwards over pending literals, then forwards.
    let s = p;
    let m = c;
    while (s > anchor && m > 0 && w[s - 1] === w[m - 1]) {
      s--;
      m--;
    }
    let e = p + MIN_MATCH;
    let me = c + MIN_MATCH;
    while (e < matchLimit && w[e] === w[me]) {
      e++;
      me++;
    }
    // Sequence: literals [anchor, s), match of e - s bytes at offset s - m.
    const lit = s - anchor;
    const ml = e - s - MIN_MATCH;
    const tokenAt = o++;
    let token = 0;
    if (lit >= 15) {
      token = 15 << 4;
      let r = lit - 15;
      while (r >= 255) {
        out[o++] = 255;
        r -= 255;
      }
      out[o++] = r;
    } else token = lit << 4;
    out.set(w.subarray(anchor, s), o);
    o += lit;
    const off = s - m;
    out[o++] = off & 0xff;
    out[o++] = off >>> 8;
    if (ml >= 15) {
      token |= 15;
      let r = ml - 15;
      while (r >= 255) {
        out[o++] = 255;
        r -= 255;
      }
      out[o++] = r;
    } else token |= ml;
    out[tokenAt] = token;
    anchor = e;
    p = e;
    // Index a position inside the match, so the next sequence can continue near it.
    if (e - 2 > B && e + 2 <= N) table[hash(wv.getUint32(e - 2, true))] = e0 + e - 2;
  }
  // Last literals.
  const lit = N - anchor;
  if (lit >= 15) {
    out[o++] = 15 << 4;
    let r = lit - 15;
    while (r >= 255) {
      out[o++] = 255;
      r -= 255;
    }
    out[o++] = r;
  } else out[o++] = lit << 4;
  out.set(w.subarray(anchor, N), o);
  o += lit;
  return out.subarray(0, o);
}
