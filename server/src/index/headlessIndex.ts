/**
 * `strata index DIR`: the headless index run. One streaming pass turns a tree (and the previous
 * snapshot store of it) into a new snapshot, through the server's scanner and parser workers; where
 * the server records a file in memory, this run writes its record and text to a new base of the store
 * (snapshot/store.ts) — the very bytes the server's own saves write. A scanned file whose size and
 * mtime equal its previous record (in the base or a delta, whichever wins) is kept unread and copied
 * afterwards with its verified text from the file holding it (re-indexed from disk when the old pack
 * is damaged); with nothing changed and nothing damaged, nothing is written. A run that writes
 * anything writes a whole base (deltas dropped, kept files copied): deltas and their compaction policy
 * are the server's saves' alone (persistence.ts), so that one place decides them.
 *
 * The occurrence index (occurrences/) is built beside the snapshot as the server's is: files indexed
 * go to its memtable, flushed into segments as it fills, merged once at the end; kept files whose
 * occurrences it does not hold are parsed from the snapshot's text.
 * Memory: of each file only the occurrence index's entry stays (occurrences/occurrenceIndex.ts) once
 * its record is written. A cold run holds the parser workers,
 * the files in flight (2 per worker, at most a quarter of `--memory` of bytes unless one file alone
 * is larger), the writer's batches and its per-unique-chunk table; a run that loaded a snapshot
 * also holds each loaded file's size, mtime and chunk ordinals until the copy (tested).
 * Guarantees: the store is replaced only whole (the new base durable, then the manifest renamed over
 * the old), so a failed or killed run leaves the previous one; damage in the old store is counted,
 * logged and never copied; store files no manifest lists are deleted at the start and after the save.
 * Concurrency: one run per process; the workers parse in parallel, the writer is fed in order.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { crc32, initZstd } from '../cache/index.js';
import type { LanguageName } from '../syntax/languages.js';
import { ParserPool } from '../syntax/parserPool.js';
import { PackedOutline, packedOutlineOf } from '../syntax/packedOutline.js';
import {
  analyseSource, MAX_STORED_FILE_BYTES, readSourceFile, type IndexFileResult, type IndexTargets, type SourceAnalysis,
} from './fileIndexer.js';
import { indexFolder, type FolderProgress } from './folderIndexer.js';
import { DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_MEMTABLE_BYTES, Occurrences } from './occurrences/occurrences.js';
import { tierBudgets, type StrataSettings } from './settings.js';
import { buildStats, ratio } from './stats.js';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { under } from './persistence.js';
import { cacheRootOf, enforceDiskBudget } from './snapshot/location.js';
import { SnapshotFormatError } from './snapshot/reader.js';
import type { SnapshotFileInput } from './snapshot/records.js';
import { StoreReader, StoreWriter, sweepStore, type StoreWritten } from './snapshot/store.js';
import { SnapshotInputError } from './snapshot/writer.js';
import type { IndexRunStats, PersistStats, StrataStats } from '../protocol.js';

const MiB = 1024 * 1024;
/**
 * Old-generation garbage a parser worker may hold before a full collection between jobs (v8Heap.ts
 * `boundOldGeneration`): without a bound, a long run's workers and peak RSS grow with the tree
 * (docs/decisions.md).
 */
const WORKER_OLD_GARBAGE_BYTES = 16 * MiB;
/**
 * The occurrence memtable's share of `--memory` (the server's is DEFAULT_MEMTABLE_BYTES): every flush
 * writes each of its names once and every segment is read again by the final merge, so on a large
 * tree fewer, larger segments cost the main thread less (docs/decisions.md).
 */
const HEADLESS_MEMTABLE_SHARE = 1 / 32;

export interface HeadlessIndexOptions {
  /** The tree to index (absolute). */
  root: string;
  /** The snapshot file read at the start and replaced at the end. */
  snapshot: string;
  settings: StrataSettings;
  progress: FolderProgress;
  log: Logger;
  /** Parser workers, whatever the settings say (default: `indexing.workers`, 0 = one per core). */
  workers?: number;
  /** The occurrence index's memtable budget (default DEFAULT_MEMTABLE_BYTES). */
  occurrenceMemtableBytes?: number;
}

/** A record of the previous snapshot, until the scan says whether its file is unchanged. */
interface Loaded {
  language: LanguageName;
  size: number;
  mtimeMs: number;
  kept: boolean;
  /** Indexed again from the disk by this run (changed). */
  reindexed: boolean;
}

/** Files, bytes, languages and parse errors of the records a snapshot holds. */
class Totals {
  files = 0;
  bytes = 0;
  parseErrors = 0;
  chunkRefs = 0;
  readonly languages = new Map<string, number>();

  add(f: { language: LanguageName; length: number; hasErrors: boolean }): void {
    this.files++;
    this.bytes += f.length;
    if (f.hasErrors) this.parseErrors++;
    this.languages.set(f.language, (this.languages.get(f.language) ?? 0) + 1);
  }
}

/** Admits work while the bytes it holds stay under a budget; one item is always admitted. */
class ByteGate {
  #held = 0;
  readonly #waiting: Array<{ bytes: number; go: () => void }> = [];
  constructor(readonly budget: number) {}

  async acquire(bytes: number): Promise<void> {
    if (this.#held === 0 || this.#held + bytes <= this.budget) {
      this.#held += bytes;
      return;
    }
    await new Promise<void>((go) => this.#waiting.push({ bytes, go }));
  }

  release(bytes: number): void {
    this.#held -= bytes;
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0]!;
      if (this.#held !== 0 && this.#held + next.bytes > this.budget) break;
      this.#waiting.shift();
      this.#held += next.bytes;
      next.go();
    }
  }
}

/** The snapshot record of a file indexed from disk. */
function recordOf(
  key: string, lang: LanguageName, bytes: Uint8Array, disk: { size: number; mtimeMs: number }, outcome: SourceAnalysis,
): SnapshotFileInput {
  const base = { key, size: disk.size, mtimeMs: disk.mtimeMs, language: lang, length: bytes.length, crc: crc32(bytes) };
  if ('noTreeReason' in outcome) return { ...base, hasErrors: false, symbols: [], noTreeReason: outcome.noTreeReason };
  const a = outcome.analysis;
  // As the symbol index keeps it and a server's save writes it; copied from the worker's columns.
  return {
    ...base,
    hasErrors: a.diagnostics.length > 0,
    symbols: (packedOutlineOf(a) ?? PackedOutline.of(a.symbols)).asIndexed(),
  };
}

/**
 * Indexes `o.root` into `o.snapshot` (see header). Throws when the snapshot cannot be written; the
 * previous one then stays.
 */
export async function indexToSnapshot(o: HeadlessIndexOptions): Promise<StrataStats> {
  const started = performance.now();
  await initZstd();
  const run = new HeadlessRun(o, started);
  try {
    run.loadPrevious();
    await run.timed('scanMs', () => run.scan());
    if (!run.unchanged()) {
      await run.timed('copyKeptMs', () => run.copyKept());
      await run.timed('commitMs', () => run.commit());
    }
    await run.timed('occurrencesMs', () => run.completeOccurrences());
    return run.stats();
  } catch (err) {
    await run.abort();
    throw err;
  } finally {
    await run.close();
  }
}

/** One `strata index` run, step by step (indexToSnapshot calls the steps in order). */
class HeadlessRun {
  readonly #o: HeadlessIndexOptions;
  readonly #started: number;
  readonly #persistLog: Logger;
  readonly #pool: ParserPool;
  readonly #targets: Pick<IndexTargets, 'pool' | 'log' | 'enabled' | 'treeCapBytes'>;
  readonly #persist: PersistStats;
  readonly #integrity = { verifiedReads: 0, crcFailures: 0, fallbacks: 0 };
  /** The previous snapshot's records, until the scan says whether each file is unchanged. */
  readonly #loaded = new Map<string, Loaded>();
  readonly #loadedTotals = new Totals();
  readonly #written = new Totals();
  /** Bytes of the files in flight: at most a quarter of `--memory`, unless one file alone is larger. */
  readonly #gate: ByteGate;
  /** Stops the scan once the writer has failed. */
  readonly #scanAbort = new AbortController();
  #reader: StoreReader | undefined;
  readonly #occurrences: Occurrences;
  /** Previous snapshots that could not be used at all (counted as damage). */
  #rejected = 0;
  #writing: Promise<StoreWriter> | undefined;
  /** The first writer failure: it ends the run. */
  #failure: Error | undefined;
  #saveMs = 0;
  /** Where the run's time went (IndexRunStats), from these starting points. */
  readonly #cpuAtStart = process.cpuUsage();
  readonly #loopAtStart = performance.eventLoopUtilization();
  readonly #steps: IndexRunStats['steps'] = { scanMs: 0, copyKeptMs: 0, commitMs: 0, occurrencesMs: 0 };
  #occurrencesRecordMs = 0;
  #kept = 0;
  #removed = 0;
  #done: StoreWritten | undefined;

  constructor(o: HeadlessIndexOptions, started: number) {
    this.#o = o;
    this.#started = started;
    this.#persistLog = o.log.child('persist');
    this.#pool = new ParserPool({
      maxFileBytes: MAX_STORED_FILE_BYTES, oldGenerationSlackBytes: WORKER_OLD_GARBAGE_BYTES,
      // Every core when automatic: a headless run serves no editor, so no core is kept for one.
      size: o.workers || o.settings.indexing.workers || availableParallelism(),
    });
    const { settings } = o;
    this.#targets = {
      pool: this.#pool, log: o.log,
      enabled: (lang: LanguageName) => settings.languages.includes(lang),
      treeCapBytes: () => Math.round(settings.trees.maxFileSizeMB * MiB),
    };
    this.#persist = {
      enabled: true, snapshotPath: o.snapshot, loadedFiles: 0, keptFiles: 0, reindexedFiles: 0, removedFiles: 0,
      damagedBlocks: 0, loadMs: 0, saves: 0, failedSaves: 0, lastSaveBytes: 0, lastSaveFiles: 0, lastSaveMs: 0,
      evictedCaches: 0, deltaSaves: 0, deltaMerges: 0, compactions: 0, lastSaveRecords: 0, deltas: 0, storeBytes: 0,
    };
    this.#gate = new ByteGate(Math.max(1, settings.memory.totalMB * MiB / 4));
    this.#occurrences = new Occurrences({
      log: o.log.child('occurrences'), memtableBytes: o.occurrenceMemtableBytes
        ?? Math.max(DEFAULT_MEMTABLE_BYTES, Math.round(settings.memory.totalMB * MiB * HEADLESS_MEMTABLE_SHARE)),
      blockCacheBytes: DEFAULT_BLOCK_CACHE_BYTES,
    });
    // A headless run answers no lookups: its segments are merged at the end (completeOccurrences).
    this.#occurrences.bulk(true);
    this.#occurrences.openRoot(o.root, `${o.snapshot}.occ`);
  }

  /** Runs a step, charging its wall time to `step`. */
  async timed(step: keyof IndexRunStats['steps'], body: () => Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      await body();
    } finally {
      this.#steps[step] += performance.now() - t0;
    }
  }

  /** 1. The previous snapshot: what each file was when it was written. */
  loadPrevious(): void {
    const o = this.#o;
    let usable = true;
    if (existsSync(o.snapshot)) {
      try {
        this.#reader = StoreReader.open(o.snapshot, { root: o.root });
      } catch (err) {
        usable = false;
        this.#rejected++;
        const why = errorMessage(err);
        this.#persistLog.warn(`persistent cache ${o.snapshot}: ignored, the tree is indexed from disk (${why})`);
      }
    }
    // A crash's leftovers (files no manifest lists) go now; an unusable store's, after the new manifest.
    if (usable) sweepStore(o.snapshot, this.#reader?.manifest);
    const reader = this.#reader;
    if (!reader) return;
    for (const f of reader.files()) {
      if (!under(o.root, f.key) || !this.#targets.enabled(f.language) || this.#loaded.has(f.key)) continue;
      this.#loaded.set(f.key, {
        language: f.language, size: f.size, mtimeMs: f.mtimeMs, kept: false, reindexed: false,
      });
      if (f.noTreeReason === undefined) this.#occurrences.expect(f.key, { bytes: f.length, crc: f.crc });
      else this.#occurrences.forget(f.key);
      this.#loadedTotals.add(f);
      this.#loadedTotals.chunkRefs += reader.chunkCount(f.key);
    }
    this.#persist.loadedFiles = this.#loaded.size;
    this.#persist.loadMs = Math.round(performance.now() - this.#started);
  }

  /** 2. The scan: unchanged files are kept, the others indexed and written as they come. */
  async scan(): Promise<void> {
    const { settings } = this.#o;
    const scanOptions = { exclude: settings.exclude, log: this.#o.log };
    const run = await indexFolder(this.#o.root, scanOptions, this.#o.progress, {
      inFlight: this.#pool.size * 2,
      signal: this.#scanAbort.signal,
      keep: (file) => {
        const l = this.#loaded.get(file.path);
        if (!l || l.size !== file.size || l.mtimeMs !== file.mtimeMs) return false;
        l.kept = true;
        return true;
      },
      indexFile: async (file) => {
        const done = await this.#indexFromDisk(file);
        const l = this.#loaded.get(file.path);
        if (l && done.result !== 'skipped') l.reindexed = true;
        return done;
      },
    });
    if (this.#failure !== undefined) throw this.#failure;
    await this.#pool.endIdleWorkers();
    for (const [key, l] of this.#loaded) {
      if (l.kept) this.#kept++;
      else if (!l.reindexed) {
        this.#removed++;
        this.#occurrences.forget(key);
      }
    }
    this.#persist.keptFiles = this.#kept;
    this.#persist.reindexedFiles = this.#reader ? run.indexed + run.storedWithoutTree : 0;
    this.#persist.removedFiles = this.#removed;
  }

  /** 3. Nothing changed and nothing damaged: the snapshot stays as it is (its packs checked first: a CRC per block). */
  unchanged(): boolean {
    return this.#reader !== undefined && !this.#writing && this.#removed === 0 && this.#damaged() === 0
      && this.#reader.verifyPacks() === 0;
  }

  /** 4. Kept records join the new snapshot with their verified texts (from the disk when damaged). */
  async copyKept(): Promise<void> {
    const reader = this.#reader;
    if (!reader || this.#kept === 0) return;
    for (const f of reader.files()) {
      if (!this.#loaded.get(f.key)?.kept) continue;
      let text: Uint8Array | undefined;
      try {
        text = reader.readText(f.key);
        this.#integrity.verifiedReads++;
      } catch (err) {
        if (!(err instanceof SnapshotFormatError)) throw err;
      }
      if (text) {
        await this.#write(f, text);
      } else {
        this.#integrity.fallbacks++;
        const again = await this.#indexFromDisk({ path: f.key, size: f.size, mtimeMs: f.mtimeMs });
        if (this.#failure !== undefined) throw this.#failure;
        if (again.result !== 'skipped') this.#persist.reindexedFiles++;
      }
    }
    for (const line of reader.damage.messages) {
      this.#persistLog.warn(`persistent cache ${this.#o.snapshot}: damage detected, rebuilt from disk: ${line}`);
    }
  }

  /** 5. The new snapshot replaces the old one; then the cache folder's disk budget is applied. */
  async commit(): Promise<void> {
    const o = this.#o;
    const t0 = performance.now();
    const done = await (await this.#writer()).commit();
    this.#saveMs += performance.now() - t0;
    this.#done = done;
    this.#persist.saves = 1;
    this.#persist.lastSaveBytes = done.writtenBytes;
    this.#persist.lastSaveFiles = done.files;
    this.#persist.lastSaveRecords = done.files;
    this.#persist.lastSaveMs = Math.round(this.#saveMs);
    const cacheRoot = cacheRootOf(o.snapshot);
    if (!cacheRoot) return;
    const { removed: gone } = enforceDiskBudget(cacheRoot, o.settings.cacheDiskMB * MiB, o.snapshot);
    this.#persist.evictedCaches = gone.length;
    for (const dir of gone) {
      this.#persistLog.info(`persistent cache: ${dir} removed (disk budget ${o.settings.cacheDiskMB} MB)`);
    }
  }

  /**
   * 6. The occurrence index: kept files it is missing are parsed from the snapshot's verified text,
   * then its memtable is written and its segments merged into one.
   */
  async completeOccurrences(): Promise<void> {
    const reader = this.#reader;
    const missing = [...this.#occurrences.missing];
    const lane = async (): Promise<void> => {
      for (let key = missing.pop(); key !== undefined; key = missing.pop()) {
        const f = this.#loaded.get(key);
        if (!f?.kept || !reader) continue;
        let text: Uint8Array;
        try {
          text = reader.readText(key);
        } catch {
          continue; // damage: counted by the reader, and the file was re-indexed from the disk
        }
        const outcome = await analyseSource(this.#targets, key, f.language, text);
        if ('analysis' in outcome) {
          this.#occurrences.record(key, { bytes: text.length, crc: crc32(text) }, outcome.analysis.occurrences);
        }
      }
    };
    await Promise.all(Array.from({ length: this.#pool.size * 2 }, lane));
    await this.#occurrences.flush();
    await this.#occurrences.compact();
    await this.#occurrences.idle();
  }

  /** 7. The stats of the run's store — the snapshot, new or kept: every file cold; the workers' trees. */
  stats(): StrataStats {
    this.#persist.damagedBlocks = this.#damaged();
    this.#integrity.crcFailures = this.#damaged();
    this.#persist.deltas = this.#done ? 0 : this.#reader?.deltaCount ?? 0;
    this.#persist.storeBytes = this.#done ? this.#done.writtenBytes : this.#reader?.storeBytes ?? 0;
    const elapsedMs = performance.now() - this.#started;
    const done = this.#done;
    const reader = this.#reader!;
    const totals = done ? this.#written : this.#loadedTotals;
    const raw = done ? done.textBytes : totals.bytes;
    const unique = done ? done.uniqueBytes : reader.uniqueBytes;
    const stored = done ? done.packBytes : reader.packBytes;
    const pool = this.#pool.stats();
    return buildStats({
      totals: {
        files: totals.files, bytes: totals.bytes, languages: Object.fromEntries(totals.languages),
        parseErrors: totals.parseErrors,
      },
      elapsedMs,
      store: {
        rawBytes: raw,
        storedBytes: stored,
        chunks: done ? done.chunkRefs : totals.chunkRefs,
        uniqueChunks: done ? done.chunks : reader.uniqueChunks,
        dedupRatio: ratio(raw, unique),
        compressionRatio: ratio(unique, stored),
      },
      tiers: {
        hot: { files: 0, bytes: 0 }, warm: { files: 0, bytes: 0 }, cold: { files: totals.files, bytes: stored },
      },
      trees: [pool.trees],
      integrity: this.#integrity,
      journal: { replays: 0, fullParses: 0 },
      budgets: tierBudgets(this.#o.settings),
      persist: this.#persist,
      occurrences: this.#occurrences.stats(),
      indexing: { stages: pool.stages, run: this.#runStats() },
      workersHeapBytes: pool.heapBytes,
    });
  }

  #runStats(): IndexRunStats {
    const cpu = process.cpuUsage(this.#cpuAtStart);
    const loop = performance.eventLoopUtilization(this.#loopAtStart);
    const steps = Object.fromEntries(Object.entries(this.#steps).map(([k, v]) => [k, Math.round(v)]));
    return {
      cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000),
      mainBusyMs: Math.round(loop.active), steps: steps as IndexRunStats['steps'],
      storeMs: Math.round(this.#saveMs), occurrencesRecordMs: Math.round(this.#occurrencesRecordMs),
    };
  }

  /** After a failure: the new snapshot's temp file goes; the previous snapshot stays. */
  async abort(): Promise<void> {
    if (this.#writing) await this.#writing.then((w) => w.abort(), () => undefined);
  }

  async close(): Promise<void> {
    await this.#occurrences.idle();
    this.#occurrences.close();
    this.#reader?.close();
    // The old store's files, read until now (kept files' texts), go once the new manifest drops them.
    if (this.#done) sweepStore(this.#o.snapshot, this.#done.manifest);
    await this.#pool.close();
  }

  #damaged(): number {
    return (this.#reader?.damage.blocks ?? 0) + this.#rejected;
  }

  #writer(): Promise<StoreWriter> {
    return (this.#writing ??= StoreWriter.create(this.#o.snapshot, this.#o.root, 'base', this.#reader?.manifest));
  }

  /** Writes a record; false (logged) when the writer refuses it. Writer failures stop the run. */
  async #write(record: SnapshotFileInput, text: Uint8Array): Promise<boolean> {
    const t0 = performance.now();
    try {
      await (await this.#writer()).add(record, text);
      this.#written.add(record);
      return true;
    } catch (err) {
      if (!(err instanceof SnapshotInputError)) throw err;
      this.#persistLog.warn(`${record.key}: not saved in the persistent cache (${err.message})`);
      return false;
    } finally {
      this.#saveMs += performance.now() - t0;
    }
  }

  /** Reads, parses and writes one file; never throws (a writer failure is kept and ends the scan). */
  async #indexFromDisk(file: { path: string; size: number; mtimeMs: number }):
    Promise<{ result: IndexFileResult; bytes: number }> {
    if (this.#failure !== undefined) return { result: 'skipped', bytes: 0 };
    const holds = Math.min(file.size, MAX_STORED_FILE_BYTES);
    await this.#gate.acquire(holds);
    try {
      const source = await readSourceFile(this.#targets, file.path, file.size);
      if (!source) return { result: 'skipped', bytes: 0 };
      const outcome = await analyseSource(this.#targets, file.path, source.lang, source.bytes);
      const record = recordOf(file.path, source.lang, source.bytes, file, outcome);
      if (!(await this.#write(record, source.bytes))) return { result: 'skipped', bytes: 0 };
      const t0 = performance.now();
      this.#occurrences.record(file.path, { bytes: record.length, crc: record.crc },
        'analysis' in outcome ? outcome.analysis.occurrences : undefined);
      this.#occurrencesRecordMs += performance.now() - t0;
      return { result: 'noTreeReason' in outcome ? 'stored-without-tree' : 'indexed', bytes: source.bytes.length };
    } catch (err) {
      this.#failure ??= err instanceof Error ? err : new Error(errorMessage(err));
      this.#scanAbort.abort();
      return { result: 'skipped', bytes: 0 };
    } finally {
      this.#gate.release(holds);
    }
  }
}
