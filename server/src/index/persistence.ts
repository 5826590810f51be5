/**
 * The persistent cache seen from the workspace: load a root's snapshot, reconcile it with the disk,
 * save a new one. The file itself (format, checks, atomic writes, disk budget) is snapshot/.
 * - Load: every FILES record that verifies becomes the file's symbols, file-table row and a metadata-only
 *   cache entry (`SourceCache.adopt`) whose fallback reads the snapshot's packs, then the disk while size
 *   and mtime are unchanged. Nothing is parsed or read at load.
 * - Reconcile: a scanned file whose size and mtime match is kept unread (`keep`); changed and new
 *   files are indexed; records of files not scanned are forgotten.
 * - Save (after a run that changed anything; soon after `changed(keys)` finds a record that would be
 *   written otherwise; at shutdown within a deadline): files with a disk state and no open buffer, texts
 *   via `SourceCache.peek`, then the disk budget. Editor-only files are left out: a snapshot describes disk.
 *   What each record says is kept as one short string per file, so closes, reads and re-indexing that
 *   change nothing never rewrite the snapshot. The occurrence index's memtables are flushed first; a
 *   loaded file whose occurrences its index does not hold is reported missing (occurrences/).
 * Guarantees: nothing damaged is served; damage is skipped, counted, logged, and leads to a rewrite.
 * Concurrency: async; saves of one snapshot file never overlap (requests meanwhile coalesce into at
 * most one more), and one past its deadline is aborted, leaving the previous snapshot whole.
 */
import { existsSync } from 'node:fs';
import { crc32 } from '../cache/index.js';
import { diskFallback } from './diskFallback.js';
import type { IndexTargets } from './fileIndexer.js';
import { forgetFile } from './fileIndexer.js';
import type { ScannedFile } from './scanner.js';
import { persistenceEnabled, type StrataSettings } from './settings.js';
import { cacheRootOf, enforceDiskBudget, snapshotPath } from './snapshot/location.js';
import { SnapshotReader } from './snapshot/reader.js';
import type { SnapshotFile } from './snapshot/records.js';
import { SnapshotWriter } from './snapshot/writer.js';
import type { PersistStats } from '../protocol.js';
import { errorMessage } from '../base/errors.js';

/** Watched-file changes are saved this long after the last one (a checkout touches many files at once). */
const SAVE_DEBOUNCE_MS = 2_000;
/** Loading yields to the event loop after this many records, so requests are answered meanwhile. */
const LOAD_SLICE = 512;
const MiB = 1024 * 1024;

export interface PersistenceOptions {
  targets: IndexTargets;
  settings: () => StrataSettings;
  /** True for a document open in an editor: its text is the editor's, never loaded nor saved. */
  isOpen: (key: string) => boolean;
  /** The snapshot file of a root instead of the default location (`strata index --save FILE`). */
  snapshotFile?: (root: string) => string | undefined;
  env?: NodeJS.ProcessEnv;
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
  reader: SnapshotReader | undefined;
  /** Damage messages of `reader` already logged. */
  logged: number;
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** What the snapshot file records of each key (`recordSignature`), as loaded or last written. */
  recorded: Map<string, string>;
  /** Keys reported changed while a save ran: compared with what that save recorded once it ends. */
  changedDuringSave: Set<string>;
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
    mostSavesAtOnce: 0,
  };

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
        root, path: this.#pathOf(root), reader: undefined, logged: 0, dirty: false, timer: undefined,
        recorded: new Map(), changedDuringSave: new Set(),
      };
      this.#roots.set(root, s);
    }
    return s;
  }

  /** Logs damage the reader found since the last call; a damaged snapshot is replaced by a whole one soon. */
  #reportDamage(s: RootState): void {
    const messages = s.reader?.damage.messages ?? [];
    if (s.logged >= messages.length) return;
    for (; s.logged < messages.length; s.logged++)
      this.#o.targets.log.warn(`persistent cache ${s.path}: damage detected, rebuilt from disk: ${messages[s.logged]}`);
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
    const started = performance.now();
    const s = this.#state(root);
    s.path = this.#pathOf(root);
    this.#stats.snapshotPath = s.path;
    this.#closeReader(s);
    const loaded = new Map<string, { size: number; mtimeMs: number }>();
    const recorded = new Map<string, string>();
    s.recorded = recorded;
    if (existsSync(s.path)) {
      try {
        s.reader = SnapshotReader.open(s.path, { root });
      } catch (err) {
        this.#rejected++;
        this.#o.targets.log.warn(
          `persistent cache ${s.path}: ignored, the workspace is indexed from disk (${errorMessage(err)})`,
        );
      }
    }
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
        t.cache.adopt(f.key, { length: f.length, crc: f.crc }, this.#fallback(s, f));
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

  /** The cache fallback of a loaded file: the snapshot's packs, then the disk while unchanged. */
  #fallback(s: RootState, f: SnapshotFile): () => Uint8Array | undefined {
    const disk = diskFallback(f.key, f.size, f.mtimeMs);
    const key = f.key;
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
      return disk();
    };
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
   * root's snapshot is saved soon if any of their records would differ from the snapshot's.
   */
  changed(keys: Iterable<string>): void {
    if (!this.enabled) return;
    const list = [...keys];
    for (const [root, s] of this.#roots) {
      const mine = list.filter((k) => under(root, k));
      if (mine.length === 0) continue;
      // The running save may or may not have written them yet: decided against what it recorded.
      if (this.#saving.has(s.path)) for (const k of mine) s.changedDuringSave.add(k);
      else if (mine.some((k) => this.#differs(s, k))) this.#schedule(s);
    }
  }

  /** Saves `root`'s snapshot when it changed since the last save (see header). Never throws: failures are logged. */
  async save(root: string, deadline = Infinity): Promise<void> {
    const s = this.#roots.get(root);
    if (!s || !this.enabled) return;
    // One save of a file at a time: requests meanwhile wait, and the first to wake makes the one follow-up.
    for (let running = this.#saving.get(s.path); running; running = this.#saving.get(s.path)) await running;
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
      await this.#writeSnapshot(root, s, deadline);
    } finally {
      const left = (this.#writesRunning.get(path) ?? 1) - 1;
      if (left > 0) this.#writesRunning.set(path, left);
      else this.#writesRunning.delete(path);
    }
  }

  async #writeSnapshot(root: string, s: RootState, deadline: number): Promise<void> {
    const started = performance.now();
    const t = this.#o.targets;
    // The occurrences of what the snapshot records go to their segments first (occurrences/).
    await t.occurrences.flush();
    const writer = await SnapshotWriter.create(s.path, { root });
    const recorded = new Map<string, string>();
    let files = 0;
    try {
      for (const key of [...t.files.under(root)]) {
        if (performance.now() > deadline) throw new Error('deadline passed');
        const row = t.files.get(key);
        if (this.#o.isOpen(key)) {
          // Left out (its text may be unsaved), yet still taken as recorded: rewriting the snapshot at its
          // close to put it back costs more than re-reading one file at the next start, and the next save
          // writes it anyway.
          const before = s.recorded.get(key);
          if (before !== undefined) recorded.set(key, before);
          continue;
        }
        // Only what is on disk: a document that exists only in an editor has no disk state of its own.
        if (!row?.disk || !row.language || !t.cache.has(key)) continue;
        let text: Uint8Array;
        try {
          text = t.cache.peek(key);
        } catch (err) {
          t.log.warn(`${key}: not saved in the persistent cache (${errorMessage(err)})`);
          continue;
        }
        const record: SnapshotFile = {
          key, size: row.disk.size, mtimeMs: row.disk.mtimeMs, language: row.language,
          length: text.length, crc: crc32(text), hasErrors: row.hasErrors,
          symbols: row.noTreeReason === undefined && t.symbols.hasFile(key) ? t.symbols.symbolsOf(key) : [],
          ...(row.noTreeReason !== undefined ? { noTreeReason: row.noTreeReason } : {}),
        };
        await writer.add(record, text);
        recorded.set(key, recordSignature(record));
        files++;
      }
      const done = await writer.commit();
      s.recorded = recorded;
      this.#stats.saves++;
      this.#stats.lastSaveBytes = done.bytes;
      this.#stats.lastSaveFiles = done.files;
      this.#stats.lastSaveMs = performance.now() - started;
      this.#stats.snapshotPath = s.path;
    } catch (err) {
      await writer.abort();
      throw err;
    }
    // Texts of loaded files now come from the new snapshot (the old one was replaced by the rename);
    // a root removed meanwhile closed its reader for good.
    if (this.#roots.get(root) !== s) return;
    this.#closeReader(s);
    try {
      s.reader = SnapshotReader.open(s.path, { root });
    } catch (err) {
      this.#rejected++;
      t.log.warn(
        `persistent cache ${s.path}: cannot reopen after saving (${errorMessage(err)}); texts come from the disk`,
      );
    }
    t.log.info(`persistent cache ${s.path}: saved ${files} files, `
      + `${(this.#stats.lastSaveBytes / MiB).toFixed(1)} MB in ${Math.round(this.#stats.lastSaveMs)} ms`);
    const cacheRoot = cacheRootOf(s.path);
    if (cacheRoot) {
      const { removed } = enforceDiskBudget(cacheRoot, this.#o.settings().cacheDiskMB * MiB, s.path);
      this.#stats.evictedCaches += removed.length;
      for (const dir of removed)
        t.log.info(`persistent cache: ${dir} removed (disk budget ${this.#o.settings().cacheDiskMB} MB)`);
    }
  }

  #closeReader(s: RootState): void {
    if (!s.reader) return;
    this.#reportDamage(s);
    this.#closedDamage += s.reader.damage.blocks;
    s.reader.close();
    s.reader = undefined;
    s.logged = 0;
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
    };
  }

  /** Ends timers and closes readers (after a final `flush`, when wanted). */
  close(): void {
    for (const root of [...this.#roots.keys()]) this.removeRoot(root);
  }
}
