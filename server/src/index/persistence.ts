/**
 * The persistent cache seen from the workspace: load a root's snapshot store (snapshot/store.ts),
 * reconcile it with the disk, save what changed.
 * - Load: every winning record that verifies becomes the file's symbols, file-table row and a
 *   metadata-only cache entry (`SourceCache.adopt`) whose fallback reads the store's packs, then the
 *   disk while size and mtime are unchanged; nothing is parsed or read. Unlisted store files go.
 * - Reconcile: a scanned file whose size and mtime match is kept unread (`keep`); changed and new
 *   files are indexed; records of files not scanned are forgotten.
 * - Save (after a run that changed anything; soon after `changed(keys)` finds a record that would
 *   differ; at shutdown within a deadline): `recorded` keeps what the store holds of each file as one
 *   short string, so a save finds the records that differ without reading a text and writes them and
 *   the removals as one delta (texts via `SourceCache.peek`); nothing differing, nothing written. A
 *   whole base instead when the store is missing, damaged or replaced by another process, or when the
 *   deltas would outgrow DELTA_FRACTION of the base (compaction). Then deltas merge as a binary
 *   counter: from the oldest that does not outweigh all newer ones together, into one — so they
 *   number about log2 of their bytes over one save's, and a byte is rewritten about as often. Only
 *   files with a disk state and no open buffer: an open document keeps its stored disk record. The
 *   occurrence index is flushed first, a loaded file whose occurrences it lacks reported missing
 *   (occurrences/); the disk budget is applied last.
 * - The store is the cold tier: once a save has committed (or found nothing to write), every file
 *   whose record the store holds is backed by it in the cache (`SourceCache.back`, as a load's
 *   `adopt`), and so is a file reported `changed` whose record it holds already (a document closed
 *   unchanged), if the record is the file's as the index has it and the entry's current text is the
 *   record's (length and CRC, compared then): cold, its bytes leave memory; warm, they leave instead
 *   of going cold. A backed entry's fallback reads the latest reader, so merges and new bases keep it
 *   readable; a damaged or missing store file falls back to the disk (while unchanged), then to a
 *   re-read (freshness.ts), as a loaded file does.
 * Guarantees: nothing damaged is served; damage is skipped, counted, logged, and leads to a new base.
 * Every text read back from the store is verified against its entry (length, CRC) before it is served.
 * Concurrency: async; saves of one store never overlap nor run during its root's load (requests
 * meanwhile coalesce into one more); one past its deadline is aborted, leaving the previous store
 * whole; a shutdown's save writes its delta and leaves compaction and merges to the next save.
 */
import { existsSync } from 'node:fs';
import { crc32 } from '../cache/index.js';
import { readIfUnchanged } from './diskFallback.js';
import type { IndexTargets } from './fileIndexer.js';
import { forgetFile } from './fileIndexer.js';
import type { ScannedFile } from './scanner.js';
import { persistenceEnabled, type StrataSettings } from './settings.js';
import { cacheRootOf, enforceDiskBudget, snapshotPath } from './snapshot/location.js';
import { readManifest, sameManifest, type Manifest } from './snapshot/manifest.js';
import type { SnapshotFile } from './snapshot/records.js';
import { StoreReader, StoreWriter, sweepStore, type StoreWriteKind, type StoreWritten } from './snapshot/store.js';
import type { PersistStats } from '../protocol.js';
import { errorMessage } from '../base/errors.js';

/** Watched-file changes are saved this long after the last one (a checkout touches many files at once). */
const SAVE_DEBOUNCE_MS = 2_000;
/** Loading yields to the event loop after this many records, so requests are answered meanwhile. */
const LOAD_SLICE = 512;
const MiB = 1024 * 1024;
/**
 * A save whose delta would take the deltas past this fraction of the base's bytes writes a new base
 * instead: the deltas never cost more than this share of disk, and a base is rewritten at most once
 * per this share of the base written as deltas (docs/decisions.md).
 */
const DELTA_FRACTION = 0.25;
/**
 * More deltas than this are merged into one whatever their sizes (a bound the binary counter of
 * `#mergeDeltas` keeps them far below): each is a file descriptor, a manifest entry and a read at load.
 */
const MAX_DELTAS = 32;
/** Bytes a delta costs beyond its texts: per record or removal, and per file (headers, END, manifest). */
const DELTA_RECORD_BYTES = 256;
const DELTA_FILE_BYTES = 512;
/** Keys examined between checks of the deadline while finding what changed. */
const PLAN_SLICE = 4096;

export interface PersistenceOptions {
  targets: IndexTargets;
  settings: () => StrataSettings;
  /** True for a document open in an editor: its text is the editor's, never loaded nor saved. */
  isOpen: (key: string) => boolean;
  /** The snapshot file of a root instead of the default location (`strata index --save FILE`). */
  snapshotFile?: (root: string) => string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Bounds of the deltas before they are merged or folded into a new base (tests; see the constants). */
  compaction?: { maxDeltas?: number; deltaFraction?: number };
}

/** What an index run does with a loaded snapshot: which scanned files to keep, and the end of the run. */
export interface Reconcile {
  keep(file: ScannedFile): boolean;
  /** After the scan: forgets the records whose file was not seen; `reindexed` = files indexed from disk by the run. */
  finish(reindexed: number): void;
}

interface RootState {
  root: string;
  path: string;
  reader: StoreReader | undefined;
  /** Damage messages of `reader` already logged. */
  logged: number;
  /** Damage of `reader` already answered by making the next save a whole base. */
  handled: number;
  /** The next save writes a whole base (damage was found, or a compaction was asked for). */
  whole: 'damage' | 'compaction' | undefined;
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** What the store holds of each key (`recordSignature`), as loaded or last written. */
  recorded: Map<string, string>;
  /** Keys reported changed while a save ran: compared with what that save recorded once it ends. */
  changedDuringSave: Set<string>;
  /** The load under way: a save waits for it (it would write a half-loaded index and cut the load short). */
  loading: Promise<unknown> | undefined;
}

/** What a save would write: the keys whose record differs from the store's, and those it must remove. */
interface SavePlan {
  changed: string[];
  removed: string[];
  /** Text bytes of `changed` (to foresee the delta's size). */
  changedBytes: number;
}

/** The fields of a record that decide what it says; its symbols, filter and text follow from the text. */
interface RecordFields {
  size: number; mtimeMs: number; language: string; length: number; crc: number;
  hasErrors: boolean; noTreeReason?: string | undefined;
}

/**
 * Equal for two records that say the same: a file whose signature is the recorded one needs no save.
 * Built with `join`, which makes one flat string: a template literal keeps a tree of its pieces, and
 * one is kept per file of the workspace.
 */
function recordSignature(r: RecordFields): string {
  return [r.size, r.mtimeMs, r.language, r.length, r.crc, r.hasErrors ? 1 : 0, r.noTreeReason ?? ''].join(':');
}

/** True for a file key inside workspace root `root`. */
export function under(root: string, key: string): boolean {
  return key.startsWith(root.endsWith('/') ? root : root + '/');
}

export class Persistence {
  readonly #o: PersistenceOptions;
  readonly #roots = new Map<string, RootState>();
  /** Damage found in readers already closed (their counts must not vanish from the stats). */
  #closedDamage = 0;
  /** Snapshots that could not be opened although they existed. */
  #rejected = 0;
  /**
   * The save of each snapshot file in progress, by path rather than by root state: a root removed and
   * added again during a save has a new state but the same file.
   */
  readonly #saving = new Map<string, Promise<void>>();
  /** Writes running per snapshot file, counted where they run: what `mostSavesAtOnce` reports. */
  readonly #writesRunning = new Map<string, number>();
  readonly #stats = {
    snapshotPath: undefined as string | undefined,
    loadedFiles: 0, keptFiles: 0, reindexedFiles: 0, removedFiles: 0,
    loadMs: 0, saves: 0, lastSaveBytes: 0, lastSaveFiles: 0, lastSaveMs: 0, failedSaves: 0, evictedCaches: 0,
    mostSavesAtOnce: 0, deltaSaves: 0, deltaMerges: 0, compactions: 0, lastSaveRecords: 0, adoptedFiles: 0,
  };
  #closed = false;

  constructor(options: PersistenceOptions) {
    this.#o = options;
  }

  get enabled(): boolean {
    return persistenceEnabled(this.#o.settings());
  }

  #pathOf(root: string): string {
    return this.#o.snapshotFile?.(root) ?? snapshotPath(root, this.#o.settings().cacheDir, this.#o.env);
  }

  /**
   * Where `root`'s occurrence index lives: beside its snapshot, so the two age and are evicted
   * together; undefined when persistence is off.
   */
  occurrenceDir(root: string): string | undefined {
    return this.enabled ? `${this.#pathOf(root)}.occ` : undefined;
  }

  #state(root: string): RootState {
    let s = this.#roots.get(root);
    if (!s) {
      s = {
        root, path: this.#pathOf(root), reader: undefined, logged: 0, handled: 0, whole: undefined, dirty: false,
        timer: undefined, recorded: new Map(), changedDuringSave: new Set(), loading: undefined,
      };
      this.#roots.set(root, s);
    }
    return s;
  }

  /** Logs damage the reader found since the last call; a damaged store is replaced by a whole one soon. */
  #reportDamage(s: RootState): void {
    const damage = s.reader?.damage;
    if (!damage) return;
    for (; s.logged < damage.messages.length; s.logged++) {
      this.#o.targets.log.warn(
        `persistent cache ${s.path}: damage detected, rebuilt from disk: ${damage.messages[s.logged]}`,
      );
    }
    if (damage.blocks <= s.handled) return;
    s.handled = damage.blocks;
    // A delta cannot mend a damaged block of an older file: only a new base drops it.
    s.whole = 'damage';
    this.#schedule(s);
  }

  /** Marks the root's snapshot out of date and saves it after SAVE_DEBOUNCE_MS without further changes. */
  #schedule(s: RootState): void {
    s.dirty = true;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void this.save(s.root);
    }, SAVE_DEBOUNCE_MS);
    s.timer.unref();
  }

  /**
   * Loads `root`'s snapshot into the index (see header). Returns the reconcile step of the run that
   * follows, or undefined when persistence is off (the run then indexes everything, saves nothing).
   */
  async load(root: string): Promise<Reconcile | undefined> {
    if (!this.enabled) return undefined;
    const s = this.#state(root);
    const loading = this.#load(root, s);
    s.loading = loading;
    try {
      return await loading;
    } finally {
      if (s.loading === loading) s.loading = undefined;
    }
  }

  async #load(root: string, s: RootState): Promise<Reconcile> {
    const started = performance.now();
    s.path = this.#pathOf(root);
    this.#stats.snapshotPath = s.path;
    this.#closeReader(s);
    const loaded = new Map<string, { size: number; mtimeMs: number }>();
    const recorded = new Map<string, string>();
    s.recorded = recorded;
    s.whole = undefined;
    let usable = true;
    if (existsSync(s.path)) {
      try {
        s.reader = StoreReader.open(s.path, { root });
      } catch (err) {
        usable = false;
        this.#rejected++;
        this.#o.targets.log.warn(
          `persistent cache ${s.path}: ignored, the workspace is indexed from disk (${errorMessage(err)})`,
        );
      }
    }
    // A crash's leftovers go; a save of this store running now sweeps after its own manifest.
    if (usable && !this.#saving.has(s.path)) sweepStore(s.path, s.reader?.manifest);
    const reader = s.reader;
    if (reader) {
      const t = this.#o.targets;
      let n = 0;
      for (const f of reader.files()) {
        if (++n % LOAD_SLICE === 0) await new Promise((r) => setImmediate(r));
        if (s.reader !== reader) break; // the root was removed (or reloaded) meanwhile
        if (!under(root, f.key)) continue;
        // Every record the file holds, open documents' too: a close then saves only what differs.
        recorded.set(f.key, recordSignature(f));
        if (this.#o.isOpen(f.key) || !t.enabled(f.language)) continue;
        t.cache.adopt(f.key, { length: f.length, crc: f.crc }, this.#fallback(s, f.key, f));
        if (f.noTreeReason === undefined) {
          t.symbols.replaceFile(f.key, f.symbols);
          t.occurrences.expect(f.key, { bytes: f.length, crc: f.crc });
        } else {
          t.symbols.removeFile(f.key);
          t.occurrences.forget(f.key);
        }
        t.files.set(f.key, {
          language: f.language, bytes: f.length, disk: { size: f.size, mtimeMs: f.mtimeMs }, hasErrors: f.hasErrors,
          ...(f.noTreeReason !== undefined ? { noTreeReason: f.noTreeReason } : {}),
          analyzed: { bytes: f.length, crc: f.crc },
        });
        loaded.set(f.key, { size: f.size, mtimeMs: f.mtimeMs });
      }
      this.#reportDamage(s);
      t.log.info(
        `persistent cache ${s.path}: loaded ${loaded.size} files in ${Math.round(performance.now() - started)} ms`,
      );
    }
    this.#stats.loadedFiles += loaded.size;
    this.#stats.loadMs += performance.now() - started;
    // A root without a usable snapshot gets one after its run, changed or not.
    if (!reader) s.dirty = true;
    return {
      keep: (file) => {
        const rec = loaded.get(file.path);
        if (!rec) return false;
        loaded.delete(file.path);
        const row = this.#o.targets.files.get(file.path);
        // Kept only while the record is still what was loaded (no watched change meanwhile).
        if (rec.size === file.size && rec.mtimeMs === file.mtimeMs
          && row?.disk?.size === rec.size && row.disk.mtimeMs === rec.mtimeMs) {
          this.#stats.keptFiles++;
          return true;
        }
        return false;
      },
      finish: (reindexed) => {
        let removed = 0;
        for (const key of loaded.keys()) {
          if (this.#o.isOpen(key)) continue;
          const row = this.#o.targets.files.get(key);
          // Still the loaded row (not re-indexed by a watched-file event meanwhile): its file is gone.
          if (row?.disk) { forgetFile(this.#o.targets, key); removed++; }
        }
        loaded.clear();
        this.#stats.reindexedFiles += reindexed;
        this.#stats.removedFiles += removed;
        if (reindexed > 0 || removed > 0) s.dirty = true;
      },
    };
  }

  /**
   * The cache fallback of a file the store holds: the text of its record in the root's store as it is
   * when read (the reader of the latest manifest, which a merge or a new base replaces), then the disk
   * while its size and mtime are `disk`'s.
   */
  #fallback(s: RootState, key: string, disk: { size: number; mtimeMs: number }): () => Uint8Array | undefined {
    // One closure per file (it is kept by every entry the store backs): the disk's part is a call.
    const { size, mtimeMs } = disk;
    return () => {
      const reader = s.reader;
      if (reader) {
        try {
          return reader.readText(key);
        } catch {
          // Damage is counted by the reader; a text the snapshot does not have is no damage.
          this.#reportDamage(s);
        }
      }
      return readIfUnchanged(key, size, mtimeMs);
    };
  }

  /**
   * After a save: every file whose committed record holds exactly its cache entry's current text
   * becomes backed by the store (`SourceCache.back`) — a cold entry drops its bytes now, a warm one
   * when demoted — so the cache keeps in memory only texts the store does not have. Compared now, key
   * by key: the record is the file's as the index has it (same signature: nothing re-indexed since the
   * save read it) and the entry's text is that record's (length and CRC: not edited since). Open
   * documents are left alone. Returns the entries that dropped their bytes.
   */
  async #backSaved(root: string, s: RootState): Promise<number> {
    let dropped = 0;
    let n = 0;
    for (const key of s.recorded.keys()) {
      if (++n % PLAN_SLICE === 0) {
        await new Promise((r) => setImmediate(r));
        // The save is committed: a close or a removed root only ends this pass.
        if (this.#closed || this.#roots.get(root) !== s) break;
      }
      if (this.#back(s, key)) dropped++;
    }
    return dropped;
  }

  /**
   * Backs `key`'s cache entry by the store when the store's committed record is the file's as the
   * index has it and the entry's text is the record's, now (see `#backSaved`). True when a cold entry
   * dropped its bytes.
   */
  #back(s: RootState, key: string): boolean {
    const t = this.#o.targets;
    // A damaged store answers with a new base first (its copies may be gone: see copyDeltas).
    // Backed by the file it was read from, it is backed by the store's copy instead (the file may change).
    if (!s.reader || s.whole === 'damage' || this.#o.isOpen(key) || t.cache.backing(key) === 'copy') return false;
    const signature = s.recorded.get(key);
    const row = t.files.get(key);
    if (signature === undefined || !row?.disk || !row.analyzed) return false;
    if (this.#currentSignature(key) !== signature) return false;
    const cold = t.cache.tier(key) === 'cold';
    return t.cache.back(key, { length: row.analyzed.bytes, crc: row.analyzed.crc }, this.#fallback(s, key, row.disk))
      && cold;
  }

  /** The signature of the record a save would write for `key` now; undefined when it would write none. */
  #currentSignature(key: string): string | undefined {
    const t = this.#o.targets;
    const row = t.files.get(key);
    if (!row?.disk || !row.language || !row.analyzed || !t.cache.has(key)) return undefined;
    return recordSignature({
      size: row.disk.size, mtimeMs: row.disk.mtimeMs, language: row.language, length: row.analyzed.bytes,
      crc: row.analyzed.crc, hasErrors: row.hasErrors, noTreeReason: row.noTreeReason,
    });
  }

  /**
   * True when `key`'s record would differ from the snapshot's. A held document is left alone: a save
   * leaves it out, and its close asks again once the disk has the last word.
   */
  #differs(s: RootState, key: string): boolean {
    return !this.#o.isOpen(key) && this.#currentSignature(key) !== s.recorded.get(key);
  }

  /**
   * Notes that files of the index may have changed (watched files, a closed document, a re-read): the
   * root's snapshot is saved soon if any of their records would differ from the snapshot's; those whose
   * record it holds already are backed by it now (a document closed unchanged).
   */
  changed(keys: Iterable<string>): void {
    if (!this.enabled) return;
    const list = [...keys];
    for (const [root, s] of this.#roots) {
      const mine = list.filter((k) => under(root, k));
      if (mine.length === 0) continue;
      // The running save may or may not have written them yet: decided against what it recorded.
      if (this.#saving.has(s.path)) {
        for (const k of mine) s.changedDuringSave.add(k);
        continue;
      }
      let differs = false;
      for (const k of mine) {
        if (this.#differs(s, k)) differs = true;
        else if (this.#o.isOpen(k)) continue;
        else if (this.#back(s, k)) this.#stats.adoptedFiles++;
      }
      if (differs) this.#schedule(s);
    }
  }

  /** Saves `root`'s snapshot when it changed since the last save (see header). Never throws: failures are logged. */
  async save(root: string, deadline = Infinity): Promise<void> {
    const s = this.#roots.get(root);
    if (!s || !this.enabled) return;
    // One save of a file at a time: requests meanwhile wait, and the first to wake makes the one follow-up.
    for (let running = this.#busy(s); running; running = this.#busy(s)) await running.catch(() => undefined);
    if (!s.dirty || this.#roots.get(root) !== s) return;
    s.dirty = false;
    const path = s.path;
    const saving = this.#write(root, s, deadline).catch((err) => {
      s.dirty = true;
      this.#stats.failedSaves++;
      this.#o.targets.log.warn(
        `persistent cache ${path}: not saved (${errorMessage(err)}); the previous snapshot stays`,
      );
    }).finally(() => {
      this.#saving.delete(path);
      const keys = [...s.changedDuringSave];
      s.changedDuringSave.clear();
      if (this.#roots.get(root) === s && keys.some((k) => this.#differs(s, k))) this.#schedule(s);
    });
    this.#saving.set(path, saving);
    await saving;
  }

  /**
   * Folds `root`'s deltas into a new base now, whether or not they are due (tests and the benchmark;
   * saves compact by themselves, see header).
   */
  async compact(root: string): Promise<void> {
    const s = this.#roots.get(root);
    if (!s || !this.enabled) return;
    s.whole ??= 'compaction';
    s.dirty = true;
    await this.save(root);
  }

  /** What a save of `s` must wait for: a save of its file, or its load. */
  #busy(s: RootState): Promise<unknown> | undefined {
    return this.#saving.get(s.path) ?? s.loading;
  }

  /** Saves every changed root, each within `timeoutMs` from now (server shutdown). */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (const s of this.#roots.values()) if (s.timer) { clearTimeout(s.timer); s.timer = undefined; }
    for (const root of this.#roots.keys()) await this.save(root, deadline);
  }

  /** Counts the writes of one snapshot file running at once (never more than one: `save` waits). */
  async #write(root: string, s: RootState, deadline: number): Promise<void> {
    const path = s.path;
    const running = (this.#writesRunning.get(path) ?? 0) + 1;
    this.#writesRunning.set(path, running);
    this.#stats.mostSavesAtOnce = Math.max(this.#stats.mostSavesAtOnce, running);
    try {
      await this.#writeStore(root, s, deadline);
    } finally {
      const left = (this.#writesRunning.get(path) ?? 1) - 1;
      if (left > 0) this.#writesRunning.set(path, left);
      else this.#writesRunning.delete(path);
    }
  }

  /**
   * Writes `root`'s store to match the index now: a whole base, or the records that differ as a delta
   * (then merged with the newest deltas no larger); nothing when nothing differs (see header).
   */
  async #writeStore(root: string, s: RootState, deadline: number): Promise<void> {
    const started = performance.now();
    const t = this.#o.targets;
    // The occurrences of what the store records go to their segments first (occurrences/).
    await t.occurrences.flush();
    const plan = await this.#plan(root, s, deadline);
    const { kind, compaction } = this.#kindOf(root, s, plan, deadline);
    if (kind === undefined) {
      // Nothing to write; entries that left the store's keeping since (a document closed) are backed again.
      if (deadline === Infinity) this.#stats.adoptedFiles += await this.#backSaved(root, s);
      return;
    }
    const over = kind === 'base' ? this.#manifestNow(s) : s.reader!.manifest;
    const writer = await StoreWriter.create(s.path, root, kind, over);
    let written: StoreWritten;
    try {
      if (kind === 'base') {
        const recorded = await this.#fillBase(root, s, writer, deadline);
        written = await writer.commit();
        s.recorded = recorded;
      } else {
        const wrote = await this.#fillDelta(s, plan, writer, deadline);
        written = await writer.commit();
        for (const [key, signature] of wrote) {
          if (signature === undefined) s.recorded.delete(key);
          else s.recorded.set(key, signature);
        }
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const records = written.files + written.removed;
    const x = this.#stats;
    x.saves++;
    if (kind !== 'base') x.deltaSaves++;
    if (compaction) x.compactions++;
    x.lastSaveBytes = written.writtenBytes;
    x.lastSaveFiles = s.recorded.size;
    x.lastSaveRecords = records;
    x.snapshotPath = s.path;
    // Texts of loaded files now come from the new store; a root removed meanwhile closed its reader for good.
    const current = this.#roots.get(root) === s;
    if (current) this.#reopen(root, s, kind);
    let manifest = written.manifest;
    // A delta may make the newest deltas due for a merge (header); a shutdown leaves that to the next save.
    if (current && kind === 'delta' && deadline === Infinity) manifest = await this.#mergeDeltas(root, s) ?? manifest;
    x.lastSaveMs = performance.now() - started;
    // After the manifest that drops them, and after their readers closed: the files no longer listed.
    sweepStore(s.path, manifest);
    t.log.info(`persistent cache ${s.path}: saved ${records} files as a ${kind}, `
      + `${(x.lastSaveBytes / MiB).toFixed(2)} MB in ${Math.round(x.lastSaveMs)} ms`);
    // The texts the store now holds leave memory (a shutdown's save has no use for it).
    if (current && deadline === Infinity) x.adoptedFiles += await this.#backSaved(root, s);
    const cacheRoot = cacheRootOf(s.path);
    if (cacheRoot) {
      const { removed } = enforceDiskBudget(cacheRoot, this.#o.settings().cacheDiskMB * MiB, s.path);
      x.evictedCaches += removed.length;
      for (const dir of removed)
        t.log.info(`persistent cache: ${dir} removed (disk budget ${this.#o.settings().cacheDiskMB} MB)`);
    }
  }

  /**
   * The binary counter (see header): every delta must outweigh the newer ones together; from the oldest
   * that does not, the deltas become one (all of them past `maxDeltas`). Returns the manifest written,
   * or undefined when no merge was due. Its bytes count in the save's.
   */
  async #mergeDeltas(root: string, s: RootState): Promise<Manifest | undefined> {
    const reader = s.reader;
    if (!reader) return undefined;
    const deltas = reader.manifest.deltas;
    let from = deltas.length - 1;
    let newer = 0;
    for (let j = deltas.length - 1; j >= 0; j--) {
      if (deltas[j]!.bytes <= newer) from = j;
      newer += deltas[j]!.bytes;
    }
    if (from + 1 > (this.#o.compaction?.maxDeltas ?? MAX_DELTAS)) from = 0;
    if (from >= deltas.length - 1) return undefined;
    const writer = await StoreWriter.create(s.path, root, 'merge', reader.manifest, { mergeFrom: from });
    let written: StoreWritten;
    try {
      await reader.copyDeltas(writer, () => false, from);
      written = await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    this.#stats.deltaMerges++;
    this.#stats.lastSaveBytes += written.writtenBytes;
    if (this.#roots.get(root) === s) this.#reopen(root, s, 'merge');
    return written.manifest;
  }

  /** The reader of the store just written: a delta's keeps the files it shares with the one before. */
  #reopen(root: string, s: RootState, kind: StoreWriteKind): void {
    const before = s.reader;
    try {
      if (kind === 'base' || !before) {
        this.#closeReader(s);
        s.reader = StoreReader.open(s.path, { root });
      } else {
        s.reader = StoreReader.open(s.path, { root }, { from: before });
      }
    } catch (err) {
      if (s.reader === before) this.#closeReader(s);
      s.reader = undefined;
      this.#rejected++;
      this.#o.targets.log.warn(
        `persistent cache ${s.path}: cannot reopen after saving (${errorMessage(err)}); texts come from the disk`,
      );
    }
    if (kind === 'base') s.whole = undefined;
    // Damage met while merging the deltas (a text no longer verifying) asks for a whole base.
    this.#reportDamage(s);
  }

  /** The manifest a new base follows (for its serial): the reader's, else the one on disk if it reads. */
  #manifestNow(s: RootState): Manifest | undefined {
    if (s.reader) return s.reader.manifest;
    try {
      return readManifest(s.path, s.root);
    } catch {
      return undefined;
    }
  }

  /** True for a key a save writes: a file with a disk state, a language and a text in the cache. */
  #storable(key: string): boolean {
    const t = this.#o.targets;
    const row = t.files.get(key);
    return !!row?.disk && !!row.language && t.cache.has(key);
  }

  #checkTime(deadline: number): void {
    if (this.#closed) throw new Error('persistence closed');
    if (performance.now() > deadline) throw new Error('deadline passed');
  }

  /** The records that differ from the store's, and the keys it holds that are gone (no text is read). */
  async #plan(root: string, s: RootState, deadline: number): Promise<SavePlan> {
    const plan: SavePlan = { changed: [], removed: [], changedBytes: 0 };
    let n = 0;
    for (const key of [...this.#o.targets.files.under(root)]) {
      if (++n % PLAN_SLICE === 0) {
        this.#checkTime(deadline);
        await new Promise((r) => setImmediate(r));
      }
      if (this.#o.isOpen(key) || !this.#storable(key)) continue;
      if (this.#currentSignature(key) !== s.recorded.get(key)) {
        plan.changed.push(key);
        plan.changedBytes += this.#o.targets.files.get(key)?.bytes ?? 0;
      }
    }
    for (const key of s.recorded.keys()) if (!this.#o.isOpen(key) && !this.#storable(key)) plan.removed.push(key);
    return plan;
  }

  /** What a save writes (see header), and whether it is a compaction; no kind when nothing differs. */
  #kindOf(root: string, s: RootState, plan: SavePlan, deadline: number):
    { kind: StoreWriteKind | undefined; compaction: boolean } {
    const reader = s.reader;
    if (!reader || s.whole === 'damage') return { kind: 'base', compaction: false };
    let onDisk: Manifest | undefined;
    try {
      onDisk = readManifest(s.path, root);
    } catch {
      onDisk = undefined;
    }
    // Another process wrote the store since it was read: only a whole base says what this one holds.
    if (!sameManifest(onDisk, reader.manifest)) return { kind: 'base', compaction: false };
    // A shutdown (a deadline) writes the small delta; the compaction waits for the next save.
    const unhurried = deadline === Infinity;
    if (s.whole === 'compaction' && unhurried) return { kind: 'base', compaction: true };
    const records = plan.changed.length + plan.removed.length;
    if (records === 0) return { kind: undefined, compaction: false };
    const fraction = this.#o.compaction?.deltaFraction ?? DELTA_FRACTION;
    // The delta's bytes foreseen from its texts': at the deltas' bytes per text byte (records included)
    // where they hold texts, else at the base's (a near-empty base, all headers: 1).
    const ratio = reader.deltaTextBytes > 0 ? reader.deltaBytes / reader.deltaTextBytes
      : reader.baseTextBytes > 0 ? Math.min(1, reader.baseBytes / reader.baseTextBytes) : 1;
    const foreseen = plan.changedBytes * ratio + records * DELTA_RECORD_BYTES + DELTA_FILE_BYTES;
    if (unhurried && reader.deltaBytes + foreseen > fraction * reader.baseBytes) {
      return { kind: 'base', compaction: true };
    }
    return { kind: 'delta', compaction: false };
  }

  /** The record of `key` as a save writes it, with its text; undefined (logged) when the text cannot be had. */
  #recordOf(key: string): { record: SnapshotFile; text: Uint8Array } | undefined {
    const t = this.#o.targets;
    const row = t.files.get(key)!;
    let text: Uint8Array;
    try {
      text = t.cache.peek(key);
    } catch (err) {
      t.log.warn(`${key}: not saved in the persistent cache (${errorMessage(err)})`);
      return undefined;
    }
    const record: SnapshotFile = {
      key, size: row.disk!.size, mtimeMs: row.disk!.mtimeMs, language: row.language!,
      length: text.length, crc: crc32(text), hasErrors: row.hasErrors,
      symbols: row.noTreeReason === undefined && t.symbols.hasFile(key) ? t.symbols.symbolsOf(key) : [],
      ...(row.noTreeReason !== undefined ? { noTreeReason: row.noTreeReason } : {}),
    };
    return { record, text };
  }

  /**
   * A whole base: every storable file, and for an open document the record its disk state had in the
   * store being replaced (its text may be unsaved: never written from the editor).
   */
  async #fillBase(root: string, s: RootState, writer: StoreWriter, deadline: number): Promise<Map<string, string>> {
    const recorded = new Map<string, string>();
    for (const key of [...this.#o.targets.files.under(root)]) {
      this.#checkTime(deadline);
      if (this.#o.isOpen(key)) {
        const kept = this.#heldRecord(s, key);
        if (!kept) continue;
        await writer.add(kept.record, kept.text);
        recorded.set(key, recordSignature(kept.record));
        continue;
      }
      if (!this.#storable(key)) continue;
      const put = this.#recordOf(key);
      if (!put) continue;
      await writer.add(put.record, put.text);
      recorded.set(key, recordSignature(put.record));
    }
    return recorded;
  }

  /** An open document's record and text in the store now, when it holds them whole. */
  #heldRecord(s: RootState, key: string): { record: SnapshotFile; text: Uint8Array } | undefined {
    const reader = s.reader;
    if (!reader || !s.recorded.has(key)) return undefined;
    try {
      const record = reader.record(key);
      return record ? { record, text: reader.readText(key) } : undefined;
    } catch {
      this.#reportDamage(s);
      return undefined;
    }
  }

  /**
   * A delta: the records of the plan's changed keys (as they are now) and its removals. Returns the
   * signatures it wrote per key (undefined: removed).
   */
  async #fillDelta(s: RootState, plan: SavePlan, writer: StoreWriter, deadline: number):
    Promise<Map<string, string | undefined>> {
    const wrote = new Map<string, string | undefined>();
    const remove = async (key: string): Promise<void> => {
      if (!s.recorded.has(key)) return;
      await writer.remove(key);
      wrote.set(key, undefined);
    };
    for (const key of plan.changed) {
      this.#checkTime(deadline);
      // Opened since the plan: its store record stays. Gone since: removed.
      if (this.#o.isOpen(key)) continue;
      const put = this.#storable(key) ? this.#recordOf(key) : undefined;
      if (!put) {
        await remove(key);
        continue;
      }
      await writer.add(put.record, put.text);
      wrote.set(key, recordSignature(put.record));
    }
    for (const key of plan.removed) {
      this.#checkTime(deadline);
      if (!this.#o.isOpen(key) && !this.#storable(key)) await remove(key);
    }
    return wrote;
  }

  #closeReader(s: RootState): void {
    if (!s.reader) return;
    for (; s.logged < s.reader.damage.messages.length; s.logged++) {
      this.#o.targets.log.warn(
        `persistent cache ${s.path}: damage detected, rebuilt from disk: ${s.reader.damage.messages[s.logged]}`,
      );
    }
    this.#closedDamage += s.reader.damage.blocks;
    s.reader.close();
    s.reader = undefined;
    s.logged = 0;
    s.handled = 0;
  }

  /** Stops following `root` (its folder left the workspace); its snapshot stays on disk. */
  removeRoot(root: string): void {
    const s = this.#roots.get(root);
    if (!s) return;
    if (s.timer) clearTimeout(s.timer);
    this.#closeReader(s);
    this.#roots.delete(root);
  }

  /** Damage detected in snapshots so far (also counted in the stats' integrity.crcFailures). */
  get damagedBlocks(): number {
    let n = this.#closedDamage + this.#rejected;
    for (const s of this.#roots.values()) n += s.reader?.damage.blocks ?? 0;
    return n;
  }

  stats(): PersistStats {
    const x = this.#stats;
    return {
      enabled: this.enabled,
      ...(x.snapshotPath !== undefined ? { snapshotPath: x.snapshotPath } : {}),
      loadedFiles: x.loadedFiles,
      keptFiles: x.keptFiles,
      reindexedFiles: x.reindexedFiles,
      removedFiles: x.removedFiles,
      damagedBlocks: this.damagedBlocks,
      loadMs: Math.round(x.loadMs),
      saves: x.saves,
      failedSaves: x.failedSaves,
      lastSaveBytes: x.lastSaveBytes,
      lastSaveFiles: x.lastSaveFiles,
      lastSaveMs: Math.round(x.lastSaveMs),
      evictedCaches: x.evictedCaches,
      mostSavesAtOnce: x.mostSavesAtOnce,
      deltaSaves: x.deltaSaves,
      deltaMerges: x.deltaMerges,
      compactions: x.compactions,
      lastSaveRecords: x.lastSaveRecords,
      deltas: [...this.#roots.values()].reduce((n, s) => n + (s.reader?.deltaCount ?? 0), 0),
      storeBytes: [...this.#roots.values()].reduce((n, s) => n + (s.reader?.storeBytes ?? 0), 0),
      adoptedFiles: x.adoptedFiles,
    };
  }

  /** Ends timers and closes readers (after a final `flush`, when wanted); a save under way stops. */
  close(): void {
    this.#closed = true;
    for (const root of [...this.#roots.keys()]) this.removeRoot(root);
  }
}
