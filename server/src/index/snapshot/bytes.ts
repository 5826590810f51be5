/**
 * Little-endian byte encoding for the snapshot's records: a growable sink and a bounds-checked
 * source. Unsigned integers up to 2⁵³ are LEB128 varints (computed with arithmetic, not 32-bit
 * shifts, so sizes and mtimes above 2³² survive); strings are a varint byte length + UTF-8.
 *
 * Guarantees: `ByteSource` never reads outside its bytes and never returns a value the sink could
 * not have written (non-canonical or over-long varints, invalid UTF-8, non-finite floats): it
 * throws `RecordDecodeError` instead, which the reader turns into damage. The sink's capacity grows
 * by doubling and is released by `reset(keepCapacity)` beyond that bound, so a batch that was once
 * large does not pin its memory.
 * Synchronous; a sink or source belongs to one writer or reader.
 */

import { stringOfUnits } from '../../syntax/utf16Units.js';

export class RecordDecodeError extends Error {
  override name = 'RecordDecodeError';
}

const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class ByteSink {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 4096) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes currently held (the buffer's capacity). */
  get capacity(): number {
    return this.buf.byteLength;
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** An unsigned integer in [0, 2⁵³) as a LEB128 varint. */
  uvar(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${v} is not an unsigned safe integer`);
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  /** A signed integer as a zigzag varint (small magnitudes, either sign, stay short). */
  svar(v: number): void {
    this.uvar(v < 0 ? -2 * v - 1 : 2 * v);
  }

  bytes(b: Uint8Array): void {
    this.room(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** A well-formed string (lone surrogates would not survive UTF-8: RangeError rather than a changed string). */
  str(s: string): void {
    if (LONE_SURROGATE.test(s))
      throw new RangeError(`string ${JSON.stringify(s.slice(0, 40))} is not well-formed UTF-16`);
    // A UTF-16 unit becomes at most 3 UTF-8 bytes: encode straight into the buffer.
    this.room(10 + 3 * s.length);
    const lengthAt = this.length;
    const at = lengthAt + 5;
    const { written } = utf8.encodeInto(s, this.buf.subarray(at));
    // Move the text back behind its real (usually 1-byte) length varint.
    this.uvar(written);
    this.buf.copyWithin(this.length, at, at + written);
    this.length += written;
  }

  /**
   * The string whose UTF-16 code units are `units[start, end)`, written as `str` writes it (the same
   * bytes; the same refusal of a lone surrogate) without making it a string first (packedOutline.ts).
   */
  strUnits(units: Uint16Array, start: number, end: number): void {
    this.room(10 + 3 * (end - start));
    const lengthAt = this.length;
    const buf = this.buf;
    let at = lengthAt + 5;
    for (let i = start; i < end; i++) {
      let c = units[i]!;
      if (c < 0x80) {
        buf[at++] = c;
        continue;
      }
      if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const low = i + 1 < end ? units[i + 1]! : 0;
        if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) {
          throw new RangeError(`string ${JSON.stringify(stringOfUnits(units, start, Math.min(end, start + 40)))} `
            + 'is not well-formed UTF-16');
        }
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
        buf[at++] = 0xf0 | (c >> 18);
        buf[at++] = 0x80 | ((c >> 12) & 0x3f);
        buf[at++] = 0x80 | ((c >> 6) & 0x3f);
        buf[at++] = 0x80 | (c & 0x3f);
        continue;
      }
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 0x3f);
      buf[at++] = 0x80 | (c & 0x3f);
    }
    const written = at - (lengthAt + 5);
    // As in `str`: the text moves back behind its real length varint.
    this.uvar(written);
    this.buf.copyWithin(this.length, lengthAt + 5, lengthAt + 5 + written);
    this.length += written;
  }

  /** Overwrites a u32 written earlier at `at` (a length known only afterwards). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }

  /** A view of the bytes written since `from` (valid until the next write or reset). */
  written(from = 0): Uint8Array {
    return this.buf.subarray(from, this.length);
  }

  /** Drops what was written after `length` (a record that failed half-way). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  /** Empties the sink; a buffer that grew beyond `keepCapacity` is replaced by a small one. */
  reset(keepCapacity: number): void {
    this.length = 0;
    if (this.buf.byteLength > keepCapacity) {
      this.buf = new Uint8Array(Math.min(keepCapacity, 4096));
      this.view = new DataView(this.buf.buffer);
    }
  }
}

export class ByteSource {
  private readonly view: DataView;
  at: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.byteLength) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = start;
  }

  private need(n: number): void {
    if (this.end - this.at < n) throw new RecordDecodeError(`record truncated at byte ${this.at}`);
  }

  get remaining(): number {
    return this.end - this.at;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    if (!Number.isFinite(v)) throw new RecordDecodeError(`non-finite number at byte ${this.at - 8}`);
    return v;
  }

  uvar(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i === 8) throw new RecordDecodeError(`varint too long at byte ${this.at}`);
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new RecordDecodeError(`non-canonical varint at byte ${this.at - 1}`);
        break;
      }
      scale *= 0x80;
    }
    if (!Number.isSafeInteger(v)) throw new RecordDecodeError(`varint out of range at byte ${this.at}`);
    return v;
  }

  svar(): number {
    const z = this.uvar();
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }

  /** A source over the next `n` bytes; this one moves past them. */
  sub(n: number): ByteSource {
    this.need(n);
    const s = new ByteSource(this.bytes, this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** `n` bytes as a fresh copy (it must not keep the whole decompressed block alive). */
  take(n: number): Uint8Array {
    this.need(n);
    // Not bytes.slice: on a Buffer (what the zstd decoder returns) that is a view, not a copy.
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }

  str(): string {
    const n = this.uvar();
    this.need(n);
    let s: string;
    try {
      s = utf8Strict.decode(this.bytes.subarray(this.at, this.at + n));
    } catch {
      throw new RecordDecodeError(`invalid UTF-8 at byte ${this.at}`);
    }
    this.at += n;
    return s;
  }
}
