/**
 * A root's snapshot store: a base file, delta files and the manifest naming them (manifest.ts), so a
 * save writes what changed. Every file is a snapshot file (format.ts): the base holds the state of
 * its time, a delta the records of files changed since the files before it (texts in its own packs)
 * and the keys removed since (GONE). Per key the newest file mentioning it wins, its record or its
 * removal (a file's own record over its own removal).
 * - `StoreWriter`: one new file, then the manifest listing it — a `base` replaces everything, a
 *   `delta` is appended, a `merge` replaces the deltas from `mergeFrom` on (`copyDeltas` fills it: it
 *   costs what they hold). The file is durable before the manifest names it and the manifest is
 *   replaced atomically, so a crash at any moment leaves the old store or the new, never a mix.
 *   `sweepStore` deletes what no manifest lists (leftovers, dropped files) once the manifest that
 *   drops them is in place, never a live writer's temp file.
 * - `StoreReader`: the winning records, each text from the file holding it, every check of
 *   reader.ts plus each file against its manifest entry (missing, size, serial, kind, nonce), damage
 *   counted in one tally. An unusable manifest or base makes the store unusable; an unusable delta is
 *   skipped, its keys keeping an older file's verified record, which the caller reconciles with the
 *   disk as every record. Packs only losing records use are never read (`verifyPacks` checks them).
 * Synchronous reads, async writes; one writer per store at a time is the caller's to ensure. Two
 * processes saving one root each write whole files, the last manifest winning; one may sweep a file
 * the other wrote but has not listed yet, which the other's next open counts as damage and rebuilds.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SnapshotFileInput, SnapshotFile } from './records.js';
import {
  SnapshotFormatError, SnapshotReader, recordDamage, type SnapshotDamage, type SnapshotReaderOptions,
} from './reader.js';
import { SnapshotWriter, processAlive, type SnapshotWriterOptions, type SnapshotWritten } from './writer.js';
import {
  encodeManifest, entryPath, newNonce, readManifest, writeManifest, type Manifest, type StoreEntry,
} from './manifest.js';

/**
 * `decided` holds per key the index of the newest delta mentioning it: `i` for a record, `~i` (< 0)
 * for a removal, so a merge of deltas from `i` on knows which removals are its own.
 */
function removalAt(i: number): number {
  return ~i;
}

function deltaOf(decided: number): number {
  return decided < 0 ? ~decided : decided;
}
const DATA_FILE = /^\.(\d+)-([0-9a-f]{8})\.(base|delta)$/;
const TEMP_FILE = /\.(\d+)-[0-9a-f]+\.tmp$/;
/** A temp file older than this is a dead writer's even if its pid runs again (reused). */
const STALE_TEMP_MS = 24 * 3600 * 1000;

export interface StoreReaderOptions extends Pick<SnapshotReaderOptions, 'packCacheSize' | 'touch'> {
  /**
   * The reader of the store before a save: its open files that the new manifest still lists are
   * taken over (with what they indexed and their damage tally), the others closed. It is closed
   * after a successful open and left as it was after a failed one.
   */
  from?: StoreReader;
}

function nameOf(manifestPath: string, e: StoreEntry): string {
  return path.basename(entryPath(manifestPath, e));
}

function sameEntry(a: StoreEntry, b: StoreEntry): boolean {
  return a.serial === b.serial && a.kind === b.kind && a.nonce === b.nonce && a.bytes === b.bytes;
}

export class StoreReader {
  readonly damage: SnapshotDamage;
  #base: SnapshotReader;
  #baseEntry: StoreEntry;
  /** Per delta of the manifest, its reader; undefined for one that could not be opened (counted). */
  #deltas: (SnapshotReader | undefined)[];
  /** Keys some delta mentions → the newest such delta: its index, or `removalAt` it. */
  #decided: Map<string, number> | undefined;
  #closed = false;

  private constructor(
    readonly path: string, readonly manifest: Manifest, damage: SnapshotDamage, base: SnapshotReader,
    deltas: (SnapshotReader | undefined)[],
  ) {
    this.damage = damage;
    this.#base = base;
    this.#baseEntry = manifest.base;
    this.#deltas = deltas;
  }

  /**
   * Opens the store whose manifest is `manifestPath`; throws SnapshotFormatError when there is none,
   * or its manifest or base is unusable. A delta that cannot be opened is counted in `damage`.
   */
  static open(manifestPath: string, expect: { root: string }, options: StoreReaderOptions = {}): StoreReader {
    const manifest = readManifest(manifestPath, expect.root);
    if (!manifest) throw new SnapshotFormatError(`snapshot store ${manifestPath}: no manifest`);
    const from = options.from;
    const damage = from?.damage ?? { blocks: 0, messages: [] };
    const taken = new Set<SnapshotReader>();
    const reuse = (e: StoreEntry): SnapshotReader | undefined => {
      if (!from || from.#closed) return undefined;
      const i = from.manifest.deltas.findIndex((d) => sameEntry(d, e));
      const r = sameEntry(from.#baseEntry, e) ? from.#base : i >= 0 ? from.#deltas[i] : undefined;
      if (r) taken.add(r);
      return r;
    };
    const openEntry = (e: StoreEntry): SnapshotReader => reuse(e) ?? SnapshotReader.open(
      entryPath(manifestPath, e), { root: expect.root, serial: e.serial, kind: e.kind, nonce: e.nonce, bytes: e.bytes },
      { ...options, damage, label: nameOf(manifestPath, e) },
    );
    const base = openEntry(manifest.base);
    const deltas: (SnapshotReader | undefined)[] = [];
    for (const e of manifest.deltas) {
      try {
        deltas.push(openEntry(e));
      } catch (err) {
        if (!(err instanceof SnapshotFormatError)) {
          for (const r of [base, ...deltas]) if (r && !taken.has(r)) r.close();
          throw err;
        }
        recordDamage(damage, `${nameOf(manifestPath, e)}: ${err.message}`);
        deltas.push(undefined);
      }
    }
    if (from && !from.#closed) {
      for (const r of [from.#base, ...from.#deltas]) if (r && !taken.has(r)) r.close();
      from.#closed = true;
    }
    return new StoreReader(manifestPath, manifest, damage, base, deltas);
  }

  get root(): string {
    return this.manifest.root;
  }

  /** Delta files listed by the manifest. */
  get deltaCount(): number {
    return this.manifest.deltas.length;
  }

  /** Bytes of the base file. */
  get baseBytes(): number {
    return this.manifest.base.bytes;
  }

  /** Bytes of the delta files. */
  get deltaBytes(): number {
    return this.manifest.deltas.reduce((n, d) => n + d.bytes, 0);
  }

  /** Bytes of every file of the store: manifest, base and deltas. */
  get storeBytes(): number {
    return encodeManifest(this.manifest).byteLength + this.baseBytes + this.deltaBytes;
  }

  /** Raw bytes of the texts the base holds. */
  get baseTextBytes(): number {
    return this.#base.end.textBytes;
  }

  /** Raw bytes of the texts the deltas hold (those that could be opened). */
  get deltaTextBytes(): number {
    return this.#deltas.reduce((n, d) => n + (d?.end.textBytes ?? 0), 0);
  }

  /** Unique chunks, their raw bytes and the bytes of the PACK blocks storing them, over every file. */
  get uniqueChunks(): number {
    return this.#readers().reduce((n, r) => n + r.end.chunks, 0);
  }

  get uniqueBytes(): number {
    return this.#readers().reduce((n, r) => n + r.end.uniqueBytes, 0);
  }

  get packBytes(): number {
    return this.#readers().reduce((n, r) => n + r.packBytes, 0);
  }

  /**
   * The record that wins for each key (see header): the base's not overridden, then the deltas',
   * oldest first. Damaged blocks are skipped and counted.
   */
  *files(): Iterable<SnapshotFile> {
    const decided = this.#decide();
    for (const f of this.#base.files()) if (!decided.has(f.key)) yield f;
    for (let i = 0; i < this.#deltas.length; i++) {
      const d = this.#deltas[i];
      if (!d) continue;
      for (const f of d.files()) if (decided.get(f.key) === i) yield f;
    }
  }

  /** `key`'s text from the file holding its record (snapshot/reader.ts's checks; damage throws). */
  readText(key: string): Uint8Array {
    const r = this.#holder(key);
    if (!r) throw new Error(`snapshot store ${this.path}: no record for ${key}`);
    return r.readText(key);
  }

  /** `key`'s record, read again (undefined when the store holds none, or its block is damaged now). */
  record(key: string): SnapshotFile | undefined {
    return this.#holder(key)?.record(key);
  }

  /** Chunk references of `key`'s text (0 for a key the store does not hold). */
  chunkCount(key: string): number {
    return this.#holder(key)?.chunkCount(key) ?? 0;
  }

  /** Checks every PACK block's CRC in every file (snapshot/reader.ts); returns the damaged ones. */
  verifyPacks(): number {
    return this.#readers().reduce((n, r) => n + r.verifyPacks(), 0);
  }

  /**
   * Copies the winning records (with their texts) and removals of the deltas from `from` on into `w`
   * — a `merge` writer replacing them — but for the keys `skip` names (the save's own changes). A text
   * that no longer verifies becomes a removal (counted in `damage`), so no older record comes back in
   * its place.
   */
  async copyDeltas(w: StoreWriter, skip: (key: string) => boolean, from = 0): Promise<void> {
    const decided = this.#decide();
    for (let i = from; i < this.#deltas.length; i++) {
      const d = this.#deltas[i];
      if (!d) continue;
      for (const f of d.files()) {
        if (decided.get(f.key) !== i || skip(f.key)) continue;
        let text: Uint8Array;
        try {
          text = d.readText(f.key);
        } catch (err) {
          if (!(err instanceof SnapshotFormatError)) throw err;
          await w.remove(f.key);
          continue;
        }
        await w.add(f, text);
      }
    }
    for (const [key, at] of decided) if (at < 0 && deltaOf(at) >= from && !skip(key)) await w.remove(key);
  }

  /** Idempotent; reads after close throw. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#readers()) r.close();
  }

  #readers(): SnapshotReader[] {
    return [this.#base, ...this.#deltas.filter((d): d is SnapshotReader => d !== undefined)];
  }

  #holder(key: string): SnapshotReader | undefined {
    const at = this.#decide().get(key);
    if (at !== undefined && at < 0) return undefined;
    return at === undefined ? this.#base : this.#deltas[at];
  }

  /** Which delta decides each key the deltas mention, newest first (see header). */
  #decide(): Map<string, number> {
    if (this.#decided) return this.#decided;
    const decided = new Map<string, number>();
    for (let i = this.#deltas.length - 1; i >= 0; i--) {
      const d = this.#deltas[i];
      if (!d) continue;
      for (const f of d.files()) if (!decided.has(f.key)) decided.set(f.key, i);
      for (const key of d.removed()) if (!decided.has(key)) decided.set(key, removalAt(i));
    }
    this.#decided = decided;
    return decided;
  }
}

/** What a store write adds: a new base, one more delta, or one delta in place of the newest ones. */
export type StoreWriteKind = 'base' | 'delta' | 'merge';

/** What `StoreWriter.commit` wrote. */
export interface StoreWritten extends SnapshotWritten {
  /** The new file's bytes and the manifest's: what the write cost. */
  writtenBytes: number;
  manifest: Manifest;
}

/** One new file of a store, then the manifest that lists it (see header). */
export class StoreWriter {
  private constructor(
    private readonly manifestPath: string,
    private readonly root: string,
    private readonly kind: StoreWriteKind,
    private readonly over: Manifest | undefined,
    private readonly entry: Omit<StoreEntry, 'bytes'>,
    private readonly writer: SnapshotWriter,
    private readonly mergeFrom: number,
  ) {}

  /**
   * Starts a write of kind `kind` to the store at `manifestPath` whose manifest is now `over` (none
   * for a first base). A delta or merge needs `over`; a merge replaces the deltas from `mergeFrom`
   * (default 0: all of them).
   */
  static async create(
    manifestPath: string, root: string, kind: StoreWriteKind, over: Manifest | undefined,
    options: SnapshotWriterOptions & { mergeFrom?: number } = {},
  ): Promise<StoreWriter> {
    if (kind !== 'base' && !over) throw new Error(`a ${kind} needs a store to apply to`);
    const mergeFrom = options.mergeFrom ?? 0;
    if (!(Number.isInteger(mergeFrom) && mergeFrom >= 0 && mergeFrom <= (over?.deltas.length ?? 0)))
      throw new RangeError(`mergeFrom ${mergeFrom}`);
    const entry = { serial: over?.nextSerial ?? 1, kind: kind === 'base' ? 'base' as const : 'delta' as const,
      nonce: newNonce() };
    const writer = await SnapshotWriter.create(entryPath(manifestPath, entry), { root, ...entry }, options);
    return new StoreWriter(manifestPath, root, kind, over, entry, writer, mergeFrom);
  }

  add(file: SnapshotFileInput, text: Uint8Array): Promise<void> {
    return this.writer.add(file, text);
  }

  remove(key: string): Promise<void> {
    return this.writer.remove(key);
  }

  /**
   * Writes the file, then the manifest naming it. Files the new manifest drops stay until
   * `sweepStore` (after the caller has closed its readers of them).
   */
  async commit(): Promise<StoreWritten> {
    const done = await this.writer.commit();
    const file = entryPath(this.manifestPath, this.entry);
    const entry: StoreEntry = { ...this.entry, bytes: done.bytes };
    const older = this.over?.deltas ?? [];
    const kept = this.kind === 'merge' ? older.slice(0, this.mergeFrom) : older;
    const deltas = this.kind === 'base' ? [] : [...kept, entry];
    const manifest: Manifest = {
      root: this.root, nextSerial: entry.serial + 1, base: this.kind === 'base' ? entry : this.over!.base, deltas,
    };
    let manifestBytes: number;
    try {
      manifestBytes = await writeManifest(this.manifestPath, manifest);
    } catch (e) {
      fs.rmSync(file, { force: true });
      throw e;
    }
    return { ...done, writtenBytes: done.bytes + manifestBytes, manifest };
  }

  /** Removes the file being written; the store stays as it was. Idempotent. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/**
 * Deletes the files of the store at `manifestPath` that `manifest` does not list (all of them when
 * there is no manifest), and temp files of writers no longer running. Returns how many went. Call it
 * only where no write of this store is under way in this process.
 */
export function sweepStore(manifestPath: string, manifest: Manifest | undefined): number {
  const dir = path.dirname(manifestPath);
  const base = path.basename(manifestPath);
  const listed = new Set(manifest ? [manifest.base, ...manifest.deltas].map((e) => nameOf(manifestPath, e)) : []);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(base) || listed.has(name)) continue;
    const rest = name.slice(base.length);
    const temp = TEMP_FILE.exec(rest);
    const p = path.join(dir, name);
    let stale = DATA_FILE.test(rest);
    if (temp) {
      stale = !processAlive(Number(temp[1]));
      if (!stale) {
        try {
          stale = Date.now() - fs.statSync(p).mtimeMs > STALE_TEMP_MS;
        } catch {
          continue;
        }
      }
    }
    if (!stale) continue;
    try {
      fs.rmSync(p, { force: true });
      removed++;
    } catch {
      // held open elsewhere (Windows) or not ours to delete: a later sweep tries again
    }
  }
  return removed;
}
