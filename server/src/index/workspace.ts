/**
 * The workspace: the one object the LSP layer and the CLI talk to (it implements the LSP layer's
 * `WorkspaceService` port). It composes the parts and decides nothing they can decide themselves:
 * - the source cache (warm/cold tiers, verified reads),
 * - the hot tier (live trees of what is being worked on, rebuilt from the edit journal),
 * - the parser worker pool (bulk parsing, find-references over candidate files),
 * - the symbol index, the per-file table with identifier filters, the open documents,
 * - the persistent cache (persistence.ts: a root's snapshot loaded before its index run, saved after).
 * Memory: everything here is either in a budgeted tier or has a stated per-file / per-symbol cost
 * (fileTable.ts, symbolIndex.ts); open documents hold one kept copy of their text.
 */
import { readFileSync, statSync } from 'node:fs';
import { Logger } from '../base/log.js';
import { crc32, createSourceCache, IntegrityError, type SourceCache } from '../cache/index.js';
import type { ColumnEncoding, FaultKind, FaultReport, IndexProgress, Location, Position, SymbolHit, TextChange, WorkspaceService } from './api.js';
import { EditRejectedError, UnknownDocumentError } from './api.js';
import { analyzeFile, budgetMsFor, foldingRanges, incompleteMessage, outlineOf, selectionRanges } from '../syntax/analysis/index.js';
import { sourceCacheWarmSide } from '../syntax/cacheBridge.js';
import { HotTier } from '../syntax/hotTier.js';
import { detectLanguage, type LanguageName } from '../syntax/languages.js';
import { ParserPool } from '../syntax/parserPool.js';
import { threadJournalStats } from '../syntax/rebuild.js';
import { EditRangeError, EditableText } from '../syntax/textEdits.js';
import { threadLedger } from '../syntax/trees.js';
import { collectGarbage } from '../syntax/v8Heap.js';
import type { FileAnalysis, FoldSpan, Incomplete, Span, SyntaxDiagnostic, SyntaxSymbol } from '../syntax/types.js';
import { diskFallback } from './diskFallback.js';
import { Persistence } from './persistence.js';
import { Freshness } from './freshness.js';
import { injectFaults } from './faults.js';
import { forgetFile, indexFileFromDisk, MAX_STORED_FILE_BYTES, recordAnalysis, type IndexTargets } from './fileIndexer.js';
import { FileTable } from './fileTable.js';
import { indexFolder } from './folderIndexer.js';
import { identifierAt, lineAt, orderLocations } from './navigation.js';
import { ImpossibleEditError, OpenDocuments } from './openDocuments.js';
import { defaultSettings, tierBudgets, type StrataSettings } from './settings.js';
import type { StrataStats } from '../protocol.js';
import { SymbolIndex } from './symbolIndex.js';
import { errorMessage } from '../base/errors.js';

export interface WorkspaceOptions {
  settings?: StrataSettings;
  log?: Logger;
  /** Parser worker threads (default: the number of cores). */
  workers?: number;
  /** A root's snapshot file instead of the default location (`strata index --save FILE`). */
  snapshotFile?: (root: string) => string | undefined;
}

const encoder = new TextEncoder();
const lenient = new TextDecoder('utf-8');

/** At most this many references are returned: enough for any list a person reads. */
const MAX_REFERENCES = 10_000;

export class Workspace implements WorkspaceService {
  #settings: StrataSettings;
  readonly #log: Logger;
  readonly #cache: SourceCache;
  readonly #pool: ParserPool;
  readonly #hot: HotTier;
  readonly #symbols = new SymbolIndex();
  readonly #files = new FileTable();
  /**
   * Files whose last analysis was cut by its time budget (syntax/analysis/budget.ts): logged once, and
   * their next passes get the repeat budget; a complete pass removes the mark.
   */
  readonly #incomplete = new Set<string>();
  readonly #docs = new OpenDocuments();
  /**
   * The last analysis of each open document and the text it is of: the outline and the diagnostics of
   * one text version share one query pass (didOpen's diagnostics and the first documentSymbol would
   * otherwise each run it). Dropped on every edit, open and close, so it holds no stale text.
   */
  readonly #openAnalysis = new Map<string, { lang: LanguageName; text: string; analysis: FileAnalysis }>();
  /**
   * Open documents whose text is still the very text their indexed symbols, filter and error state
   * were computed from (same length and CRC-32, no edit since the open): their outline is the
   * indexed one and, without errors, their diagnostics are none — opening a file costs no query pass.
   */
  readonly #openAsIndexed = new Set<string>();
  readonly #roots = new Set<string>();
  readonly #targets: IndexTargets;
  /** Files changed behind the server's back (no watcher event): checked before what is held about them is served. */
  readonly #fresh: Freshness;
  readonly #persist: Persistence;
  #elapsedMs = 0;
  /** Index runs in progress (folders are indexed concurrently). */
  #indexRuns = 0;
  #disposed = false;

  static async create(options: WorkspaceOptions = {}): Promise<Workspace> {
    const settings = options.settings ?? defaultSettings();
    const budgets = tierBudgets(settings);
    const cache = await createSourceCache({ warmBytes: budgets.warmBytes, coldBytes: budgets.coldBytes, journalLimit: settings.journal.maxEdits });
    return new Workspace(cache, settings, options);
  }

  private constructor(cache: SourceCache, settings: StrataSettings, options: WorkspaceOptions) {
    this.#cache = cache;
    this.#settings = settings;
    this.#log = options.log ?? Logger.silent();
    // The pool parses anything up to the storage cap; the (changeable) tree cap is applied before a job is sent.
    this.#pool = new ParserPool({ maxFileBytes: MAX_STORED_FILE_BYTES, ...(options.workers ? { size: options.workers } : {}) });
    this.#hot = new HotTier({
      budgetBytes: tierBudgets(settings).hotBytes,
      // An open document's text is the editor's: the truth the cache is repaired from (cacheBridge.ts).
      warm: sourceCacheWarmSide(cache, (key) => this.#languageOf(key), (key) => this.#docs.get(key)?.text),
      maxEdits: settings.journal.maxEdits,
    });
    this.#applyTreePolicy();
    const log = { warn: (m: string) => this.#log.warn(m), info: (m: string) => this.#log.info(m) };
    this.#targets = {
      cache, pool: this.#pool, symbols: this.#symbols, files: this.#files, log,
      enabled: (lang) => this.#settings.languages.includes(lang),
      treeCapBytes: () => this.#treeCap(),
      isOpen: (key) => this.#docs.has(key),
    };
    this.#persist = new Persistence({
      targets: this.#targets, settings: () => this.#settings, isOpen: (key) => this.#docs.has(key),
      ...(options.snapshotFile ? { snapshotFile: options.snapshotFile } : {}),
    });
    this.#fresh = new Freshness({ targets: this.#targets, isOpen: (key) => this.#docs.has(key), dropTree: (key) => this.#hot.forget(key) });
  }

  configure(settings: StrataSettings): void {
    this.#settings = settings;
    const b = tierBudgets(settings);
    this.#cache.setBudgets({ warmBytes: b.warmBytes, coldBytes: b.coldBytes });
    this.#applyTreePolicy();
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
    this.#indexRuns++;
    let last = false;
    try {
      // The root's snapshot first: unchanged files are then kept without being read or parsed.
      const reconcile = await this.#persist.load(root);
      const t = this.#targets;
      const result = await indexFolder(root, { exclude: this.#settings.exclude, log: (m) => this.#log.info(m) }, runProgress, {
        inFlight: this.#pool.size * 2,
        isOpen: (key) => this.#docs.has(key),
        indexFile: async (file) => {
          const done = await indexFileFromDisk(t, file.path, file);
          // Known before and now skipped (no longer a language Strata indexes, unreadable): forgotten.
          if (done.result === 'skipped' && t.files.has(file.path) && !this.#docs.has(file.path)) forgetFile(t, file.path);
          return done;
        },
        ...(reconcile ? { keep: reconcile.keep } : {}),
      });
      reconcile?.finish(result.indexed + result.storedWithoutTree);
      this.#elapsedMs = performance.now() - started;
      // The workers' wasm heaps grew with the largest files of the run; ending them gives that back now.
      await this.#pool.endIdleWorkers();
      if (allHot) await this.#makeAllHot();
    } finally {
      last = --this.#indexRuns === 0;
    }
    // The last run to end collects the run's garbage: file buffers and worker messages (v8Heap.ts).
    if (last) collectGarbage();
    progress.end(endMessage ?? `Strata: indexed ${root}`);
    // After `end`: the index answers while its snapshot is written.
    await this.#persist.save(root);
    // And the save's garbage (texts read back, blocks written), unless another run has begun.
    if (last && this.#indexRuns === 0) collectGarbage();
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
      if (this.#docs.has(key)) continue;
      this.#hot.forget(key);
      forgetFile(this.#targets, key);
    }
  }

  async filesChanged(events: { key: string; change: 'created' | 'changed' | 'deleted' }[]): Promise<void> {
    for (const { key, change } of events) {
      // The editor's text is the truth for an open document; the disk catches up when it saves.
      if (this.#docs.has(key)) {
        if (change !== 'deleted') this.#noteDisk(key);
        continue;
      }
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
      if (![...this.#roots].some((r) => key.startsWith(r.endsWith('/') ? r : r + '/')) && !this.#files.has(key)) continue;
      const { result } = await indexFileFromDisk(this.#targets, key, { size: st.size, mtimeMs: st.mtimeMs });
      if (result === 'skipped') forgetFile(this.#targets, key);
    }
    this.#persist.changed(events.map((e) => e.key));
  }

  // ── documents ───────────────────────────────────────────────────────────────────────────────

  openDocument(key: string, languageId: string, version: number, text: string): void {
    const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || Math.min(text.length, 256));
    const info = detectLanguage(key, { languageId, firstLine });
    const lang = info && this.#settings.languages.includes(info.name) ? info.name : undefined;
    this.#openAnalysis.delete(key);
    this.#openAsIndexed.delete(key);
    this.#docs.open(key, { languageId, lang, version, text });
    if (!lang) return;
    this.#hot.open(key, text, lang);
    const analyzed = this.#files.get(key)?.analyzed;
    if (analyzed && this.#symbols.hasFile(key)) {
      const bytes = encoder.encode(text);
      if (bytes.length === analyzed.bytes && crc32(bytes) === analyzed.crc) this.#openAsIndexed.add(key);
    }
    this.#cache.setFallback(key, this.#keptCopy(key));
    if (!this.#files.has(key)) {
      this.#files.set(key, { language: lang, bytes: Buffer.byteLength(text), disk: undefined, hasErrors: false, identifiers: undefined });
    }
  }

  changeDocument(key: string, version: number, changes: TextChange[], encoding: ColumnEncoding): void {
    const doc = this.#docs.get(key);
    if (!doc) throw new EditRejectedError(`${key}: edit for a document that is not open; ignored`);
    this.#openAnalysis.delete(key);
    this.#openAsIndexed.delete(key);
    try {
      if (!doc.lang) {
        const scratch = new EditableText(doc.text);
        const edits = this.#docs.planChanges(key, version, changes, encoding, { text: scratch.text, index: scratch.index });
        for (const e of edits) scratch.apply(e);
        doc.text = scratch.text;
      } else {
        const current = this.#hot.editable(key);
        const edits = this.#docs.planChanges(key, version, changes, encoding, { text: current.text, index: current.index });
        for (const e of edits) this.#hot.edit(key, e);
        doc.text = this.#hot.text(key);
        this.#files.update(key, { bytes: Buffer.byteLength(doc.text) });
      }
      doc.version = version;
    } catch (err) {
      if (err instanceof ImpossibleEditError || err instanceof EditRangeError) {
        throw new EditRejectedError(`${key}: edit refused, the document keeps version ${doc.version}: ${err.message}`);
      }
      throw err;
    }
  }

  closeDocument(key: string): void {
    this.#openAnalysis.delete(key);
    this.#openAsIndexed.delete(key);
    const doc = this.#docs.close(key);
    if (!doc) return;
    this.#hot.close(key);
    // Its disk state may be saved in the persistent cache again (it was left out while open).
    this.#persist.changed([key]);
    const st = key.startsWith('/') ? statSync(key, { throwIfNoEntry: false }) : undefined;
    if (!st || !st.isFile()) {
      // Untitled or deleted: nothing on disk to go back to.
      this.#hot.forget(key);
      forgetFile(this.#targets, key);
      return;
    }
    // Whether the editor discarded unsaved text is told by the disk itself: the closed buffer's last
    // text is compared with the file once, here, rather than tracked on every open, edit and save.
    const disk = st.size <= MAX_STORED_FILE_BYTES ? readFileSync(key) : undefined;
    if (!disk || !Buffer.from(encoder.encode(doc.text)).equals(disk)) {
      // The disk is the truth again, from now on: the discarded text leaves the cache before any
      // await (a read right after the close must not get it), then the file is indexed again.
      this.#hot.forget(key);
      if (disk && this.#cache.has(key)) this.#cache.put(key, disk, diskFallback(key, st.size, st.mtimeMs));
      else if (this.#cache.has(key)) this.#cache.delete(key);
      void indexFileFromDisk(this.#targets, key, { size: st.size, mtimeMs: st.mtimeMs }).catch((err) => this.#log.warn(`${key}: ${errorMessage(err)}`));
    } else if (this.#cache.has(key)) {
      this.#cache.setFallback(key, diskFallback(key, st.size, st.mtimeMs));
    }
  }

  saveDocument(key: string): void {
    if (this.#docs.has(key)) this.#noteDisk(key);
  }

  documentText(key: string): string | undefined {
    return this.#docs.get(key)?.text;
  }

  documentVersion(key: string): number | undefined {
    return this.#docs.get(key)?.version;
  }

  async textOf(key: string): Promise<string | undefined> {
    const open = this.#docs.get(key);
    if (open) return open.text;
    await this.#fresh.check(key);
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
    await this.#fresh.check(key);
    if ((!this.#docs.has(key) || this.#openAsIndexed.has(key)) && this.#symbols.hasFile(key)) return this.#symbols.symbolsOf(key);
    if (this.#docs.has(key)) {
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
    if (this.#openAsIndexed.has(key) && this.#files.get(key)?.hasErrors === false) return [];
    const result = await this.#analysis(key);
    if (!result) return [];
    this.#noteIncomplete(key, result.analysis.incomplete);
    const record = this.#files.get(key);
    const bytes = encoder.encode(result.text);
    recordAnalysis(this.#targets, key, result.lang, { bytes: bytes.length, crc: crc32(bytes) }, record?.disk, result.analysis);
    return result.analysis.diagnostics;
  }

  async definition(key: string, position: Position): Promise<Location[]> {
    const name = await this.#nameAt(key, position);
    if (!name) return [];
    this.#fresh.sweep();
    await Promise.all([...new Set(this.#symbols.lookup(name).map((s) => s.path))].map((k) => this.#fresh.check(k)));
    return orderLocations(key, this.#symbols.lookup(name).map((s) => ({ key: s.path, span: s.nameSpan })));
  }

  async references(key: string, position: Position, includeDeclaration: boolean): Promise<Location[]> {
    const name = await this.#nameAt(key, position);
    if (!name) return [];
    this.#fresh.sweep();
    const candidates = new Set<string>([key]);
    for (const k of this.#files.mayContain(name)) candidates.add(k);
    const found: Location[] = [];
    // Open documents parsed here: their declarations come from this parse of the current text, not
    // from the symbol index, which catches up with an edit only after a debounce (stale spans).
    const parsedOpen = new Set<string>();
    await Promise.all([...candidates].map(async (candidate) => {
      await this.#fresh.check(candidate);
      const lang = this.#languageOf(candidate);
      if (!lang) return;
      let bytes: Uint8Array;
      const open = this.#docs.get(candidate);
      try {
        if (open) bytes = encoder.encode(open.text);
        else if (this.#cache.has(candidate)) bytes = this.#cache.read(candidate);
        else return;
      } catch (err) {
        this.#log.warn(`${candidate}: ${errorMessage(err)}`);
        return;
      }
      if (bytes.length > this.#treeCap()) return;
      const outcome = await this.#pool.parse({ lang, bytes, path: candidate, references: true });
      for (const r of outcome.analysis?.references ?? []) if (r.name === name) found.push({ key: candidate, span: r.span });
      if (open && outcome.analysis) {
        parsedOpen.add(candidate);
        const declarations = (symbols: SyntaxSymbol[]): void => {
          for (const s of symbols) {
            if (s.name === name) found.push({ key: candidate, span: s.nameSpan });
            if (s.children) declarations(s.children);
          }
        };
        if (includeDeclaration) declarations(outcome.analysis.symbols);
      }
    }));
    if (includeDeclaration) for (const s of this.#symbols.lookup(name)) if (!parsedOpen.has(s.path)) found.push({ key: s.path, span: s.nameSpan });
    return orderLocations(key, found).slice(0, MAX_REFERENCES);
  }

  async workspaceSymbols(query: string, limit: number): Promise<SymbolHit[]> {
    this.#fresh.sweep();
    // A hit in a file changed behind the server's back is not served as current: its file is re-read first.
    await Promise.all([...new Set(this.#symbols.search(query, limit).map((m) => m.path))].map((k) => this.#fresh.check(k)));
    return this.#symbols.search(query, limit).map((m) => ({
      name: m.name, kind: m.kind, key: m.path, span: m.nameSpan,
      ...(m.containerName ? { containerName: m.containerName } : {}),
    }));
  }

  stats(): StrataStats {
    const cache = this.#cache.stats();
    const hot = this.#hot.stats();
    const mainTrees = threadLedger.counts();
    const pool = this.#pool.stats();
    const poolTrees = pool.trees;
    const mem = process.memoryUsage();
    const totals = this.#files.totals();
    const budgets = tierBudgets(this.#settings);
    return {
      files: totals.files,
      bytes: totals.bytes,
      languages: totals.languages,
      parseErrors: totals.parseErrors,
      elapsedMs: Math.round(this.#elapsedMs),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      store: {
        rawBytes: cache.store.rawBytes,
        storedBytes: cache.store.storedBytes,
        chunks: cache.store.chunks,
        uniqueChunks: cache.store.uniqueChunks,
        dedupRatio: cache.store.dedupRatio,
        compressionRatio: cache.store.compressionRatio,
      },
      tiers: {
        hot: { files: hot.files, bytes: hot.bytes },
        warm: { files: cache.tiers.warm.files, bytes: cache.tiers.warm.bytes },
        cold: { files: cache.tiers.cold.files, bytes: cache.tiers.cold.bytes },
      },
      trees: {
        live: mainTrees.live + poolTrees.live,
        created: mainTrees.created + poolTrees.created,
        deleted: mainTrees.deleted + poolTrees.deleted,
      },
      // Damage found in persistent snapshots counts as detected corruption too.
      integrity: { verifiedReads: cache.integrity.verifiedReads, crcFailures: cache.integrity.crcFailures + this.#persist.damagedBlocks, fallbacks: cache.integrity.fallbacks },
      journal: threadJournalStats.counts(),
      budgets,
      persist: this.#persist.stats(),
      process: {
        rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, externalBytes: mem.external,
        arrayBuffersBytes: mem.arrayBuffers, workersHeapBytes: pool.heapBytes,
      },
    };
  }

  /** For the reliability suites only: the LSP layer serves this only with STRATA_DEBUG=1. */
  injectFaults(request: { seed: number; flips: number; kinds?: readonly FaultKind[]; keys?: readonly string[] }): FaultReport {
    return injectFaults(this.#cache, request);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#persist.close();
    this.#hot.dispose();
    await this.#pool.close();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  #languageOf(key: string): LanguageName | undefined {
    const doc = this.#docs.get(key);
    if (doc) return doc.lang;
    return this.#files.get(key)?.language;
  }

  #budgetMs(key: string, text: string): number {
    return budgetMsFor(text.length, this.#incomplete.has(key));
  }

  /** The whole analysis of `key`'s current text; an open document's is kept until its text changes. */
  async #analysis(key: string): Promise<{ lang: LanguageName; text: string; analysis: FileAnalysis } | undefined> {
    const kept = this.#openAnalysis.get(key);
    if (kept && this.#docs.get(key)?.text === kept.text) return kept;
    const result = await this.#withTree(key, (tree, lang, text) => ({ lang, text, analysis: analyzeFile(tree, lang, { text, budgetMs: this.#budgetMs(key, text) }) }));
    // Kept only if the document is still open with that very text (it may have changed during the await).
    if (result && this.#docs.get(key)?.text === result.text) this.#openAnalysis.set(key, result);
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

  /** The unsaved-buffer fallback: the kept copy of an open document's text. */
  #keptCopy(key: string): () => Uint8Array | undefined {
    return () => {
      const doc = this.#docs.get(key);
      return doc ? encoder.encode(doc.text) : undefined;
    };
  }

  #noteDisk(key: string): void {
    const st = statSync(key, { throwIfNoEntry: false });
    if (st?.isFile()) this.#files.update(key, { disk: { size: st.size, mtimeMs: st.mtimeMs } });
  }

  /** Makes sure `key` is known: open, indexed, or a readable file on disk (then it is indexed now). */
  async #ensureKnown(key: string): Promise<void> {
    if (this.#docs.has(key) || this.#files.has(key)) return;
    const st = key.startsWith('/') ? statSync(key, { throwIfNoEntry: false }) : undefined;
    if (!st || !st.isFile()) throw new UnknownDocumentError(`unknown document: ${key} (not open and not a file on disk)`);
    const { result } = await indexFileFromDisk(this.#targets, key, { size: st.size, mtimeMs: st.mtimeMs });
    if (result === 'skipped') throw new UnknownDocumentError(`${key}: not a file Strata parses`);
  }

  /** Lends the document's up-to-date tree; undefined when it has none (no language, too large, binary). */
  async #withTree<T>(key: string, fn: (tree: import('web-tree-sitter').Tree, lang: LanguageName, text: string) => T): Promise<T | undefined> {
    await this.#fresh.check(key);
    await this.#ensureKnown(key);
    const lang = this.#languageOf(key);
    if (!lang) return undefined;
    const record = this.#files.get(key);
    if (!this.#docs.has(key) && record?.noTreeReason) return undefined;
    const size = this.#docs.has(key) ? this.#docs.get(key)!.text.length : (record?.bytes ?? 0);
    if (size > this.#treeCap()) return undefined;
    try {
      return await this.#hot.withTree(key, (tree, text) => fn(tree, lang, text));
    } catch (err) {
      // Closed (and forgotten) while the grammar loaded: the document is unknown now, not broken.
      if (!this.#docs.has(key) && !this.#cache.has(key)) throw new UnknownDocumentError(`unknown document: ${key} (closed while the request was served)`);
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
    return identifierAt(lineAt(text, position.line), position.character);
  }
}
