/**
 * The binary container of the index's persistent forms (NameTable, SymbolIndex, IdentifierFilter):
 * a header and typed blocks, each with its own CRC-32, so damage anywhere is an error, never a
 * silently wrong index.
 *   header  magic u32 | version u32 | block count u32 | CRC-32 of those 12 bytes
 *   block   CRC-32 of the rest | tag u32 | payload byte length u32 | payload
 * A payload is a whole typed array copied in one piece, or a few u32 scalars. Blocks are read in
 * order, each checked for tag, element size and CRC (covering tag and length too); the bytes must end
 * after the last block. CRC-32 catches every burst of up to 32 bits.
 * Streamed form (index/snapshot/): block count `STREAMED`, and each block's CRC also covers its byte
 * position, so a moved, copied or swapped block fails like a damaged one.
 * Guarantees: `BlockReader` returns exactly the arrays `BlockWriter` was given, as fresh aligned
 * copies, or throws `IndexFormatError` naming the object, block and problem.
 * Synchronous; no shared state.
 */
import { crc32 } from '../cache/common/crc32.js';

/** The persistent form is damaged, truncated, of another kind or of another format version. */
export class IndexFormatError extends Error {
  override name = 'IndexFormatError';
}

/** A 4-character ASCII tag as the u32 it is stored as (little-endian, so it reads as text in a dump). */
export function tagOf(text: string): number {
  if (text.length !== 4) throw new RangeError(`tag ${text} is not 4 characters`);
  return (text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16)
    | (text.charCodeAt(3) << 24)) >>> 0;
}

function tagText(tag: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = (tag >>> (8 * i)) & 0xff;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const HEADER_BYTES = 16;
export const BLOCK_HEADER_BYTES = 12;
/** Block count of a streamed container's header. */
export const STREAMED = 0xffffffff;

/** The container header: magic | version | block count | CRC-32 of those 12 bytes. */
export function containerHeader(magic: number, version: number, blocks: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, true);
  view.setUint32(4, version, true);
  view.setUint32(8, blocks, true);
  view.setUint32(12, crc32(out.subarray(0, 12)), true);
  return out;
}

/** Checks a container header (the first 16 bytes of `bytes`); returns its block count. */
export function checkContainerHeader(bytes: Uint8Array, magic: number, version: number, what: string): number {
  if (bytes.byteLength < HEADER_BYTES)
    throw new IndexFormatError(`${what}: truncated: ${bytes.byteLength} bytes, no header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(12, true) !== crc32(bytes.subarray(0, 12)))
    throw new IndexFormatError(`${what}: header CRC mismatch (damaged data)`);
  if (view.getUint32(0, true) !== magic)
    throw new IndexFormatError(`${what}: not a ${what} (magic ${tagText(view.getUint32(0, true))})`);
  const v = view.getUint32(4, true);
  if (v !== version) throw new IndexFormatError(`${what}: format version ${v}, this build reads version ${version}`);
  return view.getUint32(8, true);
}

/** CRC-32 of a file position as u64 LE: the seed of a streamed block's CRC. */
function positionSeed(position: number): number {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`block position ${position}`);
  const b = new Uint8Array(8);
  const view = new DataView(b.buffer);
  view.setUint32(0, position >>> 0, true);
  view.setUint32(4, Math.floor(position / 2 ** 32), true);
  return crc32(b);
}

/** The 12-byte header of a streamed block holding `payload` that will stand at byte `position`. */
export function streamBlockHeader(tag: string, payload: Uint8Array, position: number): Uint8Array {
  const out = new Uint8Array(BLOCK_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(4, tagOf(tag), true);
  view.setUint32(8, payload.byteLength, true);
  view.setUint32(0, crc32(payload, crc32(out.subarray(4), positionSeed(position))), true);
  return out;
}

/** The payload length a streamed block header announces (to know how much to read; unchecked). */
export function streamBlockLength(header: Uint8Array): number {
  return new DataView(header.buffer, header.byteOffset, BLOCK_HEADER_BYTES).getUint32(8, true);
}

/**
 * Checks a whole streamed block (header + payload) read from byte `position`: CRC, tag, and that
 * the length fills `block` exactly. Returns the payload (a view of `block`) or throws IndexFormatError.
 */
export function checkStreamBlock(block: Uint8Array, position: number, tag: string, what: string): Uint8Array {
  if (block.byteLength < BLOCK_HEADER_BYTES) throw new IndexFormatError(`${what}: block at ${position} truncated`);
  const view = new DataView(block.buffer, block.byteOffset, BLOCK_HEADER_BYTES);
  const length = view.getUint32(8, true);
  if (length !== block.byteLength - BLOCK_HEADER_BYTES)
    throw new IndexFormatError(`${what}: block at ${position} has length ${length}, `
      + `expected ${block.byteLength - BLOCK_HEADER_BYTES} (damaged or truncated data)`);
  const found = view.getUint32(4, true);
  if (crc32(block.subarray(4), positionSeed(position)) !== view.getUint32(0, true))
    throw new IndexFormatError(`${what}: block '${tagText(found)}' at ${position} CRC mismatch (damaged data)`);
  if (found !== tagOf(tag))
    throw new IndexFormatError(`${what}: block at ${position} is '${tagText(found)}', expected '${tag}'`);
  return block.subarray(BLOCK_HEADER_BYTES);
}

type Elements = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** Little-endian bytes of `a` (a view of it on a little-endian host: no copy until the final one). */
function leBytes(a: Elements): Uint8Array {
  if (LITTLE_ENDIAN_HOST || a.BYTES_PER_ELEMENT === 1) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a.BYTES_PER_ELEMENT === 2) view.setUint16(2 * i, a[i]!, true);
    else view.setUint32(4 * i, a[i]! >>> 0, true);
  }
  return out;
}

export class BlockWriter {
  private readonly parts: { tag: number; bytes: Uint8Array }[] = [];

  constructor(private readonly magic: number, private readonly version: number) {}

  /** Appends a block holding the elements of `a` (only the view's range). */
  array(tag: string, a: Elements): this {
    this.parts.push({ tag: tagOf(tag), bytes: leBytes(a) });
    return this;
  }

  /** Appends a block of u32 scalars. */
  scalars(tag: string, values: readonly number[]): this {
    const a = new Uint32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`scalar ${v} of ${tag} is not a u32`);
      a[i] = v;
    }
    return this.array(tag, a);
  }

  /** The whole container: header, then every block with its CRC. */
  finish(): Uint8Array {
    let total = HEADER_BYTES;
    for (const p of this.parts) total += BLOCK_HEADER_BYTES + p.bytes.byteLength;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    out.set(containerHeader(this.magic, this.version, this.parts.length));
    let at = HEADER_BYTES;
    for (const p of this.parts) {
      view.setUint32(at + 4, p.tag, true);
      view.setUint32(at + 8, p.bytes.byteLength, true);
      out.set(p.bytes, at + BLOCK_HEADER_BYTES);
      const end = at + BLOCK_HEADER_BYTES + p.bytes.byteLength;
      view.setUint32(at, crc32(out.subarray(at + 4, end)), true);
      at = end;
    }
    return out;
  }
}

export class BlockReader {
  private readonly view: DataView;
  private at = HEADER_BYTES;
  private readonly blocks: number;
  private read = 0;

  /** Checks the header; `what` names the object in error messages. */
  constructor(private readonly bytes: Uint8Array, magic: number, version: number, private readonly what: string) {
    if (!(bytes instanceof Uint8Array)) throw new IndexFormatError(`${what}: expected a Uint8Array`);
    this.blocks = checkContainerHeader(bytes, magic, version, what);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(tag: string): Uint8Array<ArrayBuffer> { return new Uint8Array(this.next(tag, 1)); }
  u16(tag: string): Uint16Array<ArrayBuffer> {
    return this.typed(tag, 2, (b) => new Uint16Array(b), (v, i) => v.getUint16(i, true));
  }
  u32(tag: string): Uint32Array<ArrayBuffer> {
    return this.typed(tag, 4, (b) => new Uint32Array(b), (v, i) => v.getUint32(i, true));
  }
  i32(tag: string): Int32Array<ArrayBuffer> {
    return this.typed(tag, 4, (b) => new Int32Array(b), (v, i) => v.getInt32(i, true));
  }

  /** A block of exactly `count` u32 scalars, as numbers. */
  scalars(tag: string, count: number): number[] {
    const a = this.u32(tag);
    if (a.length !== count) throw this.fail(`block '${tag}' holds ${a.length} values, expected ${count}`);
    return Array.from(a);
  }

  /** Checks that every block was read and nothing follows the last one. */
  end(): void {
    if (this.read !== this.blocks) throw this.fail(`${this.blocks} blocks, ${this.read} expected`);
    if (this.at !== this.bytes.byteLength)
      throw this.fail(`${this.bytes.byteLength - this.at} bytes after the last block`);
  }

  /** An error about this object (for the callers' own consistency checks). */
  fail(problem: string): IndexFormatError {
    return new IndexFormatError(`${this.what}: ${problem}`);
  }

  private typed<T extends Uint16Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(
    tag: string, size: number, make: (b: ArrayBuffer) => T, get: (v: DataView, i: number) => number,
  ): T {
    const raw = this.next(tag, size);
    if (LITTLE_ENDIAN_HOST) return make(raw);
    const v = new DataView(raw);
    const out = make(new ArrayBuffer(raw.byteLength));
    for (let i = 0; i < out.length; i++) out[i] = get(v, i * size);
    return out;
  }

  /** The payload of the next block, checked, as a fresh (aligned) ArrayBuffer. */
  private next(tag: string, elementSize: number): ArrayBuffer {
    const index = this.read;
    if (index >= this.blocks) throw this.fail(`block '${tag}' missing (${this.blocks} blocks)`);
    if (this.bytes.byteLength - this.at < BLOCK_HEADER_BYTES) throw this.fail(`truncated at block ${index} '${tag}'`);
    const stored = this.view.getUint32(this.at, true);
    const found = this.view.getUint32(this.at + 4, true);
    const length = this.view.getUint32(this.at + 8, true);
    const end = this.at + BLOCK_HEADER_BYTES + length;
    if (end > this.bytes.byteLength)
      throw this.fail(`block ${index} '${tag}' runs past the end (damaged or truncated data)`);
    if (crc32(this.bytes.subarray(this.at + 4, end)) !== stored)
      throw this.fail(`block ${index} '${tagText(found)}' CRC mismatch (damaged data)`);
    if (found !== tagOf(tag)) throw this.fail(`block ${index} is '${tagText(found)}', expected '${tag}'`);
    if (length % elementSize !== 0)
      throw this.fail(`block ${index} '${tag}' length ${length} is not a multiple of ${elementSize}`);
    const payload = this.bytes.slice(this.at + BLOCK_HEADER_BYTES, end);
    this.at = end;
    this.read++;
    return payload.buffer;
  }
}
