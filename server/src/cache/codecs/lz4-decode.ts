/**
 * Our own LZ4 raw-block decoder (the warm read path; lz4js is kept for compression), because lz4js
 * decodes a byte at a time into its own buffer: this one decodes straight into the caller's buffer at
 * the chunk's offset, copies long runs natively and allocates nothing per block.
 *
 * Guarantees (never trusts its input): every length, offset and copy is checked against the ends of
 * `src` and of the window [dStart, dEnd) first, so a malformed block returns -1; it never reads or
 * writes outside them and no match reaches before `histStart` (dStart for a standalone block, lower
 * for a delta encoded against history placed before it). The caller checks the end and the CRC.
 * Synchronous; no state.
 */

/** A DataView over all of `a` (for the word copies below). */
export function viewOf(a: Uint8Array): DataView {
  return new DataView(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Decodes the LZ4 block src[sStart, sEnd) into dst starting at dStart, writing no further than
 * dEnd. Returns the index just past the last byte written, or -1 when the block is malformed or
 * would not fit. `sv`/`dv` are DataViews over all of src/dst (pass cached ones to avoid allocating).
 *
 * Copies go 8 bytes at a time through DataViews (faster than the byte loop on real chunks),
 * which may write up to 7 bytes past the end of a copy: only when those bytes are still inside
 * [d, dEnd) (checked), where the following sequences overwrite them; a match copies by words only
 * when its offset is at least the word size, so it reads only bytes already written.
 */
export function lz4DecodeBlock(
  src: Uint8Array, sStart: number, sEnd: number,
  dst: Uint8Array, dStart: number, dEnd: number,
  histStart = dStart, sv: DataView = viewOf(src), dv: DataView = viewOf(dst),
): number {
  if (!(0 <= sStart && sStart <= sEnd && sEnd <= src.length
    && 0 <= histStart && histStart <= dStart && dStart <= dEnd && dEnd <= dst.length)) return -1;
  if (sv.byteLength !== src.length || dv.byteLength !== dst.length) return -1;
  let s = sStart;
  let d = dStart;
  while (s < sEnd) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) return -1;
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (lit > 0) {
      if (lit > sEnd - s || lit > dEnd - d) return -1;
      if (lit >= 64) {
        dst.set(src.subarray(s, s + lit), d);
      } else if (sEnd - s >= lit + 7 && dEnd - d >= lit + 7) {
        for (let k = 0; k < lit; k += 8) {
          dv.setUint32(d + k, sv.getUint32(s + k, true), true);
          dv.setUint32(d + k + 4, sv.getUint32(s + k + 4, true), true);
        }
      } else {
        for (let k = 0; k < lit; k++) dst[d + k] = src[s + k];
      }
      s += lit;
      d += lit;
    }
    if (s >= sEnd) break; // the last sequence has literals only
    if (sEnd - s < 2) return -1;
    const off = src[s] | (src[s + 1] << 8);
    s += 2;
    if (off === 0 || off > d - histStart) return -1;
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (s >= sEnd) return -1;
        b = src[s++];
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (len > dEnd - d) return -1;
    const m = d - off;
    if (len >= 64 && off >= len) {
      dst.copyWithin(d, m, m + len);
    } else if (off >= 8 && dEnd - d >= len + 7) {
      for (let k = 0; k < len; k += 8) {
        dv.setUint32(d + k, dv.getUint32(m + k, true), true);
        dv.setUint32(d + k + 4, dv.getUint32(m + k + 4, true), true);
      }
    } else {
      // Overlapping matches repeat the last `off` bytes: a forward byte copy does exactly that.
      for (let k = 0; k < len; k++) dst[d + k] = dst[m + k];
    }
    d += len;
  }
  return d;
}
