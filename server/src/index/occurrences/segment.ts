/**
 * An occurrence segment: one immutable file of posting lists, name-major, as code search engines lay
 * out their shards. For every name (in `compareNames` order) its postings: the files it occurs in
 * (segment-local file ids, delta-coded) each with its packed occurrence run (syntax/occurrences.ts).
 *
 * Layout: a 16-byte header; then, per group of GROUP_NAMES names, the posting lists too long to inline
 * followed by the group's dictionary block: each name front-coded against the one before it (names are
 * sorted, and identifiers share long prefixes), then its postings inline when short (most names occur
 * in one file, a few times) or their length and CRC-32, placed one after another from the group's
 * start; then the file table (key, and the length and CRC-32 of the text the occurrences were read
 * from), the sparse index (each group's first name and dictionary block) and a fixed trailer. Every
 * block and every external posting list carries a CRC-32 of what is stored; blocks, and posting lists
 * of PACK_MIN_BYTES or more, are stored as Zstandard frames where that is smaller (their raw length
 * says so), because the index must stay a small share of the source on disk.
 * In memory a reader keeps the file table and the sparse index only; a lookup reads one dictionary
 * block (kept in a bounded cache) and one posting list, by positioned reads.
 * Guarantees: a reader returns only bytes whose CRC verified (and whose frame gave the raw length
 * stated), or throws SegmentDamageError; a writer's file is complete once `finish` returns (fsync'd,
 * renamed into place), never half-visible. Zstandard must be initialised (`initZstd`) before use.
 * Synchronous positioned reads: a lookup's reads are a few kilobytes, usually in the page cache, and a
 * round trip through libuv's thread pool would cost more than the read.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { crc32, DEFAULT_ZSTD_LEVEL, requireZstd, zstdCompress, zstdDecompress } from '../../cache/index.js';
import { compareNames, VarintSink, VarintSource } from '../../syntax/occurrences.js';

const MAGIC = 0x434f5453; // 'STOC'
const FORMAT_VERSION = 3;
const HEADER_BYTES = 16;
const TRAILER_BYTES = 48;
/**
 * Names per dictionary block: few enough that a lookup reads and decompresses a few kilobytes, enough
 * that a block compresses well (front-coded names and short postings, a few kilobytes raw).
 */
const GROUP_NAMES = 128;
/** Posting lists up to this many bytes live in the dictionary block, covered by its CRC. */
const INLINE_POSTINGS = 48;
/** A block's header: stored length, raw length (0: stored raw), CRC-32 of those and the stored bytes. */
const BLOCK_HEADER_BYTES = 12;
/**
 * Bytes from which a block or posting list is compressed: below, a frame's own header and a call into
 * wasm cost more than they save.
 */
const PACK_MIN_BYTES = 256;
/**
 * Zstandard level: a segment is rewritten by every merge, so a fast one; level 1 stored about 2% more
 * on the kernel and saved no time we could measure (docs/decisions.md).
 */
const PACK_LEVEL = DEFAULT_ZSTD_LEVEL;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export class SegmentDamageError extends Error {
  override name = 'SegmentDamageError';
}

/** The text a file's occurrences were read from: its length in bytes and CRC-32. */
export interface TextSignature {
  bytes: number;
  crc: number;
}

interface DictEntry {
  /** The posting list itself, when inline; else where it is. */
  inline?: Uint8Array;
  offset: number;
  /** Bytes stored. */
  length: number;
  crc: number;
  /** Its length once decompressed; 0 when stored raw. */
  raw: number;
}

/** A parsed dictionary block: its names and where each one's postings are. */
interface DictBlock {
  names: string[];
  entries: DictEntry[];
  bytes: number;
}

/**
 * Writes a segment: `addFile` every file first (ids in order from 0), then `addName` in name order,
 * then `finish`. Writes go to `<path>.tmp`, renamed to `path` by `finish`.
 */
export class SegmentWriter {
  readonly #path: string;
  readonly #fd: number;
  #at = HEADER_BYTES;
  readonly #files = new VarintSink(4096);
  #fileCount = 0;
  readonly #sparse = new VarintSink(4096);
  #group = new VarintSink(4096);
  #groupFirst: string | undefined;
  /** The previous name of the group, for front coding. */
  #groupLast = new Uint8Array(0);
  /** Where the group's external postings start. */
  #groupAt = HEADER_BYTES;
  #groupNames = 0;
  #names = 0;
  #pairs = 0;
  #lastName: string | undefined;
  #closed = false;

  constructor(path: string) {
    requireZstd();
    this.#path = path;
    this.#fd = openSync(`${path}.tmp`, 'w');
    const header = new Uint8Array(HEADER_BYTES);
    const v = new DataView(header.buffer);
    v.setUint32(0, MAGIC, true);
    v.setUint32(4, FORMAT_VERSION, true);
    this.#write(header, 0);
  }

  get names(): number {
    return this.#names;
  }

  /** Adds the next file (its id is the count of files added before it). */
  addFile(key: string, signature: TextSignature): number {
    this.#files.bytes(stringBytes(key));
    this.#files.uvar(signature.bytes);
    this.#files.uvar(signature.crc);
    return this.#fileCount++;
  }

  /**
   * Adds `name`'s postings: `pairs` files (ids ascending) with their runs, already encoded as
   * (id delta, run length, run) by PostingsSink.
   */
  addName(name: string, postings: Uint8Array, pairs: number): void {
    if (this.#lastName !== undefined && compareNames(this.#lastName, name) >= 0)
      throw new Error(`strata: segment names out of order: ${this.#lastName} before ${name}`);
    this.#lastName = name;
    if (this.#groupNames === 0) {
      this.#groupFirst = name;
      this.#groupLast = new Uint8Array(0);
      this.#groupAt = this.#at;
    }
    const bytes = utf8.encode(name);
    let shared = 0;
    const most = Math.min(bytes.length, this.#groupLast.length);
    while (shared < most && bytes[shared] === this.#groupLast[shared]) shared++;
    this.#group.uvar(shared);
    this.#group.uvar(bytes.length - shared);
    this.#group.bytes(bytes.subarray(shared));
    this.#groupLast = bytes;
    const inline = postings.length <= INLINE_POSTINGS;
    this.#group.uvar(postings.length * 2 + (inline ? 1 : 0));
    if (inline) {
      this.#group.bytes(postings);
    } else {
      const stored = packed(postings);
      this.#write(stored, this.#at);
      this.#at += stored.length;
      // the tag above holds the raw length; the stored one follows when it differs
      this.#group.uvar(stored === postings ? 0 : stored.length);
      this.#group.uvar(crc32(stored));
    }
    this.#groupNames++;
    this.#names++;
    this.#pairs += pairs;
    if (this.#groupNames === GROUP_NAMES) this.#endGroup();
  }

  /** Completes the file (tables, trailer), fsyncs and renames it into place; returns its size. */
  finish(): number {
    this.#endGroup();
    const filesAt = this.#at;
    this.#at += this.#block(this.#files.finish(), filesAt);
    const sparseAt = this.#at;
    this.#at += this.#block(this.#sparse.finish(), sparseAt);
    const trailer = new Uint8Array(TRAILER_BYTES);
    const v = new DataView(trailer.buffer);
    v.setUint32(0, MAGIC, true);
    v.setUint32(4, FORMAT_VERSION, true);
    v.setFloat64(8, filesAt, true);
    v.setFloat64(16, sparseAt, true);
    v.setFloat64(24, this.#names, true);
    v.setFloat64(32, this.#pairs, true);
    v.setUint32(40, this.#fileCount, true);
    v.setUint32(44, crc32(trailer.subarray(0, 44)), true);
    this.#write(trailer, this.#at);
    this.#at += TRAILER_BYTES;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#closed = true;
    renameSync(`${this.#path}.tmp`, this.#path);
    return this.#at;
  }

  /** Closes an unfinished writer (its temp file is left for the caller to remove). */
  abort(): void {
    if (!this.#closed) closeSync(this.#fd);
    this.#closed = true;
  }

  #endGroup(): void {
    if (this.#groupNames === 0) return;
    const at = this.#at;
    // The block starts with where the group's external postings start.
    const entries = this.#group.finish();
    const body = new VarintSink(entries.length + 8);
    body.uvar(this.#groupAt);
    body.bytes(entries);
    const length = this.#block(body.finish(), at);
    this.#at += length;
    this.#sparse.bytes(stringBytes(this.#groupFirst!));
    this.#sparse.uvar(at);
    this.#sparse.uvar(length);
    this.#group = new VarintSink(4096);
    this.#groupNames = 0;
  }

  /** Writes a block (BLOCK_HEADER_BYTES, then `body` or its frame) at `at`; returns its size. */
  #block(body: Uint8Array, at: number): number {
    const stored = packed(body);
    const head = new Uint8Array(BLOCK_HEADER_BYTES);
    const v = new DataView(head.buffer);
    v.setUint32(0, stored.length, true);
    v.setUint32(4, stored === body ? 0 : body.length, true);
    v.setUint32(8, crc32(stored, crc32(head.subarray(0, 8))), true);
    this.#write(head, at);
    this.#write(stored, at + BLOCK_HEADER_BYTES);
    return BLOCK_HEADER_BYTES + stored.length;
  }

  #write(bytes: Uint8Array, at: number): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done, at + done);
  }
}

/** Encodes one name's postings for SegmentWriter.addName: (file id delta, run length, run) per file. */
export class PostingsSink {
  #sink = new VarintSink(256);
  #last = -1;
  pairs = 0;

  add(fileId: number, run: Uint8Array): void {
    if (fileId <= this.#last) throw new Error(`strata: posting file ids out of order: ${fileId} after ${this.#last}`);
    this.#sink.uvar(fileId - this.#last - 1);
    this.#sink.uvar(run.length);
    this.#sink.bytes(run);
    this.#last = fileId;
    this.pairs++;
  }

  /** The encoded postings; the sink starts over. */
  take(): Uint8Array {
    const out = this.#sink.finish();
    this.#sink = new VarintSink(256);
    this.#last = -1;
    this.pairs = 0;
    return out;
  }
}

/** Calls `fn(fileId, run)` for each posting of an encoded list. Throws SegmentDamageError when malformed. */
export function forEachPosting(postings: Uint8Array, fn: (fileId: number, run: Uint8Array) => void): void {
  const src = new VarintSource(postings, 0, postings.length);
  let id = -1;
  while (src.at < postings.length) {
    let run: Uint8Array;
    try {
      id += src.uvar() + 1;
      run = src.take(src.uvar());
    } catch (err) {
      throw new SegmentDamageError(`malformed postings: ${(err as Error).message}`);
    }
    fn(id, run);
  }
}

/** A segment opened for lookups. */
export class SegmentReader {
  readonly path: string;
  readonly size: number;
  /** Segment-local file id → key. */
  readonly keys: string[];
  /** Per file id: text length and CRC-32 (two entries each). */
  readonly signatures: Float64Array;
  readonly names: number;
  readonly pairs: number;
  readonly #fd: number;
  readonly #firstNames: string[];
  readonly #groupAt: Float64Array;
  #closed = false;

  private constructor(path: string, fd: number, size: number, parts: {
    keys: string[]; signatures: Float64Array; names: number; pairs: number; firstNames: string[]; groupAt: Float64Array;
  }) {
    this.path = path;
    this.#fd = fd;
    this.size = size;
    this.keys = parts.keys;
    this.signatures = parts.signatures;
    this.names = parts.names;
    this.pairs = parts.pairs;
    this.#firstNames = parts.firstNames;
    this.#groupAt = parts.groupAt;
  }

  /** Opens and checks a segment (trailer, file table, sparse index); throws SegmentDamageError when damaged. */
  static open(path: string): SegmentReader {
    // before the catch below, which would take it for damage
    requireZstd();
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < HEADER_BYTES + TRAILER_BYTES) throw new SegmentDamageError(`${path}: truncated (${size} bytes)`);
      const header = readAt(fd, 0, HEADER_BYTES);
      const hv = new DataView(header.buffer, header.byteOffset);
      if (hv.getUint32(0, true) !== MAGIC || hv.getUint32(4, true) !== FORMAT_VERSION)
        throw new SegmentDamageError(`${path}: not an occurrence segment of format ${FORMAT_VERSION}`);
      const trailer = readAt(fd, size - TRAILER_BYTES, TRAILER_BYTES);
      const v = new DataView(trailer.buffer, trailer.byteOffset);
      if (v.getUint32(0, true) !== MAGIC || v.getUint32(44, true) !== crc32(trailer.subarray(0, 44)))
        throw new SegmentDamageError(`${path}: damaged trailer`);
      const filesAt = v.getFloat64(8, true);
      const sparseAt = v.getFloat64(16, true);
      const fileCount = v.getUint32(40, true);
      const files = readBlock(fd, filesAt, size, `${path}: file table`);
      const keys = new Array<string>(fileCount);
      const signatures = new Float64Array(fileCount * 2);
      const fsrc = new VarintSource(files, 0, files.length);
      for (let i = 0; i < fileCount; i++) {
        keys[i] = readString(fsrc);
        signatures[2 * i] = fsrc.uvar();
        signatures[2 * i + 1] = fsrc.uvar();
      }
      const sparse = readBlock(fd, sparseAt, size, `${path}: sparse index`);
      const firstNames: string[] = [];
      const groupAt: number[] = [];
      const ssrc = new VarintSource(sparse, 0, sparse.length);
      while (ssrc.at < sparse.length) {
        firstNames.push(readString(ssrc));
        groupAt.push(ssrc.uvar(), ssrc.uvar());
      }
      return new SegmentReader(path, fd, size, {
        keys, signatures, names: v.getFloat64(24, true), pairs: v.getFloat64(32, true),
        firstNames, groupAt: Float64Array.from(groupAt),
      });
    } catch (err) {
      closeSync(fd);
      if (err instanceof SegmentDamageError) throw err;
      throw new SegmentDamageError(`${path}: ${(err as Error).message}`);
    }
  }

  get groups(): number {
    return this.#firstNames.length;
  }

  /** The signature of file id `id`. */
  signature(id: number): TextSignature {
    return { bytes: this.signatures[2 * id]!, crc: this.signatures[2 * id + 1]! };
  }

  /** `name`'s verified postings, or undefined when the segment has none; `cache` keeps dictionary blocks. */
  postings(name: string, cache?: BlockCache): Uint8Array | undefined {
    const g = this.#groupOf(name);
    if (g < 0) return undefined;
    const block = this.dictionary(g, cache);
    let lo = 0;
    let hi = block.names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = compareNames(block.names[mid]!, name);
      if (cmp === 0) return this.readPostings(block.entries[mid]!);
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Group `g`'s dictionary block (from `cache` when it holds it). */
  dictionary(g: number, cache?: BlockCache): DictBlock {
    const key = `${this.path}#${g}`;
    const cached = cache?.get(key);
    if (cached) return cached;
    const body = readBlock(this.#fd, this.#groupAt[2 * g]!, this.size, `${this.path}: dictionary block ${g}`);
    const names: string[] = [];
    const entries: DictEntry[] = [];
    try {
      const end = body.length;
      const src = new VarintSource(body, 0, end);
      let previous = new Uint8Array(0);
      let offset = src.uvar();
      while (src.at < end) {
        const shared = src.uvar();
        if (shared > previous.length) throw new SegmentDamageError(`shared prefix ${shared} past the name before`);
        const suffix = src.take(src.uvar());
        const bytes = new Uint8Array(shared + suffix.length);
        bytes.set(previous.subarray(0, shared));
        bytes.set(suffix, shared);
        names.push(utf8Strict.decode(bytes));
        previous = bytes;
        const tag = src.uvar();
        const length = Math.floor(tag / 2);
        if (tag & 1) {
          entries.push({ inline: src.take(length), offset: -1, length, crc: 0, raw: 0 });
        } else {
          const stored = src.uvar();
          const crc = src.uvar();
          entries.push(stored === 0 ? { offset, length, crc, raw: 0 } : { offset, length: stored, crc, raw: length });
          offset += stored === 0 ? length : stored;
        }
      }
    } catch (err) {
      throw new SegmentDamageError(`${this.path}: dictionary block ${g}: ${(err as Error).message}`);
    }
    const block = { names, entries, bytes: body.length * 3 + names.length * 64 };
    cache?.set(key, block);
    return block;
  }

  readPostings(e: DictEntry): Uint8Array {
    if (e.inline) return e.inline;
    if (e.offset + e.length > this.size) throw new SegmentDamageError(`${this.path}: postings past the end`);
    const bytes = readAt(this.#fd, e.offset, e.length);
    if (crc32(bytes) !== e.crc) throw new SegmentDamageError(`${this.path}: postings at ${e.offset}: CRC mismatch`);
    return unpacked(bytes, e.raw, `${this.path}: postings at ${e.offset}`);
  }

  /** Every name with its postings' place, in name order (for merging). */
  *entries(): Generator<{ name: string; entry: DictEntry }> {
    for (let g = 0; g < this.groups; g++) {
      const block = this.dictionary(g);
      for (let i = 0; i < block.names.length; i++) yield { name: block.names[i]!, entry: block.entries[i]! };
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }

  /** The group whose first name is the last one ≤ `name`; -1 when `name` sorts before every group. */
  #groupOf(name: string): number {
    let lo = 0;
    let hi = this.#firstNames.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareNames(this.#firstNames[mid]!, name) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

/** A least-recently-used cache of parsed dictionary blocks, bounded in (estimated) bytes. */
export class BlockCache {
  readonly #blocks = new Map<string, DictBlock>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): DictBlock | undefined {
    const b = this.#blocks.get(key);
    if (b) {
      this.#blocks.delete(key);
      this.#blocks.set(key, b);
    }
    return b;
  }

  set(key: string, block: DictBlock): void {
    this.#blocks.set(key, block);
    this.#bytes += block.bytes;
    for (const [k, b] of this.#blocks) {
      if (this.#bytes <= this.maxBytes) break;
      this.#blocks.delete(k);
      this.#bytes -= b.bytes;
    }
  }

  /** Forgets the blocks of the segment at `path` (closed or replaced). */
  drop(path: string): void {
    for (const [k, b] of this.#blocks) {
      if (k.startsWith(`${path}#`)) {
        this.#blocks.delete(k);
        this.#bytes -= b.bytes;
      }
    }
  }
}

function stringBytes(s: string): Uint8Array {
  const body = utf8.encode(s);
  const out = new VarintSink(body.length + 4);
  out.uvar(body.length);
  out.bytes(body);
  return out.finish();
}

function readString(src: VarintSource): string {
  return utf8Strict.decode(src.take(src.uvar()));
}

function readAt(fd: number, at: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, at + done);
    if (n === 0) throw new SegmentDamageError(`read past the end at ${at + done}`);
    done += n;
  }
  return out;
}

/** Reads, verifies and decompresses a block written by SegmentWriter's #block. */
function readBlock(fd: number, at: number, size: number, what: string): Uint8Array {
  if (!(at >= HEADER_BYTES && at + BLOCK_HEADER_BYTES <= size))
    throw new SegmentDamageError(`${what}: offset ${at} out of range`);
  const head = readAt(fd, at, BLOCK_HEADER_BYTES);
  const v = new DataView(head.buffer, head.byteOffset);
  const length = v.getUint32(0, true);
  if (at + BLOCK_HEADER_BYTES + length > size) throw new SegmentDamageError(`${what}: length ${length} past the end`);
  const stored = readAt(fd, at + BLOCK_HEADER_BYTES, length);
  if (crc32(stored, crc32(head.subarray(0, 8))) !== v.getUint32(8, true))
    throw new SegmentDamageError(`${what}: CRC mismatch`);
  return unpacked(stored, v.getUint32(4, true), what);
}

/** `raw` or its Zstandard frame, whichever is smaller (the frame only from PACK_MIN_BYTES). */
function packed(raw: Uint8Array): Uint8Array {
  if (raw.length < PACK_MIN_BYTES) return raw;
  const frame = zstdCompress(raw, PACK_LEVEL);
  return frame.length < raw.length ? frame : raw;
}

/** The raw bytes of verified stored bytes: themselves when `raw` is 0, else their frame's content. */
function unpacked(stored: Uint8Array, raw: number, what: string): Uint8Array {
  if (raw === 0) return stored;
  const out = zstdDecompress(stored, raw);
  if (!out) throw new SegmentDamageError(`${what}: not a Zstandard frame of ${raw} bytes`);
  return out;
}
