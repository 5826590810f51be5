/**
 * The binary container of the snapshot (index/snapshot/): a header and tagged blocks, each with its
 * own CRC-32, so damage anywhere is an error, never a silently wrong index.
 *   header  magic u32 | version u32 | block count u32 (`STREAMED`) | CRC-32 of those 12 bytes
 *   block   CRC-32 of the rest and of its byte position | tag u32 | payload byte length u32 | payload
 * The position in each block's CRC makes a moved, copied or swapped block fail like a damaged one.
 * CRC-32 catches every burst of up to 32 bits.
 * Guarantees: `checkStreamBlock` returns a block's payload only when its tag, length, position and
 * CRC all check; otherwise it throws `IndexFormatError` naming the object, block and problem.
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
