/**
 * Delta encoder: an LZ4 raw block of `target` with `base` as history, i.e. the block a standard LZ4
 * decoder turns into `target` when the output starts right after a copy of `base` (lz4-decode.ts:
 * `histStart` = start of the base). Offsets stay ≤ 65535 and LZ4's end rules hold, so it is a valid
 * LZ4 block, not only one our decoder accepts.
 *
 * Our own, because lz4js has no history mode. It hash-chains the base's positions, tries the previous
 * match's offset (an edited chunk stays aligned with its base) and up to CHAIN_DEPTH candidates, and
 * matches lazily, so a lightly edited chunk becomes a few long matches plus literals.
 * Deterministic: the same base and target always give the same block, because the chunk store
 * re-creates a delta's block from its raw bytes. Synchronous; module-level scratch, one thread.
 */

const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
const MIN_MATCH = 4;
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;
/** Candidates tried per position along a hash chain (deeper chains gain little: docs/decisions.md). */
const CHAIN_DEPTH = 16;

const head = new Int32Array(1 << HASH_BITS);
let prev = new Int32Array(0);
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
    prev = new Int32Array(work.length);
  }
  work.set(base, 0);
  work.set(target, B);
  const bound = T + Math.ceil(T / 255) + 16;
  if (out.length < bound) out = new Uint8Array(bound * 2);
  head.fill(-1);
  const w = work;
  const wv = workView;
  const matchLimit = N - LAST_LITERALS;
  const lastStart = N - MF_LIMIT;
  const insert = (i: number): void => {
    const h = hash(wv.getUint32(i, true));
    prev[i] = head[h];
    head[h] = i;
  };
  // Index the base (positions whose 4 bytes lie inside it and within reach of an offset).
  for (let i = Math.max(0, B - MAX_OFFSET); i + MIN_MATCH <= B; i++) insert(i);

  // The longest match for position p (ties: the first found): its source in bestPos, its length
  // counted from where backward extension (not below `anchor`) starts, in bestLen.
  let bestLen = 0;
  let bestPos = -1;
  let rep = 0;
  const find = (p: number, anchor: number): void => {
    bestLen = 0;
    bestPos = -1;
    const v = wv.getUint32(p, true);
    const consider = (c: number): void => {
      if (c < 0 || c >= p || p - c > MAX_OFFSET || wv.getUint32(c, true) !== v) return;
      let e = p + MIN_MATCH;
      let me = c + MIN_MATCH;
      while (e < matchLimit && w[e] === w[me]) {
        e++;
        me++;
      }
      let s = p;
      let m = c;
      while (s > anchor && m > 0 && w[s - 1] === w[m - 1]) {
        s--;
        m--;
      }
      if (e - s > bestLen) {
        bestLen = e - s;
        bestPos = c;
      }
    };
    if (rep > 0) consider(p - rep);
    let c = head[hash(v)];
    for (let k = 0; k < CHAIN_DEPTH && c >= 0; k++) {
      consider(c);
      c = prev[c];
    }
  };
  const varLength = (r: number): void => {
    while (r >= 255) {
      out[o++] = 255;
      r -= 255;
    }
    out[o++] = r;
  };

  let o = 0;
  let anchor = B;
  let p = B;
  while (p <= lastStart) {
    find(p, anchor);
    if (bestLen === 0) {
      insert(p);
      p++;
      continue;
    }
    let c = bestPos;
    insert(p);
    if (p + 1 <= lastStart) {
      // Lazy: a match starting one byte later that is longer by 2+ wins (the byte becomes a literal).
      const len0 = bestLen;
      find(p + 1, anchor);
      if (bestLen > len0 + 1) {
        p++;
        c = bestPos;
      }
    }
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
    let token: number;
    if (lit >= 15) {
      token = 15 << 4;
      varLength(lit - 15);
    } else token = lit << 4;
    out.set(w.subarray(anchor, s), o);
    o += lit;
    const off = s - m;
    rep = off;
    out[o++] = off & 0xff;
    out[o++] = off >>> 8;
    if (ml >= 15) {
      token |= 15;
      varLength(ml - 15);
    } else token |= ml;
    out[tokenAt] = token;
    for (let i = p + 1; i < e && i + MIN_MATCH <= N; i++) insert(i);
    anchor = e;
    p = e;
  }
  // Last literals.
  const lit = N - anchor;
  if (lit >= 15) {
    out[o++] = 15 << 4;
    varLength(lit - 15);
  } else out[o++] = lit << 4;
  out.set(w.subarray(anchor, N), o);
  o += lit;
  return out.subarray(0, o);
}
