/**
 * The workspace: the one object the LSP layer and the CLI talk to (it implements `WorkspaceService`,
 * api.ts). It composes the parts and decides nothing they can decide themselves:
 * - the source cache (warm/cold tiers, verified reads),
 * - the hot tier (live trees of what is being worked on, rebuilt from the edit journal),
 * - the parser worker pool (bulk parsing; find-references over candidate files: references.ts),
 * - the symbol index, the per-file table, the occurrence index (occurrences/: find-references),
 * - document sync (documentSync.ts: open documents, their kept analyses, the reconciliation of a close),
 * - the freshness checks (freshness.ts) and the persistent cache (persistence.ts),
 * - the stats object (stats.ts).
 * Before anything held about a closed file is served, `#settle` waits for its close's reconciliation
 * and checks it against the disk. Memory: everything here is either in a budgeted tier or has a stated
 * per-file / per-symbol cost (fileTable.ts, symbolIndex.ts); open documents hold one kept copy of their text.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Logger } from '../base/log.js';
import { crc32, createSourceCache, IntegrityError, type SourceCache } from '../cache/index.js';
import type {
  ColumnEncoding, FaultKind, FaultReport, IndexProgress, Location, Position, SymbolHit, TextChange, WorkspaceService,
} from './api.js';
import { throwIfCancelled, UnknownDocumentError } from './api.js';
import {
  analyzeFile, budgetMsFor, errorsOf, foldingRanges, incompleteMessage, outlineOf, selectionRanges,
} from '../syntax/analysis/index.js';
import { sourceCacheWarmSide } from '../syntax/cacheBridge.js';
import { HotTier } from '../syntax/hotTier.js';
import { languageByName, type LanguageName } from '../syntax/languages.js';
import { defaultWorkerCount, ParserPool } from '../syntax/parserPool.js';
import { threadJournalStats } from '../syntax/rebuild.js';
import { threadLedger, type Tree } from '../syntax/trees.js';
import { collectGarbage } from '../syntax/v8Heap.js';
import type { FoldSpan, Incomplete, Span, SyntaxDiagnostic, SyntaxSymbol } from '../syntax/types.js';
import { Persistence } from './persistence.js';
import { Freshness } from './freshness.js';
import { injectFaults } from './faults.js';
import {
  forgetFile, indexFileFromDisk, MAX_STORED_FILE_BYTES, recordAnalysis, type IndexTargets,
} from './fileIndexer.js';
import { FileTable } from './fileTable.js';
import { indexFolder } from './folderIndexer.js';
import { identifierAt, lineAt, orderLocations } from './navigation.js';
import { DocumentSync, type KeptAnalysis } from './documentSync.js';
import { ReferenceSearch } from './references.js';
import { DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_MEMTABLE_BYTES, Occurrences } from './occurrences/occurrences.js';
import { defaultSettings, tierBudgets, type StrataSettings } from './settings.js';
import { buildStats } from './stats.js';
import type { StrataStats } from '../protocol.js';
import { SymbolIndex } from './symbolIndex.js';
import { errorMessage } from '../base/errors.js';

export interface WorkspaceOptions {
  settings?: StrataSettings;
  log?: Logger;
  /** Parser worker threads, fixed whatever the settings say (default: `indexing.workers`). */
  workers?: number;
  /** A root's snapshot file instead of the default location (`strata index --save FILE`). */
  snapshotFile?: (root: string) => string | undefined;
  /** Told the candidate texts a find-references holds whenever that changes (tests check its limits). */
  onReferenceTexts?: (held: { files: number; bytes: number }) => void;
}

const encoder = new TextEncoder();
const lenient = new TextDecoder('utf-8');

export class Workspace implements WorkspaceService {
  #settings: StrataSettings;
  readonly #log: Logger;
  readonly #cache: SourceCache;
  readonly #pool: ParserPool;
  /** `WorkspaceOptions.workers`: when given, the setting is not read. */
  readonly #fixedWorkers: number | undefined;
  readonly #hot: HotTier;
  readonly #symbols = new SymbolIndex();
  readonly #files = new FileTable();
  readonly #occurrences: Occurrences;
  /**
   * Files whose last analysis was cut by its time budget (syntax/analysis/budget.ts): logged once, and
   * their next passes get the repeat budget; a complete pass removes the mark.
   */
  readonly #incomplete = new Set<string>();
  readonly #sync: DocumentSync;
  readonly #references: ReferenceSearch;
  readonly #roots = new Set<string>();
  readonly #targets: IndexTargets;
  /** Files changed behind the server's back (no watcher event): checked before what is held about them is served. */
  readonly #fresh: Freshness;
  readonly #persist: Persistence;
  #elapsedMs = 0;
  /** A `#fillMissing` is running. */
  #filling = false;
  /** Index runs in progress (folders are indexed concurrently). */
  #indexRuns = 0;
  #disposed = false;

  static async create(options: WorkspaceOptions = {}): Promise<Workspace> {
    const settings = options.settings ?? defaultSettings();
    const budgets = tierBudgets(settings);
    const cache = await createSourceCache({
      warmBytes: budgets.warmBytes, coldBytes: budgets.coldBytes, journalLimit: settings.journal.maxEdits,
    });
    return new Workspace(cache, settings, options);
  }

  private constructor(cache: SourceCache, settings: StrataSettings, options: WorkspaceOptions) {
    this.#cache = cache;
    this.#settings = settings;
    this.#log = options.log ?? Logger.silent();
    // The pool parses anything up to the storage cap; the (changeable) tree cap is applied before a job is sent.
    this.#fixedWorkers = options.workers;
    this.#pool = new ParserPool({ maxFileBytes: MAX_STORED_FILE_BYTES, size: this.#workerCount() });
    this.#hot = new HotTier({
      budgetBytes: tierBudgets(settings).hotBytes,
      // An open document's text is the editor's: the truth the cache is repaired from (cacheBridge.ts).
      warm: sourceCacheWarmSide(cache, (key) => this.#languageOf(key), (key) => this.#sync.get(key)?.text),
      maxEdits: settings.journal.maxEdits,
    });
    this.#applyTreePolicy();
    this.#occurrences = new Occurrences({
      log: this.#log.child('occurrences'), memtableBytes: DEFAULT_MEMTABLE_BYTES,
      blockCacheBytes: DEFAULT_BLOCK_CACHE_BYTES,
      onMissing: () => void this.#fillMissing(),
    });
    this.#targets = {
      cache, pool: this.#pool, symbols: this.#symbols, files: this.#files, occurrences: this.#occurrences,
      log: this.#log,
      enabled: (lang) => this.#settings.languages.includes(lang),
      treeCapBytes: () => this.#treeCap(),
      isOpen: (key) => this.#sync.has(key),
    };
    // A closing document is still the editor's until its close is reconciled with the disk.
    const held = (key: string): boolean => this.#sync.isHeld(key);
    this.#persist = new Persistence({
      targets: { ...this.#targets, log: this.#log.child('persist') }, settings: () => this.#settings, isOpen: held,
      ...(options.snapshotFile ? { snapshotFile: options.snapshotFile } : {}),
    });
    this.#fresh = new Freshness({
      targets: this.#targets, isOpen: held, dropTree: (key) => this.#hot.forget(key),
      reread: (key) => this.#persist.changed([key]),
    });
    this.#sync = new DocumentSync({
      targets: this.#targets, hot: this.#hot, log: this.#log,
      diskStateChanged: (key) => this.#persist.changed([key]),
    });
    this.#references = new ReferenceSearch({
      files: this.#files, symbols: this.#symbols, occurrences: this.#occurrences, cache, pool: this.#pool,
      log: this.#log,
      openKeys: () => this.#sync.keys(),
      settle: (key) => this.#settle(key),
      settleAll: (keys) => this.#settleAll(keys),
      languageOf: (key) => this.#languageOf(key),
      openText: (key) => this.#sync.get(key)?.text,
      asIndexed: (key) => this.#sync.isAsIndexed(key),
      treeCapBytes: () => this.#treeCap(),
      // As many texts as the indexer keeps in flight, in a quarter of the warm tier's memory.
      limits: () => ({ files: this.#pool.size * 2, bytes: Math.floor(tierBudgets(this.#settings).warmBytes / 4) }),
      onHeld: options.onReferenceTexts,
    });
  }

  configure(settings: StrataSettings): void {
    this.#settings = settings;
    const b = tierBudgets(settings);
    this.#cache.setBudgets({ warmBytes: b.warmBytes, coldBytes: b.coldBytes });
    this.#applyTreePolicy();
    // The pool cannot stop a running worker; a new count holds from the next worker it starts.
    this.#pool.resize(this.#workerCount());
  }

  /** The caller's fixed count, else the setting, else the automatic count for this machine. */
  #workerCount(): number {
    return this.#fixedWorkers || this.#settings.indexing.workers || defaultWorkerCount(availableParallelism());
  }

  /** The hot tier's limits for the configured tree policy (see settings.ts, trees.policy). */
  #applyTreePolicy(): void {
    const { policy, maxTrees } = this.#settings.trees;
    this.#hot.setBudget(policy === 'budget' ? tierBudgets(this.#settings).hotBytes : Number.MAX_SAFE_INTEGER);
    this.#hot.setMaxTrees(policy === 'count' ? maxTrees : Infinity);
  }

  // ── indexing ────────────────────────────────────────────────────────────────────────────────

  async indexFolder(root: string, progress: IndexProgress): Promise<void> {
    this.#roots.add(root);
    // `end` is held back until the run's memory is given back (and, with the 'all' tree policy,
    // until every tree is built), so a client that measures at `end` sees the steady state.
    let endMessage: string | undefined;
    const allHot = this.#settings.trees.policy === 'all';
    const runProgress: IndexProgress = { ...progress, end: (m) => { endMessage = m; } };
    const started = performance.now();
    // Segments are merged once the runs end (the compaction below), not every few flushes meanwhile.
    if (this.#indexRuns++ === 0) this.#occurrences.bulk(true);
    let last: boolean;
    try {
      // The root's snapshot first: unchanged files are then kept without being read or parsed.
      this.#occurrences.openRoot(root, this.#persist.occurrenceDir(root));
      const reconcile = await this.#persist.load(root);
      const t = this.#targets;
      const result = await indexFolder(root, { exclude: this.#settings.exclude, log: this.#log }, runProgress, {
        inFlight: this.#pool.size * 2,
        isOpen: (key) => this.#sync.has(key),
        indexFile: async (file) => {
          const done = await indexFileFromDisk(t, file.path, file);
          // Known before and now skipped (no longer a language Strata indexes, unreadable): forgotten.
          const gone = done.result === 'skipped' && t.files.has(file.path) && !this.#sync.has(file.path);
          if (gone) forgetFile(t, file.path);
          return done;
        },
        ...(reconcile ? { keep: (file) => reconcile.keep(file) } : {}),
      });
      reconcile?.finish(result.indexed + result.storedWithoutTree);
      // Entries a crash left for files the workspace does not have (written after the last snapshot).
      this.#occurrences.retain((key) => this.#files.has(key) || this.#sync.has(key));
      this.#elapsedMs = performance.now() - started;
      // The workers' wasm heaps grew with the largest files of the run; ending them gives that back now.
      await this.#pool.endIdleWorkers();
      if (allHot) await this.#makeAllHot();
    } finally {
      last = --this.#indexRuns === 0;
      if (last) this.#occurrences.bulk(false);
    }
    // The last run to end gives back the index's growth headroom, one part at a time, and collects the
    // run's garbage: file buffers and worker messages (v8Heap.ts).
    if (last) {
      this.#symbols.shrinkToFit(collectGarbage);
      collectGarbage();
    }
    progress.end(endMessage ?? `Strata: indexed ${root}`);
    // After `end`: the index answers while its snapshot is written.
    await this.#persist.save(root);
    void this.#fillMissing();
    // One segment per root after a run, merged in the background: a lookup then reads one dictionary
    // block and one posting list. Lookups answer from the segments meanwhile.
    void this.#occurrences.compact();
    // And the save's garbage (texts read back, blocks written), unless another run has begun.
    if (last && this.#indexRuns === 0) collectGarbage();
  }

  async releaseMemory(): Promise<void> {
    await this.#pool.endIdleWorkers();
    collectGarbage();
  }

  /** Saves the persistent cache of every folder that changed, each within `timeoutMs` (e.g. at shutdown). */
  async flush(timeoutMs: number): Promise<void> {
    await this.#persist.flush(timeoutMs);
  }

  /** The 'all' tree policy: a live tree for every file, as servers that keep one per file do. */
  async #makeAllHot(): Promise<void> {
    let n = 0;
    for (const key of [...this.#files.keys()]) {
      // Parsing is synchronous: give requests a turn between files.
      if (++n % 16 === 0) await new Promise((r) => setImmediate(r));
      try {
        await this.#withTree(key, () => undefined);
      } catch (err) {
        this.#log.warn(`${key}: ${errorMessage(err)}`);
      }
    }
  }

  removeFolder(root: string): void {
    this.#roots.delete(root);
    this.#persist.removeRoot(root);
    for (const key of [...this.#files.under(root)]) {
      if (this.#sync.has(key)) continue;
      this.#hot.forget(key);
      forgetFile(this.#targets, key);
    }
    this.#occurrences.closeRoot(root);
  }

  async filesChanged(events: { key: string; change: 'created' | 'changed' | 'deleted' }[]): Promise<void> {
    for (const { key, change } of events) {
      // The editor's text is the truth for an open document; the disk catches up when it saves.
      if (this.#sync.has(key)) {
        if (change !== 'deleted') this.#sync.diskWritten(key);
        continue;
      }
      // A close being reconciled reads the disk too: this newer event comes after it.
      await this.#sync.settled(key);
      if (this.#sync.has(key)) continue;
      this.#hot.forget(key);
      if (change === 'deleted') {
        forgetFile(this.#targets, key);
        continue;
      }
      const st = statSync(key, { throwIfNoEntry: false });
      if (!st || !st.isFile()) {
        forgetFile(this.#targets, key);
        continue;
      }
      if (![...this.#roots].some((r) => key.startsWith(r.endsWith('/') ? r : r + '/')) && !this.#files.has(key))
        continue;
      const { result } = await indexFileFromDisk(this.#targets, key, { size: st.size, mtimeMs: st.mtimeMs });
      if (result === 'skipped') forgetFile(this.#targets, key);
    }
    this.#persist.changed(events.map((e) => e.key));
  }

  // ── documents ───────────────────────────────────────────────────────────────────────────────

  openDocument(key: string, languageId: string, version: number, text: string): void {
    this.#sync.open(key, languageId, version, text);
  }

  changeDocument(key: string, version: number, changes: TextChange[], encoding: ColumnEncoding): void {
    this.#sync.change(key, version, changes, encoding);
  }

  closeDocument(key: string): void {
    this.#sync.close(key);
  }

  saveDocument(key: string): void {
    this.#sync.diskWritten(key);
  }

  documentText(key: string): string | undefined {
    return this.#sync.get(key)?.text;
  }

  documentVersion(key: string): number | undefined {
    return this.#sync.get(key)?.version;
  }

  async textOf(key: string): Promise<string | undefined> {
    const open = this.#sync.get(key);
    if (open) return open.text;
    await this.#settle(key);
    const reopened = this.#sync.get(key);
    if (reopened) return reopened.text;
    if (!this.#cache.has(key)) return undefined;
    try {
      return lenient.decode(this.#cache.read(key));
    } catch (err) {
      // Damaged beyond what the cache can verify: a closed file's truth is the disk, so read it again.
      if (!(err instanceof IntegrityError) || !(await this.#fresh.recover(key))) throw err;
    }
    return this.#cache.has(key) ? lenient.decode(this.#cache.read(key)) : undefined;
  }

  // ── features ────────────────────────────────────────────────────────────────────────────────

  async outline(key: string): Promise<SyntaxSymbol[]> {
    await this.#settle(key);
    const open = this.#sync.has(key);
    if ((!open || this.#sync.isAsIndexed(key)) && this.#symbols.hasFile(key)) return this.#symbols.symbolsOf(key);
    if (open) {
      const shared = await this.#analysis(key);
      if (!shared) return [];
      this.#noteIncomplete(key, shared.analysis.incomplete);
      return shared.analysis.symbols;
    }
    const result = await this.#withTree(key, (tree, lang, text) =>
      outlineOf(tree, lang, this.#budgetMs(key, text), text));
    if (!result) return [];
    this.#noteIncomplete(key, result.incomplete);
    return result.symbols;
  }

  async foldingRanges(key: string): Promise<FoldSpan[]> {
    return (await this.#withTree(key, (tree, _lang, text) => foldingRanges(tree, text))) ?? [];
  }

  async selectionRanges(key: string, positions: Position[]): Promise<Span[][]> {
    const chains = await this.#withTree(key, (tree, _lang, text) => selectionRanges(tree, positions, text));
    return chains ?? positions.map(() => []);
  }

  /** Syntax diagnostics; for an open document also refreshes its symbols and identifier filter. */
  async diagnostics(key: string): Promise<SyntaxDiagnostic[]> {
    if (this.#sync.isAsIndexed(key)) {
      if (this.#files.get(key)?.hasErrors === false) return [];
      // The index holds this very text's symbols and occurrences: only its errors are computed.
      return (await this.#withTree(key, (tree, _lang, text) => errorsOf(tree, text))) ?? [];
    }
    const result = await this.#analysis(key);
    if (!result) return [];
    this.#noteIncomplete(key, result.analysis.incomplete);
    const record = this.#files.get(key);
    const bytes = encoder.encode(result.text);
    recordAnalysis(
      this.#targets, key, result.lang, { bytes: bytes.length, crc: crc32(bytes) }, record?.disk, result.analysis,
    );
    return result.analysis.diagnostics;
  }

  async definition(key: string, position: Position, signal?: AbortSignal): Promise<Location[]> {
    const name = await this.#nameAt(key, position);
    if (!name) return [];
    this.#fresh.sweep();
    throwIfCancelled(signal);
    // Looked up, its files settled, and looked up again only if that changed the index.
    const version = this.#symbols.version;
    let found = this.#symbols.lookup(name, { containerNames: false });
    await this.#settleAll(new Set(found.map((s) => s.path)));
    throwIfCancelled(signal);
    if (this.#symbols.version !== version) found = this.#symbols.lookup(name, { containerNames: false });
    return orderLocations(key, found.map((s) => ({ key: s.path, span: s.nameSpan })));
  }

  async references(key: string, position: Position, includeDeclaration: boolean,
    signal?: AbortSignal): Promise<Location[]> {
    const name = await this.#nameAt(key, position);
    if (!name) return [];
    this.#fresh.sweep();
    return this.#references.find(key, name, includeDeclaration, signal);
  }

  async workspaceSymbols(query: string, limit: number, signal?: AbortSignal): Promise<SymbolHit[]> {
    this.#fresh.sweep();
    throwIfCancelled(signal);
    // A hit in a file changed behind the server's back is not served as current: its file is re-read
    // first, and the search made again only if that (or anything else meanwhile) changed the index.
    const version = this.#symbols.version;
    let matches = this.#symbols.search(query, limit);
    await this.#settleAll(new Set(matches.map((m) => m.path)));
    throwIfCancelled(signal);
    if (this.#symbols.version !== version) matches = this.#symbols.search(query, limit);
    return matches.map((m) => ({
      name: m.name, kind: m.kind, key: m.path, span: m.nameSpan,
      ...(m.containerName ? { containerName: m.containerName } : {}),
    }));
  }

  stats(): StrataStats {
    const cache = this.#cache.stats();
    const hot = this.#hot.stats();
    const pool = this.#pool.stats();
    const { store } = cache;
    return buildStats({
      totals: this.#files.totals(),
      elapsedMs: this.#elapsedMs,
      store: {
        rawBytes: store.rawBytes, storedBytes: store.storedBytes,
        chunks: store.chunks, uniqueChunks: store.uniqueChunks,
        dedupRatio: store.dedupRatio, compressionRatio: store.compressionRatio,
      },
      tiers: {
        hot: { files: hot.files, bytes: hot.bytes },
        warm: { files: cache.tiers.warm.files, bytes: cache.tiers.warm.bytes },
        cold: { files: cache.tiers.cold.files, bytes: cache.tiers.cold.bytes },
        disk: { files: cache.tiers.evicted.files, bytes: cache.tiers.evicted.bytes },
      },
      trees: [threadLedger.counts(), pool.trees],
      // Damage found in persistent snapshots counts as detected corruption too.
      integrity: {
        verifiedReads: cache.integrity.verifiedReads,
        crcFailures: cache.integrity.crcFailures + this.#persist.damagedBlocks,
        fallbacks: cache.integrity.fallbacks,
      },
      journal: threadJournalStats.counts(),
      budgets: tierBudgets(this.#settings),
      persist: { ...this.#persist.stats(), backedFiles: cache.backedFiles },
      occurrences: this.#occurrences.stats(),
      symbols: (({ files, symbols, names, byteSize, parts }) => ({ files, symbols, names, bytes: byteSize, parts }))(
        this.#symbols.stats()),
      indexing: { stages: pool.stages },
      workersHeapBytes: pool.heapBytes,
    });
  }

  /** For the reliability suites only: the LSP layer serves this only with STRATA_DEBUG=1. */
  injectFaults(
    request: { seed: number; flips: number; kinds?: readonly FaultKind[]; keys?: readonly string[] },
  ): FaultReport {
    return injectFaults(this.#cache, request);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#persist.close();
    await this.#occurrences.idle();
    this.#occurrences.close();
    this.#hot.dispose();
    await this.#pool.close();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  #languageOf(key: string): LanguageName | undefined {
    const doc = this.#sync.get(key);
    if (doc) return doc.lang;
    return this.#files.get(key)?.language;
  }

  #budgetMs(key: string, text: string): number {
    return budgetMsFor(text.length, this.#incomplete.has(key));
  }

  /** The whole analysis of `key`'s current text; an open document's is kept until its text changes. */
  async #analysis(key: string): Promise<KeptAnalysis | undefined> {
    const kept = this.#sync.keptAnalysis(key);
    if (kept) return kept;
    const result = await this.#withTree(key, (tree, lang, text) => ({
      lang, text, analysis: analyzeFile(tree, lang, { text, budgetMs: this.#budgetMs(key, text) }),
    }));
    if (result) this.#sync.keepAnalysis(key, result);
    return result;
  }

  /** One log line when a file's analysis is first cut by its time budget; a complete pass clears the mark. */
  #noteIncomplete(key: string, incomplete: Incomplete | undefined): void {
    if (!incomplete) {
      this.#incomplete.delete(key);
    } else if (!this.#incomplete.has(key)) {
      if (this.#incomplete.size >= 1024) this.#incomplete.clear(); // a bound: at worst a file is logged again
      this.#incomplete.add(key);
      this.#log.warn(`${key}: ${incompleteMessage(incomplete)}`);
    }
  }

  #treeCap(): number {
    return Math.round(this.#settings.trees.maxFileSizeMB * 1024 * 1024);
  }

  /**
   * Indexes the occurrences of the files the occurrence index is missing (occurrences.ts), a lane per
   * parser worker, in the background; find-references parses them meanwhile. An open document is
   * left to its close, which indexes it again.
   */
  async #fillMissing(): Promise<void> {
    if (this.#filling) return;
    this.#filling = true;
    try {
      const keys = this.#occurrences.missing.values();
      const lane = async (): Promise<void> => {
        for (let next = keys.next(); !next.done && !this.#disposed; next = keys.next()) {
          const key = next.value;
          await this.#settle(key);
          const lang = this.#files.get(key)?.language;
          if (!lang || !this.#occurrences.missing.has(key) || this.#sync.has(key) || !this.#cache.has(key)) continue;
          let bytes: Uint8Array;
          try {
            bytes = this.#cache.peek(key);
          } catch (err) {
            this.#log.warn(`${key}: ${errorMessage(err)}`);
            continue;
          }
          if (bytes.length > this.#treeCap()) continue;
          const outcome = await this.#pool.parse({ lang, bytes, path: key });
          if (outcome.analysis && this.#occurrences.missing.has(key) && !this.#sync.has(key)) {
            this.#occurrences.record(key, { bytes: bytes.length, crc: crc32(bytes) }, outcome.analysis.occurrences);
          }
        }
      };
      await Promise.all(Array.from({ length: this.#pool.size }, lane));
    } finally {
      this.#filling = false;
    }
  }

  /** Makes what is held about a closed file current: its close reconciled, then checked against the disk. */
  async #settle(key: string): Promise<void> {
    await this.#sync.settled(key);
    await this.#fresh.check(key);
  }

  /** `#settle` of every key; only keys with something to wait for cost a promise (answers name thousands). */
  async #settleAll(keys: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const key of keys) {
      const wait = this.#sync.isClosing(key) ? this.#settle(key) : this.#fresh.checkNow(key);
      if (wait) waits.push(wait);
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /** Makes sure `key` is known: open, indexed, or a readable file on disk (then it is indexed now). */
  async #ensureKnown(key: string): Promise<void> {
    if (this.#sync.has(key) || this.#files.has(key)) return;
    const st = key.startsWith('/') ? statSync(key, { throwIfNoEntry: false }) : undefined;
    if (!st || !st.isFile())
      throw new UnknownDocumentError(`unknown document: ${key} (not open and not a file on disk)`);
    const { result } = await indexFileFromDisk(this.#targets, key, { size: st.size, mtimeMs: st.mtimeMs });
    if (result === 'skipped') throw new UnknownDocumentError(`${key}: not a file Strata parses`);
  }

  /** Lends the document's up-to-date tree; undefined when it has none (no language, too large, binary). */
  async #withTree<T>(key: string, fn: (tree: Tree, lang: LanguageName, text: string) => T): Promise<T | undefined> {
    await this.#settle(key);
    await this.#ensureKnown(key);
    const lang = this.#languageOf(key);
    if (!lang) return undefined;
    const record = this.#files.get(key);
    const open = this.#sync.get(key);
    if (!open && record?.noTreeReason) return undefined;
    // Bytes on both sides: the cap is in bytes, and so is a file's record.
    if ((open ? open.bytes : (record?.bytes ?? 0)) > this.#treeCap()) return undefined;
    try {
      return await this.#hot.withTree(key, (tree, text) => fn(tree, lang, text));
    } catch (err) {
      // Closed (and forgotten) while the grammar loaded: the document is unknown now, not broken.
      if (!this.#sync.has(key) && !this.#cache.has(key)) {
        throw new UnknownDocumentError(`unknown document: ${key} (closed while the request was served)`);
      }
      throw err;
    } finally {
      const hot = this.#hot.stats();
      this.#cache.reportHot({ files: hot.files, bytes: hot.bytes });
    }
  }

  async #nameAt(key: string, position: Position): Promise<string | undefined> {
    await this.#ensureKnown(key);
    const text = await this.textOf(key);
    if (text === undefined) return undefined;
    const lang = this.#languageOf(key);
    const dollarInNames = lang === undefined || languageByName(lang)?.dollarInNames === true;
    return identifierAt(lineAt(text, position.line), position.character, dollarInNames);
  }
}
