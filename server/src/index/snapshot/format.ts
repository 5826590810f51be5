/**
 * The layout of one snapshot file — a store's base or one of its deltas (store.ts) — shared by
 * writer and reader.
 *
 *   header   16 bytes: binaryBlocks' container header, magic 'STRS', SNAPSHOT_FORMAT_VERSION,
 *            block count STREAMED
 *   HEAD     root path, chunking parameters, pack size, creation time, and the file's place in its
 *            store: serial, kind (base or delta), nonce — what the manifest names it by
 *   PACK*    u32 chunk count | u32 first chunk ordinal | u32 raw length |
 *            per chunk: id (hash64 hi, lo), CRC-32, length (u32 each) | Zstandard frame of the chunks
 *   FILE*    u32 record count | u32 raw length | Zstandard frame of records (records.ts)
 *   GONE*    u32 key count | u32 raw length | Zstandard frame of keys (strings): files removed since
 *            the older files of the store (a delta's tombstones)
 *   END      counts, then the offset, length and first ordinal / record or key count of every PACK,
 *            FILE and GONE block (so one damaged block never hides the others)
 *   trailer  16 bytes: magic 'SEND' | END offset (u64 as two u32) | CRC-32 of those 12 bytes
 * PACK, FILE and GONE blocks interleave in the order the writer filled them. Every block is a
 * streamed binaryBlocks block: its CRC covers its position, tag, length and payload. Chunk ordinals
 * number the file's unique chunks in the order they were written; a record names its text's chunks
 * by ordinal (of its own file: files share no chunks), and a PACK holds a consecutive run of them.
 * Constants and layout only.
 */
import { tagOf } from '../binaryBlocks.js';
import { crc32, type ChunkingOptions } from '../../cache/index.js';
import { ByteSink, ByteSource } from './bytes.js';

export const SNAPSHOT_MAGIC = tagOf('STRS');
const TRAILER_MAGIC = tagOf('SEND');
export const TRAILER_BYTES = 16;
export const TAG_HEAD = 'HEAD';
export const TAG_PACK = 'PACK';
export const TAG_FILES = 'FILE';
export const TAG_GONE = 'GONE';
export const TAG_END = 'END ';
export const PACK_HEADER_BYTES = 12;
export const PACK_ENTRY_BYTES = 16;
export const FILES_HEADER_BYTES = 8;
/** A GONE block's header: key count, raw length (as FILE's). */
export const GONE_HEADER_BYTES = 8;

/** A base holds the whole state of its time; a delta what changed since the files before it. */
export type SnapshotKind = 'base' | 'delta';
const KIND_CODES: readonly SnapshotKind[] = ['base', 'delta'];

export interface HeadInfo {
  root: string;
  chunking: ChunkingOptions;
  /** Raw bytes of unique chunks at which the writer closes a pack. */
  packBytes: number;
  createdMs: number;
  /** The file's place in its store (manifest.ts); 0, 'base', 0 for a file written alone. */
  serial: number;
  kind: SnapshotKind;
  /** Random, so two writers of one serial never make the same file. */
  nonce: number;
}

export function encodeHead(h: HeadInfo): Uint8Array {
  const s = new ByteSink(256);
  s.str(h.root);
  s.uvar(h.chunking.minSize);
  s.uvar(h.chunking.avgSize);
  s.uvar(h.chunking.maxSize);
  s.uvar(h.packBytes);
  s.f64(h.createdMs);
  s.uvar(h.serial);
  s.u8(KIND_CODES.indexOf(h.kind));
  s.u32(h.nonce);
  return s.written().slice();
}

export function decodeHead(payload: Uint8Array): HeadInfo {
  const s = new ByteSource(payload);
  const h: HeadInfo = {
    root: s.str(),
    chunking: { minSize: s.uvar(), avgSize: s.uvar(), maxSize: s.uvar() },
    packBytes: s.uvar(),
    createdMs: s.f64(),
    serial: s.uvar(),
    kind: 'base',
    nonce: 0,
  };
  const kind = KIND_CODES[s.u8()];
  if (kind === undefined) throw new RangeError('unknown snapshot kind in HEAD');
  h.kind = kind;
  h.nonce = s.u32();
  if (s.remaining !== 0) throw new RangeError(`${s.remaining} bytes after the HEAD fields`);
  return h;
}

/** Where the blocks are (columns, one row per block, in file order). */
export interface EndInfo {
  files: number;
  chunks: number;
  /** Sum of all texts' lengths, and of the unique chunks' lengths. */
  textBytes: number;
  uniqueBytes: number;
  packOffset: Float64Array;
  packLength: Uint32Array;
  packFirst: Uint32Array;
  packCount: Uint32Array;
  filesOffset: Float64Array;
  filesLength: Uint32Array;
  filesCount: Uint32Array;
  /** Keys in GONE blocks (removals). */
  removed: number;
  goneOffset: Float64Array;
  goneLength: Uint32Array;
  goneCount: Uint32Array;
}

export function encodeEnd(e: EndInfo): Uint8Array {
  const s = new ByteSink(64 + 24 * (e.packOffset.length + e.filesOffset.length + e.goneOffset.length));
  s.uvar(e.files);
  s.uvar(e.chunks);
  s.uvar(e.textBytes);
  s.uvar(e.uniqueBytes);
  s.uvar(e.packOffset.length);
  for (let i = 0; i < e.packOffset.length; i++) {
    s.uvar(e.packOffset[i]!);
    s.uvar(e.packLength[i]!);
    s.uvar(e.packFirst[i]!);
    s.uvar(e.packCount[i]!);
  }
  s.uvar(e.filesOffset.length);
  for (let i = 0; i < e.filesOffset.length; i++) {
    s.uvar(e.filesOffset[i]!);
    s.uvar(e.filesLength[i]!);
    s.uvar(e.filesCount[i]!);
  }
  s.uvar(e.removed);
  s.uvar(e.goneOffset.length);
  for (let i = 0; i < e.goneOffset.length; i++) {
    s.uvar(e.goneOffset[i]!);
    s.uvar(e.goneLength[i]!);
    s.uvar(e.goneCount[i]!);
  }
  return s.written().slice();
}

/** Decodes END and checks it against itself and the file: throws RangeError when inconsistent. */
export function decodeEnd(payload: Uint8Array, dataStart: number, dataEnd: number): EndInfo {
  const s = new ByteSource(payload);
  const files = s.uvar();
  const chunks = s.uvar();
  const textBytes = s.uvar();
  const uniqueBytes = s.uvar();
  const packs = s.uvar();
  if (packs > s.remaining) throw new RangeError(`${packs} packs in ${s.remaining} bytes`);
  const e: EndInfo = {
    files, chunks, textBytes, uniqueBytes,
    packOffset: new Float64Array(packs), packLength: new Uint32Array(packs),
    packFirst: new Uint32Array(packs), packCount: new Uint32Array(packs),
    filesOffset: new Float64Array(0), filesLength: new Uint32Array(0), filesCount: new Uint32Array(0),
    removed: 0, goneOffset: new Float64Array(0), goneLength: new Uint32Array(0), goneCount: new Uint32Array(0),
  };
  let previousEnd = dataStart;
  let nextFirst = 0;
  for (let i = 0; i < packs; i++) {
    e.packOffset[i] = s.uvar();
    e.packLength[i] = s.uvar();
    e.packFirst[i] = s.uvar();
    e.packCount[i] = s.uvar();
    if (e.packFirst[i] !== nextFirst || e.packCount[i] === 0)
      throw new RangeError(`pack ${i} holds chunks ${e.packFirst[i]}+${e.packCount[i]}, expected from ${nextFirst}`);
    nextFirst += e.packCount[i]!;
  }
  if (nextFirst !== chunks) throw new RangeError(`packs hold ${nextFirst} chunks, END says ${chunks}`);
  const fileBlocks = s.uvar();
  if (fileBlocks > s.remaining) throw new RangeError(`${fileBlocks} FILE blocks in ${s.remaining} bytes`);
  e.filesOffset = new Float64Array(fileBlocks);
  e.filesLength = new Uint32Array(fileBlocks);
  e.filesCount = new Uint32Array(fileBlocks);
  let records = 0;
  for (let i = 0; i < fileBlocks; i++) {
    e.filesOffset[i] = s.uvar();
    e.filesLength[i] = s.uvar();
    e.filesCount[i] = s.uvar();
    records += e.filesCount[i]!;
  }
  if (records !== files) throw new RangeError(`FILE blocks hold ${records} records, END says ${files}`);
  e.removed = s.uvar();
  const goneBlocks = s.uvar();
  if (goneBlocks > s.remaining) throw new RangeError(`${goneBlocks} GONE blocks in ${s.remaining} bytes`);
  e.goneOffset = new Float64Array(goneBlocks);
  e.goneLength = new Uint32Array(goneBlocks);
  e.goneCount = new Uint32Array(goneBlocks);
  let keys = 0;
  for (let i = 0; i < goneBlocks; i++) {
    e.goneOffset[i] = s.uvar();
    e.goneLength[i] = s.uvar();
    e.goneCount[i] = s.uvar();
    keys += e.goneCount[i]!;
  }
  if (keys !== e.removed) throw new RangeError(`GONE blocks hold ${keys} keys, END says ${e.removed}`);
  if (s.remaining !== 0) throw new RangeError(`${s.remaining} bytes after the END fields`);
  // Blocks lie in file order, inside [dataStart, dataEnd), without overlapping.
  const all: [number, number][] = [];
  for (let i = 0; i < packs; i++) all.push([e.packOffset[i]!, e.packLength[i]!]);
  for (let i = 0; i < fileBlocks; i++) all.push([e.filesOffset[i]!, e.filesLength[i]!]);
  for (let i = 0; i < goneBlocks; i++) all.push([e.goneOffset[i]!, e.goneLength[i]!]);
  all.sort((a, b) => a[0] - b[0]);
  for (const [offset, length] of all) {
    if (offset < previousEnd || offset + length > dataEnd)
      throw new RangeError(`block at ${offset} (+${length}) outside [${previousEnd}, ${dataEnd})`);
    previousEnd = offset + length;
  }
  return e;
}

export function encodeTrailer(endOffset: number): Uint8Array {
  const out = new Uint8Array(TRAILER_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, TRAILER_MAGIC, true);
  v.setUint32(4, endOffset >>> 0, true);
  v.setUint32(8, Math.floor(endOffset / 2 ** 32), true);
  v.setUint32(12, crc32(out.subarray(0, 12)), true);
  return out;
}

/** The END block's offset, or undefined when the trailer is damaged or missing. */
export function decodeTrailer(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength !== TRAILER_BYTES) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, TRAILER_BYTES);
  if (v.getUint32(0, true) !== TRAILER_MAGIC || v.getUint32(12, true) !== crc32(bytes.subarray(0, 12)))
    return undefined;
  return v.getUint32(4, true) + v.getUint32(8, true) * 2 ** 32;
}
