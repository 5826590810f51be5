/**
 * Reads one snapshot file (format.ts) — a store's base or delta (store.ts) — with positioned reads
 * on one open file descriptor.
 *
 * `open` checks the header, HEAD (root, and the serial, kind, nonce and size the manifest expects),
 * trailer and END (the block directory); damage there is a SnapshotFormatError for the whole file. It
 * touches the file's mtime: its last use for the disk budget (location.ts). `files()` reads FILE
 * blocks one at a time, skipping a block that fails any check whole (reported in `damage`, which the
 * files of one store share), and remembers per key what `readText` and `record` need; `removed()`
 * reads GONE blocks the same way.
 * `readText(key)` reads the packs holding the text's chunks, each checked whole (block CRC, place in
 * the directory, length, every chunk's CRC), keeps a small LRU of decompressed packs
 * (`packCacheSize`), and checks the assembled text's length and CRC against the record. A failure is
 * counted in `damage` and thrown, so no damaged byte is ever returned.
 * Concurrency: `readText` is synchronous, because it serves the source cache's synchronous fallback;
 * zstd must be initialised first (`initZstd()`, awaited by SourceCache and SnapshotWriter factories).
 */
import fs from 'node:fs';
import { crc32, MAX_CHUNK_SIZE, zstdDecompress } from '../../cache/index.js';
import {
  BLOCK_HEADER_BYTES, HEADER_BYTES, IndexFormatError, STREAMED,
  checkContainerHeader, checkStreamBlock, streamBlockLength,
} from '../binaryBlocks.js';
import { ByteSource, RecordDecodeError } from './bytes.js';
import {
  FILES_HEADER_BYTES, GONE_HEADER_BYTES, PACK_ENTRY_BYTES, PACK_HEADER_BYTES, SNAPSHOT_MAGIC,
  TAG_END, TAG_FILES, TAG_GONE, TAG_HEAD, TAG_PACK, TRAILER_BYTES,
  decodeEnd, decodeHead, decodeTrailer,
} from './format.js';
import type { EndInfo, HeadInfo, SnapshotKind } from './format.js';
import { SNAPSHOT_FORMAT_VERSION } from './location.js';
import { decodeRecord } from './records.js';
import type { SnapshotFile } from './records.js';

/** The snapshot (or the part of it being read) is missing, damaged, truncated, or of another kind. */
export class SnapshotFormatError extends Error {
  override name = 'SnapshotFormatError';
}

export interface SnapshotDamage {
  blocks: number;
  /** One line per damaged block found (at most MAX_DAMAGE_MESSAGES are kept). */
  messages: string[];
}

export interface SnapshotReaderOptions {
  /** Decompressed packs kept for readText (default 4). */
  packCacheSize?: number;
  /** Set the file's mtime to now on open: its last use for the disk budget (default true). */
  touch?: boolean;
  /** Where damage is counted: a store's files share one tally (default: the reader's own). */
  damage?: SnapshotDamage;
  /** Put before each damage message (the file's name, in a store). */
  label?: string;
}

/** What `open` checks beyond the format: the root, and the file's identity where a manifest names it. */
export interface SnapshotExpect {
  root: string;
  serial?: number;
  kind?: SnapshotKind;
  nonce?: number;
  /** The file's size. */
  bytes?: number;
}

const MAX_DAMAGE_MESSAGES = 100;

/** Counts one damaged part in `damage` and keeps its message (up to MAX_DAMAGE_MESSAGES). */
export function recordDamage(damage: SnapshotDamage, message: string): void {
  damage.blocks++;
  if (damage.messages.length < MAX_DAMAGE_MESSAGES) damage.messages.push(message);
}
/** HEAD holds a path and a few numbers. */
const MAX_HEAD_BYTES = 1 << 20;
/** Decompressed FILE batches are about 1 MiB; anything near this is not ours. */
const MAX_FILES_RAW = 1 << 30;

/**
 * What `readText` needs per file, as rows of columns (no object or typed array per file: a kernel
 * snapshot has 57,000 files): the text's chunk ordinals (a run of `refs`), its length and CRC, and
 * the FILE block holding its record.
 */
class TextRows {
  private readonly rowOf = new Map<string, number>();
  private refs = new Uint32Array(1024);
  private refsUsed = 0;
  private start: Uint32Array = new Uint32Array(256);
  private count: Uint32Array = new Uint32Array(256);
  private len: Uint32Array = new Uint32Array(256);
  private crcs: Uint32Array = new Uint32Array(256);
  private blocks: Uint32Array = new Uint32Array(256);

  /** Records `key`'s text; a key seen again (a second pass over the blocks) reuses its run when it fits. */
  set(key: string, refs: Uint32Array, length: number, crc: number, block: number): void {
    let row = this.rowOf.get(key);
    if (row === undefined) {
      row = this.rowOf.size;
      if (row === this.start.length) this.grow(row * 2);
      this.rowOf.set(key, row);
      this.count[row] = 0;
    }
    if (refs.length > this.count[row]!) {
      if (this.refsUsed + refs.length > this.refs.length) {
        const bigger = new Uint32Array(Math.max(this.refs.length * 2, this.refsUsed + refs.length));
        bigger.set(this.refs.subarray(0, this.refsUsed));
        this.refs = bigger;
      }
      this.start[row] = this.refsUsed;
      this.refsUsed += refs.length;
    }
    this.refs.set(refs, this.start[row]);
    this.count[row] = refs.length;
    this.len[row] = length;
    this.crcs[row] = crc;
    this.blocks[row] = block;
  }

  /** `key`'s row, or undefined when no record named it. */
  row(key: string): number | undefined {
    return this.rowOf.get(key);
  }

  chunks(row: number): Uint32Array {
    return this.refs.subarray(this.start[row]!, this.start[row]! + this.count[row]!);
  }

  length(row: number): number { return this.len[row]!; }
  crc(row: number): number { return this.crcs[row]!; }
  block(row: number): number { return this.blocks[row]!; }

  private grow(rows: number): void {
    const grown = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(rows);
      b.set(a);
      return b;
    };
    this.start = grown(this.start);
    this.count = grown(this.count);
    this.len = grown(this.len);
    this.crcs = grown(this.crcs);
    this.blocks = grown(this.blocks);
  }
}

interface Pack {
  raw: Uint8Array;
  /** Start of each chunk in `raw`, plus the end. */
  starts: Uint32Array;
}

function readAt(fd: number, position: number, length: number, what: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new SnapshotFormatError(`${what}: truncated at ${position + done}`);
    done += n;
  }
  return out;
}

function formatError(e: unknown): SnapshotFormatError {
  return e instanceof SnapshotFormatError ? e : new SnapshotFormatError((e as Error).message);
}

/** Errors that mean "these bytes are not what was written" (anything else is a programming error). */
function isDamage(e: unknown): boolean {
  return e instanceof SnapshotFormatError || e instanceof IndexFormatError || e instanceof RecordDecodeError;
}

export class SnapshotReader {
  readonly damage: SnapshotDamage;
  private readonly label: string;
  private fd: number | undefined;
  private readonly damaged = new Set<string>();
  private readonly texts = new TextRows();
  private indexed = false;
  private readonly packs = new Map<number, Pack>();
  private readonly packCacheSize: number;

  private constructor(
    readonly path: string, fd: number, readonly head: HeadInfo, readonly end: EndInfo, options: SnapshotReaderOptions,
  ) {
    this.fd = fd;
    this.packCacheSize = Math.max(1, options.packCacheSize ?? 4);
    this.damage = options.damage ?? { blocks: 0, messages: [] };
    this.label = options.label !== undefined ? `${options.label}: ` : '';
  }

  /**
   * Opens and checks the header; throws SnapshotFormatError (missing, truncated, wrong
   * magic/version/root, another serial, kind, nonce or size than expected).
   */
  static open(path: string, expect: SnapshotExpect, options: SnapshotReaderOptions = {}): SnapshotReader {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      throw new SnapshotFormatError(`snapshot ${path}: cannot open (${(e as Error).message})`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      const what = `snapshot ${path}`;
      if (expect.bytes !== undefined && size !== expect.bytes)
        throw new SnapshotFormatError(`${what}: ${size} bytes, its manifest says ${expect.bytes} (damaged, replaced)`);
      if (size < HEADER_BYTES + 2 * BLOCK_HEADER_BYTES + TRAILER_BYTES)
        throw new SnapshotFormatError(`${what}: truncated (${size} bytes)`);
      const blocks = checkContainerHeader(
        readAt(fd, 0, HEADER_BYTES, what), SNAPSHOT_MAGIC, SNAPSHOT_FORMAT_VERSION, 'snapshot',
      );
      if (blocks !== STREAMED) throw new SnapshotFormatError(`${what}: not a streamed snapshot`);
      const headLength = streamBlockLength(readAt(fd, HEADER_BYTES, BLOCK_HEADER_BYTES, what));
      if (headLength > MAX_HEAD_BYTES || HEADER_BYTES + BLOCK_HEADER_BYTES + headLength > size - TRAILER_BYTES)
        throw new SnapshotFormatError(`${what}: HEAD block length ${headLength} (damaged)`);
      const head = decodeHead(
        checkStreamBlock(readAt(fd, HEADER_BYTES, BLOCK_HEADER_BYTES + headLength, what), HEADER_BYTES, TAG_HEAD, what),
      );
      if (head.root !== expect.root)
        throw new SnapshotFormatError(`${what}: snapshot of ${head.root}, expected ${expect.root}`);
      if ((expect.serial !== undefined && head.serial !== expect.serial)
        || (expect.kind !== undefined && head.kind !== expect.kind)
        || (expect.nonce !== undefined && head.nonce !== expect.nonce)) {
        throw new SnapshotFormatError(`${what}: ${head.kind} ${head.serial}/${head.nonce}, its manifest names `
          + `${expect.kind ?? '?'} ${expect.serial ?? '?'}/${expect.nonce ?? '?'} (swapped or replaced)`);
      }
      const dataStart = HEADER_BYTES + BLOCK_HEADER_BYTES + headLength;
      const endOffset = decodeTrailer(readAt(fd, size - TRAILER_BYTES, TRAILER_BYTES, what));
      if (endOffset === undefined)
        throw new SnapshotFormatError(`${what}: trailer damaged or missing (incomplete file)`);
      const endBytes = size - TRAILER_BYTES - endOffset;
      if (endOffset < dataStart || endBytes < BLOCK_HEADER_BYTES)
        throw new SnapshotFormatError(`${what}: END offset ${endOffset} outside the file (damaged or truncated)`);
      const end = decodeEnd(
        checkStreamBlock(readAt(fd, endOffset, endBytes, what), endOffset, TAG_END, what), dataStart, endOffset,
      );
      if (options.touch ?? true) {
        const now = new Date();
        try {
          fs.utimesSync(path, now, now);
        } catch {
          // a read-only cache folder: its age only matters to the disk budget
        }
      }
      return new SnapshotReader(path, fd, head, end, options);
    } catch (e) {
      fs.closeSync(fd);
      throw formatError(e);
    }
  }

  /** Every FILES record that verifies; damaged blocks are skipped and reported in `damage`. */
  *files(): Iterable<SnapshotFile> {
    const e = this.end;
    for (let i = 0; i < e.filesOffset.length; i++) {
      let records: ReturnType<typeof decodeRecord>[];
      try {
        records = this.filesBlock(i);
      } catch (err) {
        if (!isDamage(err)) throw err;
        this.noteDamage(
          `F${i}`, `FILE block ${i} at ${e.filesOffset[i]} (${e.filesCount[i]} files): ${(err as Error).message}`,
        );
        continue;
      }
      for (const r of records) {
        this.texts.set(r.file.key, r.refs, r.file.length, r.file.crc, i);
        yield r.file;
      }
    }
    this.indexed = true;
  }

  /** Every key of the GONE blocks that verify; damaged blocks are skipped and reported in `damage`. */
  *removed(): Iterable<string> {
    const e = this.end;
    for (let i = 0; i < e.goneOffset.length; i++) {
      let keys: string[];
      try {
        keys = this.goneBlock(i);
      } catch (err) {
        if (!isDamage(err)) throw err;
        this.noteDamage(
          `G${i}`, `GONE block ${i} at ${e.goneOffset[i]} (${e.goneCount[i]} keys): ${(err as Error).message}`,
        );
        continue;
      }
      yield* keys;
    }
  }

  /**
   * `key`'s record, read again from its FILE block (undefined when the file holds none, or the block
   * is damaged now: counted).
   */
  record(key: string): SnapshotFile | undefined {
    this.open_();
    if (!this.indexed) for (const _ of this.files()) void _;
    const row = this.texts.row(key);
    if (row === undefined) return undefined;
    const block = this.texts.block(row);
    let records: ReturnType<typeof decodeRecord>[];
    try {
      records = this.filesBlock(block);
    } catch (err) {
      if (!isDamage(err)) throw err;
      const at = this.end.filesOffset[block];
      this.noteDamage(`F${block}`, `FILE block ${block} at ${at}: ${(err as Error).message}`);
      return undefined;
    }
    let found: SnapshotFile | undefined;
    for (const r of records) if (r.file.key === key) found = r.file;
    return found;
  }

  /** The file's text from the packs, each chunk CRC-checked; throws SnapshotFormatError on damage. */
  readText(key: string): Uint8Array {
    this.open_();
    if (!this.indexed) for (const _ of this.files()) void _;
    const row = this.texts.row(key);
    if (row === undefined) throw new Error(`snapshot ${this.path}: no record for ${key}`);
    const refs = this.texts.chunks(row);
    const length = this.texts.length(row);
    const out = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < refs.length; i++) {
      const ordinal = refs[i]!;
      const p = this.packOf(ordinal);
      const pack = this.pack(p);
      const c = ordinal - this.end.packFirst[p]!;
      const from = pack.starts[c]!;
      const to = pack.starts[c + 1]!;
      if (at + (to - from) > length) {
        this.noteDamage(`T${key}`, `${key}: chunks longer than the recorded ${length} bytes`);
        throw new SnapshotFormatError(`snapshot ${this.path}: ${key}: chunks longer than the recorded length`);
      }
      out.set(pack.raw.subarray(from, to), at);
      at += to - from;
    }
    if (at !== length || crc32(out) !== this.texts.crc(row)) {
      this.noteDamage(`T${key}`, `${key}: text length/CRC mismatch`);
      throw new SnapshotFormatError(`snapshot ${this.path}: ${key}: text length/CRC mismatch (damaged)`);
    }
    return out;
  }

  /**
   * Checks every PACK block's CRC (a read of the packs' compressed bytes, no decompression): damage
   * found is counted in `damage` as readText would count it. Returns the number of damaged packs.
   */
  verifyPacks(): number {
    let damaged = 0;
    for (let p = 0; p < this.end.packOffset.length; p++) {
      try {
        this.block(this.end.packOffset[p]!, this.end.packLength[p]!, TAG_PACK);
      } catch (err) {
        if (!isDamage(err)) throw err;
        this.noteDamage(`P${p}`, `PACK block ${p} at ${this.end.packOffset[p]}: ${(err as Error).message}`);
        damaged++;
      }
    }
    return damaged;
  }

  /** Chunk references of `key`'s text (0 for a key `files()` has not yielded). */
  chunkCount(key: string): number {
    const row = this.texts.row(key);
    return row === undefined ? 0 : this.texts.chunks(row).length;
  }

  /** Bytes of the PACK blocks (the stored form of the unique chunks). */
  get packBytes(): number {
    let n = 0;
    for (const length of this.end.packLength) n += length;
    return n;
  }

  /** Idempotent; readText after close throws. */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    this.packs.clear();
  }

  /** Decompressed packs held now (bounded by packCacheSize; for the memory tests). */
  get cachedPacks(): number {
    return this.packs.size;
  }

  private open_(): number {
    if (this.fd === undefined) throw new Error(`snapshot ${this.path}: reader is closed`);
    return this.fd;
  }

  private noteDamage(id: string, message: string): void {
    if (this.damaged.has(id)) return;
    this.damaged.add(id);
    recordDamage(this.damage, this.label + message);
  }

  private block(offset: number, length: number, tag: string): Uint8Array {
    const what = `snapshot ${this.path}`;
    const fd = this.open_();
    try {
      return checkStreamBlock(readAt(fd, offset, length, what), offset, tag, what);
    } catch (e) {
      throw formatError(e);
    }
  }

  private filesBlock(i: number): ReturnType<typeof decodeRecord>[] {
    const e = this.end;
    const payload = this.block(e.filesOffset[i]!, e.filesLength[i]!, TAG_FILES);
    if (payload.byteLength < FILES_HEADER_BYTES) throw new SnapshotFormatError('FILE block too short');
    const v = new DataView(payload.buffer, payload.byteOffset, FILES_HEADER_BYTES);
    const count = v.getUint32(0, true);
    const rawLength = v.getUint32(4, true);
    if (count !== e.filesCount[i])
      throw new SnapshotFormatError(`FILE block holds ${count} records, END says ${e.filesCount[i]}`);
    if (rawLength > MAX_FILES_RAW) throw new SnapshotFormatError(`FILE block raw length ${rawLength}`);
    const raw = zstdDecompress(payload.subarray(FILES_HEADER_BYTES), rawLength);
    if (!raw) throw new SnapshotFormatError('FILE block does not decompress');
    const src = new ByteSource(raw);
    const out: ReturnType<typeof decodeRecord>[] = [];
    for (let r = 0; r < count; r++) out.push(decodeRecord(src, e.chunks));
    if (src.remaining !== 0) throw new SnapshotFormatError(`FILE block: ${src.remaining} bytes after its records`);
    return out;
  }

  private goneBlock(i: number): string[] {
    const e = this.end;
    const payload = this.block(e.goneOffset[i]!, e.goneLength[i]!, TAG_GONE);
    if (payload.byteLength < GONE_HEADER_BYTES) throw new SnapshotFormatError('GONE block too short');
    const v = new DataView(payload.buffer, payload.byteOffset, GONE_HEADER_BYTES);
    const count = v.getUint32(0, true);
    const rawLength = v.getUint32(4, true);
    if (count !== e.goneCount[i])
      throw new SnapshotFormatError(`GONE block holds ${count} keys, END says ${e.goneCount[i]}`);
    if (rawLength > MAX_FILES_RAW) throw new SnapshotFormatError(`GONE block raw length ${rawLength}`);
    const raw = zstdDecompress(payload.subarray(GONE_HEADER_BYTES), rawLength);
    if (!raw) throw new SnapshotFormatError('GONE block does not decompress');
    const src = new ByteSource(raw);
    const keys: string[] = [];
    for (let k = 0; k < count; k++) {
      const key = src.str();
      if (key === '') throw new SnapshotFormatError('GONE block: an empty key');
      keys.push(key);
    }
    if (src.remaining !== 0) throw new SnapshotFormatError(`GONE block: ${src.remaining} bytes after its keys`);
    return keys;
  }

  /** Index of the pack holding chunk `ordinal` (the records' refs are < END's chunk count). */
  private packOf(ordinal: number): number {
    const first = this.end.packFirst;
    let lo = 0;
    let hi = first.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (first[mid]! <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private pack(p: number): Pack {
    const hit = this.packs.get(p);
    if (hit) {
      this.packs.delete(p);
      this.packs.set(p, hit);
      return hit;
    }
    const e = this.end;
    let pack: Pack;
    try {
      pack = this.loadPack(p);
    } catch (err) {
      if (!isDamage(err)) throw err;
      this.noteDamage(`P${p}`, `PACK block ${p} at ${e.packOffset[p]}: ${(err as Error).message}`);
      throw formatError(err);
    }
    this.packs.set(p, pack);
    if (this.packs.size > this.packCacheSize) this.packs.delete(this.packs.keys().next().value!);
    return pack;
  }

  private loadPack(p: number): Pack {
    const e = this.end;
    const payload = this.block(e.packOffset[p]!, e.packLength[p]!, TAG_PACK);
    if (payload.byteLength < PACK_HEADER_BYTES) throw new SnapshotFormatError('PACK block too short');
    const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const count = v.getUint32(0, true);
    const first = v.getUint32(4, true);
    const rawLength = v.getUint32(8, true);
    if (count !== e.packCount[p] || first !== e.packFirst[p])
      throw new SnapshotFormatError(
        `PACK holds chunks ${first}+${count}, END says ${e.packFirst[p]}+${e.packCount[p]}`,
      );
    const tableEnd = PACK_HEADER_BYTES + count * PACK_ENTRY_BYTES;
    if (tableEnd > payload.byteLength || rawLength > this.head.packBytes + MAX_CHUNK_SIZE)
      throw new SnapshotFormatError(`PACK of ${count} chunks, ${rawLength} bytes does not fit`);
    const starts = new Uint32Array(count + 1);
    let sum = 0;
    for (let c = 0; c < count; c++) {
      starts[c] = sum;
      sum += v.getUint32(PACK_HEADER_BYTES + c * PACK_ENTRY_BYTES + 12, true);
    }
    starts[count] = sum;
    if (sum !== rawLength) throw new SnapshotFormatError(`PACK chunk lengths sum to ${sum}, raw length ${rawLength}`);
    const raw = zstdDecompress(payload.subarray(tableEnd), rawLength);
    if (!raw) throw new SnapshotFormatError('PACK does not decompress');
    for (let c = 0; c < count; c++) {
      if (crc32(raw.subarray(starts[c]!, starts[c + 1]!))
        !== v.getUint32(PACK_HEADER_BYTES + c * PACK_ENTRY_BYTES + 8, true)) {
        throw new SnapshotFormatError(`PACK chunk ${first + c} CRC mismatch`);
      }
    }
    return { raw, starts };
  }
}
