/**
 * Writes one snapshot file (format.ts) — a store's base or delta (store.ts) — in bounded batches,
 * crash-safely.
 *
 * Each text streams through the cache's chunker; a chunk not yet in the file joins the pending
 * pack, written as one Zstandard PACK block once it holds `packBytes`; records are batched the same
 * way into FILE blocks (`filesPerBlock`, `recordBytesPerBlock`), removed keys (`remove`) into GONE
 * blocks. `commit` writes the END block and trailer, fsyncs, renames over the final path and fsyncs
 * the directory.
 * Crash safety: all goes to `<final>.<pid>-<random>.tmp`; only the atomic rename puts the file in
 * place (and only a manifest naming it makes it part of a store), so a crash at any moment leaves
 * the previous state whole. `create` deletes temp files of writers that are gone (or old enough that
 * the pid may be reused).
 * Memory: one pending pack, one FILE batch, one GONE batch, one write batch, the chunk-id table (chunkIds.ts) and the
 * block directory; it never grows with the size of one text (`memory()` reports it; tests check it).
 * Guarantees: a record is written only for a text whose length and CRC match it, fields in range
 * (else SnapshotInputError, and the writer goes on); any I/O failure aborts the writer (temp file
 * removed) and rethrows; `abort` is idempotent.
 * Concurrency: async; calls are serialised, so an add not awaited still lands before the next.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  crc32, DEFAULT_CHUNKING, DEFAULT_ZSTD_LEVEL, hash64, initZstd, MAX_CHUNK_SIZE, StreamingChunker, zstdCompress,
  type ChunkingOptions, type Hash64,
} from '../../cache/index.js';
import { containerHeader, streamBlockHeader, STREAMED, BLOCK_HEADER_BYTES } from '../binaryBlocks.js';
import { ByteSink } from './bytes.js';
import { ChunkIdTable } from './chunkIds.js';
import {
  SNAPSHOT_MAGIC, TAG_END, TAG_FILES, TAG_GONE, TAG_HEAD, TAG_PACK, PACK_HEADER_BYTES, PACK_ENTRY_BYTES,
  FILES_HEADER_BYTES, GONE_HEADER_BYTES, encodeEnd, encodeHead, encodeTrailer, type SnapshotKind,
} from './format.js';
import { SNAPSHOT_FORMAT_VERSION } from './location.js';
import { checkFile, encodeRecord } from './records.js';
import type { SnapshotFileInput } from './records.js';

export interface SnapshotWriterOptions {
  /** Raw bytes of unique chunks per PACK block (default 128 KiB). */
  packBytes?: number;
  /** Records per FILE block (default 256). */
  filesPerBlock?: number;
  /** Encoded record bytes at which a FILE block is closed early (default 1 MiB). */
  recordBytesPerBlock?: number;
  zstdLevel?: number;
  chunking?: ChunkingOptions;
}

export interface SnapshotWriterMemory {
  pendingPackBytes: number;
  pendingPackChunks: number;
  pendingRecordBytes: number;
  pendingRecords: number;
  /** Compressed blocks not yet in the write batch. */
  queuedBlocks: number;
  /** Bytes of blocks in the write batch (< 1 MiB + one block). */
  batchBytes: number;
  idTableBytes: number;
}

/** Where a file stands in its store (HEAD; manifest.ts): a file written alone is serial 0, a base. */
export interface SnapshotIdentity {
  root: string;
  serial?: number;
  kind?: SnapshotKind;
  nonce?: number;
}

/** What `commit` wrote. */
export interface SnapshotWritten {
  /** The snapshot file's size. */
  bytes: number;
  files: number;
  /** Keys written as removed (GONE). */
  removed: number;
  /** Unique chunks, and chunk references of all records (repeats included). */
  chunks: number;
  chunkRefs: number;
  /** Raw bytes of all texts, of the unique chunks, and of the PACK blocks that store them. */
  textBytes: number;
  uniqueBytes: number;
  packBytes: number;
}

const WRITE_BATCH_BYTES = 1024 * 1024;
/** Below the platforms' IOV_MAX (1024 on Linux), so one writev takes the whole batch. */
const WRITE_BATCH_PARTS = 512;
const TEMP_SUFFIX = /^\.(\d+)-[0-9a-f]+\.tmp$/;
const STALE_TEMP_MS = 24 * 3600 * 1000;

/** True while process `pid` runs (or is someone else's): its temp files are not ours to delete. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Deletes temp files of `finalPath` left by writers that no longer run. */
async function removeStaleTemps(finalPath: string): Promise<void> {
  const dir = path.dirname(finalPath);
  const base = path.basename(finalPath);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const m = TEMP_SUFFIX.exec(name.slice(base.length));
    if (!m) continue;
    const p = path.join(dir, name);
    let stale = !processAlive(Number(m[1]));
    if (!stale) {
      try {
        stale = Date.now() - (await fsp.stat(p)).mtimeMs > STALE_TEMP_MS;
      } catch {
        continue;
      }
    }
    if (stale) await fsp.rm(p, { force: true });
  }
}

/** Makes a rename in `dir` durable (where the platform can fsync a directory). */
export async function fsyncDir(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch (e) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await h?.close();
  }
}

/** A file add() refused (its text does not match its record, or a field is out of range); the writer stays usable. */
export class SnapshotInputError extends RangeError {
  override name = 'SnapshotInputError';
}

interface Queued {
  tag: string;
  payload: Uint8Array;
  /** PACK: first ordinal and chunk count; FILE: record count; GONE: key count. */
  a: number;
  b: number;
}

export class SnapshotWriter {
  private readonly packBytes: number;
  private readonly filesPerBlock: number;
  private readonly recordBytesPerBlock: number;
  private readonly level: number;
  private readonly chunker: StreamingChunker;
  private readonly ids = new ChunkIdTable();
  private readonly id: Hash64 = { hi: 0, lo: 0 };

  // pending pack
  private readonly packRaw: Uint8Array;
  private packLength = 0;
  private packTable = new ByteSink(4096);
  private packChunks = 0;
  private packFirst = 0;
  private nextOrdinal = 0;
  private uniqueBytes = 0;

  // pending FILE batch and the file being added
  private readonly records = new ByteSink(64 * 1024);
  private recordCount = 0;
  private refs = new Uint32Array(256);
  private refCount = 0;

  // pending GONE batch
  private readonly gone = new ByteSink(4096);
  private goneCount = 0;

  // blocks written
  private readonly queue: Queued[] = [];
  /** Blocks (header, payload, …) waiting for one write at `position`. */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  /** File bytes written so far (the batch goes after them). */
  private position = 0;
  private readonly packDir: number[][] = [[], [], [], []]; // offset, length, first, count
  private readonly filesDir: number[][] = [[], [], []]; // offset, length, count
  private readonly goneDir: number[][] = [[], [], []]; // offset, length, count
  private files = 0;
  private removed = 0;
  private textBytes = 0;
  /** Chunk references of the records written (a text's chunks, repeats included). */
  private chunkRefs = 0;
  /** Bytes of PACK blocks written (the stored form of the unique chunks). */
  private packBlockBytes = 0;

  private chain: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'committed' | 'aborted' = 'open';

  private constructor(
    private readonly finalPath: string,
    private readonly tempPath: string,
    private handle: fsp.FileHandle | undefined,
    options: SnapshotWriterOptions,
  ) {
    this.packBytes = options.packBytes ?? 128 * 1024;
    this.filesPerBlock = options.filesPerBlock ?? 256;
    this.recordBytesPerBlock = options.recordBytesPerBlock ?? 1024 * 1024;
    this.level = options.zstdLevel ?? DEFAULT_ZSTD_LEVEL;
    if (!(Number.isInteger(this.packBytes) && this.packBytes >= 1 && this.packBytes <= 16 * 1024 * 1024))
      throw new RangeError(`packBytes ${this.packBytes}`);
    if (!(Number.isInteger(this.filesPerBlock) && this.filesPerBlock >= 1))
      throw new RangeError(`filesPerBlock ${this.filesPerBlock}`);
    this.packRaw = new Uint8Array(this.packBytes + MAX_CHUNK_SIZE);
    this.chunker = new StreamingChunker(options.chunking ?? DEFAULT_CHUNKING, (chunk) => this.onChunk(chunk));
  }

  /**
   * Starts a snapshot for workspace `header.root` that `commit` will put at `finalPath` (folders are
   * created). Removes stale temp files of dead writers first.
   */
  static async create(
    finalPath: string, header: SnapshotIdentity, options: SnapshotWriterOptions = {},
  ): Promise<SnapshotWriter> {
    await initZstd();
    await fsp.mkdir(path.dirname(finalPath), { recursive: true });
    await removeStaleTemps(finalPath);
    const tempPath = `${finalPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fsp.open(tempPath, 'wx');
    const w = new SnapshotWriter(finalPath, tempPath, handle, options);
    try {
      const chunking = options.chunking ?? DEFAULT_CHUNKING;
      await w.writeRaw(containerHeader(SNAPSHOT_MAGIC, SNAPSHOT_FORMAT_VERSION, STREAMED));
      w.queue.push({
        tag: TAG_HEAD,
        payload: encodeHead({
          root: header.root, chunking, packBytes: w.packBytes, createdMs: Date.now(),
          serial: header.serial ?? 0, kind: header.kind ?? 'base', nonce: header.nonce ?? 0,
        }),
        a: 0,
        b: 0,
      });
      await w.drain();
    } catch (e) {
      await w.abort();
      throw e;
    }
    return w;
  }

  /** Where the snapshot is being written (for tests and logs). */
  get temporaryPath(): string {
    return this.tempPath;
  }

  /** What the writer holds right now (the bound in the header comment, checked by the tests). */
  memory(): SnapshotWriterMemory {
    return {
      pendingPackBytes: this.packLength,
      pendingPackChunks: this.packChunks,
      pendingRecordBytes: this.records.length,
      pendingRecords: this.recordCount,
      queuedBlocks: this.queue.length,
      batchBytes: this.batchBytes,
      idTableBytes: this.ids.byteSize,
    };
  }

  /** Chunks `text`, writes chunks not yet in this snapshot, queues the record; bounded memory. */
  add(file: SnapshotFileInput, text: Uint8Array): Promise<void> {
    return this.serial(async () => {
      if (text.byteLength !== file.length)
        throw new SnapshotInputError(
          `snapshot record ${file.key}: length ${file.length}, text has ${text.byteLength} bytes`,
        );
      try {
        checkFile(file);
      } catch (e) {
        throw new SnapshotInputError((e as Error).message);
      }
      this.refCount = 0;
      if (this.refs.length > 65536) this.refs = new Uint32Array(256); // a huge file's refs are not kept
      const slice = Math.max(1, this.packBytes >>> 1);
      let crc = 0;
      for (let at = 0; at < text.byteLength; at += slice) {
        const piece = text.subarray(at, Math.min(text.byteLength, at + slice));
        crc = crc32(piece, crc);
        this.chunker.push(piece);
        await this.drain();
      }
      this.chunker.finish();
      // Its chunks are in the snapshot already (unreferenced, harmless); its record is not.
      if (crc !== file.crc)
        throw new SnapshotInputError(`snapshot record ${file.key}: CRC ${file.crc}, text has ${crc}`);
      const before = this.records.length;
      try {
        encodeRecord(this.records, file, this.refs, this.refCount);
      } catch (e) {
        this.records.truncate(before);
        throw new SnapshotInputError((e as Error).message);
      }
      this.recordCount++;
      this.files++;
      this.chunkRefs += this.refCount;
      this.textBytes += text.byteLength;
      if (this.recordCount >= this.filesPerBlock || this.records.length >= this.recordBytesPerBlock) this.sealFiles();
      await this.drain();
    });
  }

  /** Notes that `key` was removed since the older files of the store (a GONE entry). */
  remove(key: string): Promise<void> {
    return this.serial(async () => {
      if (typeof key !== 'string' || key === '') throw new SnapshotInputError('snapshot removal: empty key');
      const before = this.gone.length;
      try {
        this.gone.str(key);
      } catch (e) {
        this.gone.truncate(before);
        throw new SnapshotInputError((e as Error).message);
      }
      this.goneCount++;
      this.removed++;
      if (this.goneCount >= this.filesPerBlock || this.gone.length >= this.recordBytesPerBlock) this.sealGone();
      await this.drain();
    });
  }

  /** Flushes, fsyncs, renames into place. After commit the writer is closed. */
  commit(): Promise<SnapshotWritten> {
    return this.serial(async () => {
      this.sealPack();
      this.sealFiles();
      this.sealGone();
      await this.drain(true);
      const endOffset = this.position;
      const end = encodeEnd({
        files: this.files, chunks: this.nextOrdinal, textBytes: this.textBytes, uniqueBytes: this.uniqueBytes,
        packOffset: Float64Array.from(this.packDir[0]!), packLength: Uint32Array.from(this.packDir[1]!),
        packFirst: Uint32Array.from(this.packDir[2]!), packCount: Uint32Array.from(this.packDir[3]!),
        filesOffset: Float64Array.from(this.filesDir[0]!), filesLength: Uint32Array.from(this.filesDir[1]!),
        filesCount: Uint32Array.from(this.filesDir[2]!), removed: this.removed,
        goneOffset: Float64Array.from(this.goneDir[0]!), goneLength: Uint32Array.from(this.goneDir[1]!),
        goneCount: Uint32Array.from(this.goneDir[2]!),
      });
      this.queue.push({ tag: TAG_END, payload: end, a: 0, b: 0 });
      await this.drain(true);
      await this.writeRaw(encodeTrailer(endOffset));
      const h = this.handle!;
      await h.sync();
      this.handle = undefined;
      await h.close();
      await fsp.rename(this.tempPath, this.finalPath);
      this.state = 'committed';
      await fsyncDir(path.dirname(this.finalPath));
      return {
        bytes: this.position, files: this.files, removed: this.removed, chunks: this.nextOrdinal,
        chunkRefs: this.chunkRefs,
        textBytes: this.textBytes, uniqueBytes: this.uniqueBytes, packBytes: this.packBlockBytes,
      };
    });
  }

  /** Removes the temp file; the previous snapshot stays. Idempotent. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    const h = this.handle;
    this.handle = undefined;
    try {
      await h?.close();
    } catch {
      // already closed by a failed write
    }
    await fsp.rm(this.tempPath, { force: true });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      if (this.state !== 'open') throw new Error(`snapshot writer is ${this.state}`);
      try {
        return await work();
      } catch (e) {
        if (!(e instanceof SnapshotInputError)) await this.abort();
        throw e;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private onChunk(chunk: Uint8Array): void {
    hash64(chunk, 0, chunk.byteLength, this.id);
    let ordinal = this.ids.get(this.id);
    if (ordinal < 0) {
      ordinal = this.nextOrdinal++;
      this.ids.add(this.id, ordinal);
      if (this.packChunks === 0) this.packFirst = ordinal;
      this.packRaw.set(chunk, this.packLength);
      this.packLength += chunk.byteLength;
      this.packChunks++;
      this.uniqueBytes += chunk.byteLength;
      const t = this.packTable;
      t.u32(this.id.hi);
      t.u32(this.id.lo);
      t.u32(crc32(chunk));
      t.u32(chunk.byteLength);
      if (this.packLength >= this.packBytes) this.sealPack();
    }
    if (this.refCount === this.refs.length) {
      const grown = new Uint32Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    this.refs[this.refCount++] = ordinal;
  }

  private sealPack(): void {
    if (this.packChunks === 0) return;
    const frame = zstdCompress(this.packRaw.subarray(0, this.packLength), this.level);
    const table = this.packTable.written();
    const payload = new Uint8Array(PACK_HEADER_BYTES + table.byteLength + frame.byteLength);
    const v = new DataView(payload.buffer);
    v.setUint32(0, this.packChunks, true);
    v.setUint32(4, this.packFirst, true);
    v.setUint32(8, this.packLength, true);
    payload.set(table, PACK_HEADER_BYTES);
    payload.set(frame, PACK_HEADER_BYTES + table.byteLength);
    if (table.byteLength !== this.packChunks * PACK_ENTRY_BYTES) throw new Error('pack table out of step');
    this.queue.push({ tag: TAG_PACK, payload, a: this.packFirst, b: this.packChunks });
    this.packLength = 0;
    this.packChunks = 0;
    this.packTable.reset(64 * 1024);
  }

  private sealFiles(): void {
    if (this.recordCount === 0) return;
    const raw = this.records.written();
    const frame = zstdCompress(raw, this.level);
    const payload = new Uint8Array(FILES_HEADER_BYTES + frame.byteLength);
    const v = new DataView(payload.buffer);
    v.setUint32(0, this.recordCount, true);
    v.setUint32(4, raw.byteLength, true);
    payload.set(frame, FILES_HEADER_BYTES);
    this.queue.push({ tag: TAG_FILES, payload, a: this.recordCount, b: 0 });
    this.recordCount = 0;
    this.records.reset(2 * this.recordBytesPerBlock);
  }

  private sealGone(): void {
    if (this.goneCount === 0) return;
    const raw = this.gone.written();
    const frame = zstdCompress(raw, this.level);
    const payload = new Uint8Array(GONE_HEADER_BYTES + frame.byteLength);
    const v = new DataView(payload.buffer);
    v.setUint32(0, this.goneCount, true);
    v.setUint32(4, raw.byteLength, true);
    payload.set(frame, GONE_HEADER_BYTES);
    this.queue.push({ tag: TAG_GONE, payload, a: this.goneCount, b: 0 });
    this.goneCount = 0;
    this.gone.reset(2 * this.recordBytesPerBlock);
  }

  /**
   * Moves the queued blocks into the write batch, noting where each will land, and writes the batch
   * once it holds WRITE_BATCH_BYTES (or always, with `flush`): one write per batch instead of one
   * per block, which matters when the thread pool is busy.
   */
  private async drain(flush = false): Promise<void> {
    while (this.queue.length > 0) {
      const q = this.queue.shift()!;
      const at = this.position + this.batchBytes;
      const header = streamBlockHeader(q.tag, q.payload, at);
      const length = BLOCK_HEADER_BYTES + q.payload.byteLength;
      this.batch.push(header, q.payload);
      this.batchBytes += length;
      if (q.tag === TAG_PACK) {
        this.packDir[0]!.push(at);
        this.packDir[1]!.push(length);
        this.packDir[2]!.push(q.a);
        this.packDir[3]!.push(q.b);
        this.packBlockBytes += length;
      } else if (q.tag === TAG_FILES) {
        this.filesDir[0]!.push(at);
        this.filesDir[1]!.push(length);
        this.filesDir[2]!.push(q.a);
      } else if (q.tag === TAG_GONE) {
        this.goneDir[0]!.push(at);
        this.goneDir[1]!.push(length);
        this.goneDir[2]!.push(q.a);
      }
      if (this.batchBytes >= WRITE_BATCH_BYTES || this.batch.length >= WRITE_BATCH_PARTS) await this.flushBatch();
    }
    if (flush) await this.flushBatch();
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const parts = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    await this.writeRaw(...parts);
  }

  private async writeRaw(...parts: Uint8Array[]): Promise<void> {
    const h = this.handle;
    if (!h) throw new Error('snapshot writer is closed');
    let total = 0;
    for (const p of parts) total += p.byteLength;
    let written = 0;
    // writev may write less than asked (a full disk, a signal): continue from where it stopped.
    let pending = parts;
    while (written < total) {
      const { bytesWritten } = await h.writev(pending, this.position + written);
      if (bytesWritten === 0) throw new Error(`snapshot write made no progress at ${this.position + written}`);
      written += bytesWritten;
      pending = [];
      let skip = written;
      for (const p of parts) {
        if (skip >= p.byteLength) {
          skip -= p.byteLength;
          continue;
        }
        pending.push(p.subarray(skip));
        skip = 0;
      }
    }
    this.position += total;
  }
}
