/**
 * The soak's editing session: a seeded sequence of weighted operations against the built server
 * over stdio (test/lsp/harness.ts: `node bin/strata.js --stdio`, STRATA_DEBUG=1, a private
 * XDG_CACHE_HOME), with a shadow copy (shadow.ts) of every document.
 *
 * Operations: open, type (one didChange per keystroke at a cursor, sometimes a burst in one
 * notification), undo (the inverse edits, newest first), paste a large block, delete a range, save
 * (write the file, didSave, a watched-file event), close, switch files, documentSymbol,
 * workspace/symbol, definition, references, foldingRange, and settings changes (other memory
 * budgets, pulled by the server through workspace/configuration). The sequence of operations
 * depends only on the seed (never on timing or answers), so a seed and an operation number name a
 * failure; how many operations fit in the run depends on the machine.
 *
 * Checks, each counted and the first ones described with seed and operation number:
 * - text: `strata/debug/text` of open documents (the active one every 25 operations, all open ones
 *   every 200 and at the end) equals the shadow; a document just closed, and a few closed files,
 *   equal the file on disk.
 * - results: documentSymbol and foldingRange ranges, and references into open documents, lie inside
 *   the document's current text (those come from the live tree or the open text; the name index
 *   behind definition and workspace/symbol is refreshed after a debounce, so those are not judged).
 * - every request is answered (a timeout or the server exiting counts) and without an error.
 * Requests an editor sends without waiting (outline/folding refresh while typing) are sent without
 * waiting here too; their answers are timed but not judged (the text may have moved on).
 * Sampling (every few seconds): the server's RSS (/proc) and `strata/stats`. Checkpoints (at each
 * window boundary, metrics.ts): the session pauses and reads retained memory (`Checkpoint`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seeded } from '../../bench/lspMeasure.js';
import { REPO, startStrata, type StrataSession } from '../../lsp/harness.js';
import { ResponseError, TimeoutError } from '../../support/lspClient.js';
import type { StrataStats } from '../../../server/src/protocol.js';
import { indexedFiles, populateDefault, populateFrom, type SoakCorpus, type SoakFile } from './corpus.js';
import type { LatencyRecord, SoakPlan } from './metrics.js';
import { ShadowDoc, type AppliedEdit, type Range } from './shadow.js';

export type OpKind = 'open' | 'type' | 'undo' | 'paste' | 'delete' | 'save' | 'close' | 'switch'
  | 'documentSymbol' | 'workspaceSymbol' | 'definition' | 'references' | 'foldingRange' | 'settings';

/** Relative weights of the operations. */
export const OP_WEIGHTS: Record<OpKind, number> = {
  open: 5, type: 30, undo: 8, paste: 4, delete: 6, save: 5, close: 4, switch: 6,
  documentSymbol: 8, workspaceSymbol: 6, definition: 6, references: 4, foldingRange: 5, settings: 1,
};

/** Memory settings the session moves between (MiB; 0 = the tier's share of the total). */
export const MEMORY_SETTINGS = [
  { totalMB: 1024, hotMB: 0, warmMB: 0, coldMB: 0 },
  { totalMB: 64, hotMB: 0, warmMB: 0, coldMB: 0 },
  { totalMB: 16, hotMB: 0, warmMB: 0, coldMB: 0 },
  { totalMB: 32, hotMB: 1, warmMB: 0, coldMB: 0 },
  { totalMB: 24, hotMB: 2, warmMB: 1, coldMB: 4 },
];

const MAX_OPEN = 8;
const MAX_DOC_CHARS = 1_500_000;
const UNDO_DEPTH = 2000;
const REQUEST_TIMEOUT_MS = 30_000;
const COMPARE_ACTIVE_EVERY = 25;
const COMPARE_ALL_EVERY = 200;
/** Reads of retained memory at a checkpoint (the least counts: a worker busy at one read is not idle at the next). */
const CHECKPOINT_READS = 3;

export interface SoakOptions {
  plan: SoakPlan;
  seed: number;
  corpus?: string;
  log: (line: string) => void;
}

export interface Sample {
  atMs: number;
  /** VmRSS of the server's process tree. */
  rssBytes: number;
  stats?: {
    treesLive: number;
    hotFiles: number;
    hotBytes: number;
    warmBytes: number;
    coldBytes: number;
    hotBudgetBytes: number;
    warmBudgetBytes: number;
    coldBudgetBytes: number;
    heapUsedBytes?: number;
    externalBytes?: number;
    arrayBuffersBytes?: number;
    workersHeapBytes?: number;
    /** Budgeted structures beside the tiers: the occurrence index's memtables and block cache. */
    memtableBytes?: number;
    blockCacheBytes?: number;
    symbolBytes?: number;
  };
}

/**
 * Retained memory at a window boundary (metrics.ts judges drift by it): the session pauses, asks
 * `strata/debug/releaseMemory` (idle parser workers ended, a full collection), and reads VmRSS.
 */
export interface Checkpoint {
  atMs: number;
  /** VmRSS of the server's process tree right after the release. */
  rssBytes: number;
  /** V8's young generation then: empty after the collection, committed at the size V8 grew it to. */
  youngGenerationBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

export interface Failure {
  kind: 'text' | 'unanswered' | 'error' | 'invalid';
  op: number;
  opKind: OpKind | 'final' | 'sample';
  detail: string;
}

export interface SoakRun {
  seed: number;
  corpus: { source: string; files: number; bytes: number };
  indexMs: number;
  elapsedMs: number;
  operations: number;
  opCounts: Record<string, number>;
  edits: { notifications: number; changes: number; charsInserted: number; charsRemoved: number };
  comparisons: { open: number; closed: number };
  textDifferences: number;
  unanswered: number;
  requestErrors: number;
  invalidResults: number;
  /** Informational: symbol names that differ from the text at their selectionRange. */
  symbolNameMismatches: number;
  settingsChanges: number;
  failures: Failure[];
  samples: Sample[];
  checkpoints: Checkpoint[];
  latencies: LatencyRecord[];
  /** Latencies of the harness's own requests (stats, debug/text), apart from the session's. */
  harnessLatencies: LatencyRecord[];
  serverExit?: string;
  shutdown: { code: number | null; signal: string | null; killed: boolean } | undefined;
  stderrTail: string;
}

interface OpenDoc {
  shadow: ShadowDoc;
  path: string;
  undo: AppliedEdit[];
  cursor: number;
}

class Soak {
  readonly rng: () => number;
  readonly run: SoakRun;
  readonly docs = new Map<string, OpenDoc>();
  /** Current disk text of every file the session wrote (others are as copied). */
  readonly disk = new Map<string, string>();
  active: string | undefined;
  op = 0;
  opKind: Failure['opKind'] = 'open';
  t0 = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  private memoryIndex = 0;

  constructor(readonly s: StrataSession, readonly corpus: SoakCorpus, readonly o: SoakOptions) {
    this.rng = seeded(o.seed);
    this.run = {
      seed: o.seed, corpus: { source: corpus.source, files: corpus.files.length, bytes: corpus.bytes },
      indexMs: 0, elapsedMs: 0, operations: 0, opCounts: {},
      edits: { notifications: 0, changes: 0, charsInserted: 0, charsRemoved: 0 },
      comparisons: { open: 0, closed: 0 },
      textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0, symbolNameMismatches: 0, settingsChanges: 0,
      failures: [], samples: [], checkpoints: [], latencies: [], harnessLatencies: [], shutdown: undefined, stderrTail: '',
    };
  }

  get client() {
    return this.s.client;
  }

  now(): number {
    return performance.now() - this.t0;
  }

  // ── random choices ─────────────────────────────────────────────────────────────────────────

  int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** 1 … max, small values far more likely (log-uniform). */
  size(min: number, max: number): number {
    return Math.round(min * (max / min) ** this.rng());
  }

  chooseOp(): OpKind {
    const entries = Object.entries(OP_WEIGHTS) as [OpKind, number][];
    let r = this.rng() * entries.reduce((a, [, w]) => a + w, 0);
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return 'type';
  }

  // ── failures and requests ──────────────────────────────────────────────────────────────────

  fail(kind: Failure['kind'], detail: string, opKind: Failure['opKind'] = this.opKind): void {
    if (kind === 'text') this.run.textDifferences++;
    else if (kind === 'unanswered') this.run.unanswered++;
    else if (kind === 'error') this.run.requestErrors++;
    else this.run.invalidResults++;
    if (this.run.failures.length < 50) this.run.failures.push({ kind, op: this.op, opKind, detail });
    this.o.log(`FAIL ${kind} (seed ${this.o.seed}, operation ${this.op} ${opKind}): ${detail}`);
  }

  /** A request whose answer is counted and timed; resolves undefined when it failed. */
  async request<R = any>(method: string, params: unknown, harness = false, opKind: Failure['opKind'] = this.opKind): Promise<R | undefined> {
    const started = performance.now();
    try {
      const r = await this.client.request<R>(method, params, { timeoutMs: REQUEST_TIMEOUT_MS });
      (harness ? this.run.harnessLatencies : this.run.latencies).push({ atMs: this.now(), method, ms: performance.now() - started });
      return r;
    } catch (err) {
      if (err instanceof ResponseError) this.fail('error', `${method}: ${err.message}`, opKind);
      else this.fail('unanswered', `${method}: ${err instanceof TimeoutError ? err.message : String(err)}`, opKind);
      return undefined;
    }
  }

  /** A request an editor does not wait for (timed and counted, not judged). */
  fire(method: string, params: unknown): void {
    if (this.inflight.size >= 4) return; // an editor cancels or skips refreshes it is still waiting for
    const p = this.request(method, params).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  async settle(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  // ── documents ──────────────────────────────────────────────────────────────────────────────

  uriOf(path: string): string {
    return pathToFileURL(join(this.s.root, path)).href;
  }

  diskText(path: string): string {
    return this.disk.get(path) ?? readFileSync(join(this.s.root, path), 'utf8');
  }

  sendChanges(doc: OpenDoc, changes: { range: Range; text: string }[]): void {
    doc.shadow.version++;
    this.client.notify('textDocument/didChange', { textDocument: { uri: doc.shadow.uri, version: doc.shadow.version }, contentChanges: changes });
    this.run.edits.notifications++;
    this.run.edits.changes += changes.length;
  }

  /** Applies an edit to the shadow and the undo stack; returns the change to send. */
  edit(doc: OpenDoc, start: number, end: number, text: string, undoable = true): { range: Range; text: string } {
    const { change, applied } = doc.shadow.apply(start, end, text);
    if (undoable) {
      doc.undo.push(applied);
      if (doc.undo.length > UNDO_DEPTH) doc.undo.shift();
    }
    this.run.edits.charsInserted += text.length;
    this.run.edits.charsRemoved += end - start;
    doc.cursor = start + text.length;
    return change;
  }

  activeDoc(): OpenDoc | undefined {
    return this.active ? this.docs.get(this.active) : undefined;
  }

  /**
   * A slice of some corpus file: what is typed and pasted is real code, in whole characters (a slice
   * may cut a surrogate pair at either end; an editor never inserts half of one, and the server refuses
   * an edit that would: textEdits.ts).
   */
  sourceSlice(length: number): string {
    const f = this.pick(this.corpus.files);
    const text = this.diskText(f.path);
    if (text.length <= length) return text;
    const at = this.int(text.length - length);
    return text.slice(at, at + length).replace(/^[\udc00-\udfff]/, '').replace(/[\ud800-\udbff]$/, '');
  }

  async compare(uri: string, expected: string, what: string): Promise<void> {
    const r = await this.request<{ text: string }>('strata/debug/text', { uri }, true);
    if (!r) return;
    if (what === 'closed') this.run.comparisons.closed++;
    else this.run.comparisons.open++;
    if (r.text === expected) return;
    let i = 0;
    while (i < r.text.length && i < expected.length && r.text.charCodeAt(i) === expected.charCodeAt(i)) i++;
    this.fail('text', `${what} ${uri}: server text (${r.text.length} chars) differs from the expected (${expected.length} chars) first at offset ${i}: server ${JSON.stringify(r.text.slice(i, i + 40))} vs expected ${JSON.stringify(expected.slice(i, i + 40))}`);
  }

  async compareAllOpen(): Promise<void> {
    for (const d of this.docs.values()) await this.compare(d.shadow.uri, d.shadow.text, 'open');
  }

  /** A few closed files: the server must serve exactly what is on disk. */
  async compareSomeClosed(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const f = this.pick(this.corpus.files);
      const uri = this.uriOf(f.path);
      if (this.docs.has(uri)) continue;
      await this.compare(uri, this.diskText(f.path), 'closed');
    }
  }

  // ── operations ─────────────────────────────────────────────────────────────────────────────

  async step(): Promise<void> {
    this.op++;
    let kind = this.chooseOp();
    const doc = this.activeDoc();
    // Turn operations that cannot run now into ones that can.
    if (!doc && kind !== 'workspaceSymbol' && kind !== 'settings') kind = 'open';
    if (kind === 'open' && this.docs.size >= MAX_OPEN) kind = 'close';
    if (kind === 'paste' && doc && doc.shadow.length > MAX_DOC_CHARS) kind = 'delete';
    if (kind === 'undo' && doc && doc.undo.length === 0) kind = 'type';
    this.opKind = kind;
    this.run.opCounts[kind] = (this.run.opCounts[kind] ?? 0) + 1;
    await this[kind](doc!);
    if (this.op % COMPARE_ALL_EVERY === 0) {
      await this.settle();
      await this.compareAllOpen();
      await this.compareSomeClosed(3);
    } else if (this.op % COMPARE_ACTIVE_EVERY === 0) {
      const d = this.activeDoc();
      if (d) await this.compare(d.shadow.uri, d.shadow.text, 'open');
    }
  }

  async open(): Promise<void> {
    const candidates = this.corpus.files.filter((f) => !this.docs.has(this.uriOf(f.path)));
    if (candidates.length === 0) return;
    const f: SoakFile = this.pick(candidates);
    const uri = this.uriOf(f.path);
    const shadow = new ShadowDoc(uri, f.languageId, this.diskText(f.path), 1);
    const doc: OpenDoc = { shadow, path: f.path, undo: [], cursor: this.int(shadow.length + 1) };
    this.docs.set(uri, doc);
    this.active = uri;
    this.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: f.languageId, version: 1, text: shadow.text } });
    // An editor asks for the outline and folds of a file it shows.
    this.fire('textDocument/documentSymbol', { textDocument: { uri } });
    this.fire('textDocument/foldingRange', { textDocument: { uri } });
  }

  async type(doc: OpenDoc): Promise<void> {
    if (this.rng() < 0.3) doc.cursor = this.int(doc.shadow.length + 1);
    doc.cursor = doc.shadow.snap(doc.cursor);
    // Keystrokes: a `\r\n` or a surrogate pair is one key.
    const keys = this.sourceSlice(this.size(1, 60)).match(/\r\n|[\s\S]/gu) ?? [];
    const together = this.rng() < 0.25;
    const batch: { range: Range; text: string }[] = [];
    for (const key of keys) {
      const at = doc.shadow.snap(doc.cursor);
      const change = this.edit(doc, at, at, key);
      if (together) batch.push(change);
      else {
        this.sendChanges(doc, [change]);
        // Give the server's event loop a turn now and then, as keystrokes arrive over time.
        if (this.rng() < 0.2) await new Promise((r) => setTimeout(r, 1));
      }
    }
    if (together && batch.length > 0) this.sendChanges(doc, batch);
    this.fire('textDocument/documentSymbol', { textDocument: { uri: doc.shadow.uri } });
  }

  async undo(doc: OpenDoc): Promise<void> {
    const n = Math.min(doc.undo.length, this.size(1, 40));
    const together = this.rng() < 0.5;
    const batch: { range: Range; text: string }[] = [];
    for (let i = 0; i < n; i++) {
      const e = doc.undo.pop()!;
      const change = this.edit(doc, e.start, e.start + e.inserted.length, e.removed, false);
      if (together) batch.push(change);
      else this.sendChanges(doc, [change]);
    }
    if (batch.length > 0) this.sendChanges(doc, batch);
  }

  async paste(doc: OpenDoc): Promise<void> {
    const at = doc.shadow.snap(this.int(doc.shadow.length + 1));
    this.sendChanges(doc, [this.edit(doc, at, at, this.sourceSlice(this.size(2048, 200_000)))]);
  }

  async delete(doc: OpenDoc): Promise<void> {
    const len = doc.shadow.length;
    if (len === 0) return;
    const big = len > MAX_DOC_CHARS;
    const n = big ? this.int(len / 2) + 1 : this.size(1, Math.max(2, Math.min(50_000, len)));
    const start = doc.shadow.snap(this.int(Math.max(1, len - n)));
    const end = doc.shadow.snap(Math.min(len, start + n));
    if (end <= start) return;
    this.sendChanges(doc, [this.edit(doc, start, end, '')]);
  }

  async save(doc: OpenDoc): Promise<void> {
    writeFileSync(join(this.s.root, doc.path), doc.shadow.text);
    this.disk.set(doc.path, doc.shadow.text);
    this.client.notify('textDocument/didSave', { textDocument: { uri: doc.shadow.uri } });
    this.client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: doc.shadow.uri, type: 2 }] });
  }

  async close(doc: OpenDoc): Promise<void> {
    await this.settle();
    await this.compare(doc.shadow.uri, doc.shadow.text, 'open');
    this.client.notify('textDocument/didClose', { textDocument: { uri: doc.shadow.uri } });
    this.docs.delete(doc.shadow.uri);
    this.active = this.docs.size > 0 ? this.pick([...this.docs.keys()]) : undefined;
    // Unsaved edits are gone: the server must serve the file as it is on disk.
    await this.compare(doc.shadow.uri, this.diskText(doc.path), 'closed');
  }

  async switch(): Promise<void> {
    if (this.docs.size < 2) return this.open();
    const others = [...this.docs.keys()].filter((u) => u !== this.active);
    this.active = this.pick(others);
    this.fire('textDocument/documentSymbol', { textDocument: { uri: this.active } });
    this.fire('textDocument/foldingRange', { textDocument: { uri: this.active } });
  }

  /** Where a name is: the first identifier at or after a random offset (or the offset itself). */
  identifierAt(doc: OpenDoc): { offset: number; name: string | undefined } {
    const from = this.int(doc.shadow.length + 1);
    const re = /[A-Za-z_$][\w$]*/g;
    re.lastIndex = from;
    const m = re.exec(doc.shadow.text.slice(0, from + 2000));
    return m ? { offset: m.index + Math.min(1, m[0].length - 1), name: m[0] } : { offset: doc.shadow.snap(from), name: undefined };
  }

  async documentSymbol(doc: OpenDoc): Promise<void> {
    await this.settle();
    const r = await this.request<any[]>('textDocument/documentSymbol', { textDocument: { uri: doc.shadow.uri } });
    if (!r) return;
    const visit = (symbols: any[]) => {
      for (const s of symbols) {
        const ranges: Range[] = s.location ? [s.location.range] : [s.range, s.selectionRange];
        for (const range of ranges) {
          if (!this.inside(doc, range)) return this.fail('invalid', `documentSymbol ${doc.shadow.uri}: ${s.name} at ${JSON.stringify(range)} is outside the text (${doc.shadow.lineCount} lines)`);
        }
        if (s.selectionRange && this.textAt(doc, s.selectionRange) !== s.name) this.run.symbolNameMismatches++;
        if (Array.isArray(s.children)) visit(s.children);
      }
    };
    visit(r);
  }

  async foldingRange(doc: OpenDoc): Promise<void> {
    await this.settle();
    const r = await this.request<any[]>('textDocument/foldingRange', { textDocument: { uri: doc.shadow.uri } });
    for (const f of r ?? []) {
      if (!(f.startLine >= 0 && f.startLine <= f.endLine && f.endLine < doc.shadow.lineCount)) {
        return this.fail('invalid', `foldingRange ${doc.shadow.uri}: ${f.startLine}–${f.endLine} outside ${doc.shadow.lineCount} lines`);
      }
    }
  }

  async workspaceSymbol(doc: OpenDoc | undefined): Promise<void> {
    const name = doc ? this.identifierAt(doc).name : undefined;
    const query = name ? name.slice(0, 1 + this.int(name.length)) : this.pick(['a', 'get', 'Request', 'x', 'parse', '']);
    await this.request('workspace/symbol', { query });
  }

  async definition(doc: OpenDoc): Promise<void> {
    const { offset } = this.identifierAt(doc);
    await this.request('textDocument/definition', { textDocument: { uri: doc.shadow.uri }, position: doc.shadow.positionAt(offset) });
  }

  async references(doc: OpenDoc): Promise<void> {
    await this.settle();
    const { offset, name } = this.identifierAt(doc);
    const r = await this.request<any[]>('textDocument/references', {
      textDocument: { uri: doc.shadow.uri }, position: doc.shadow.positionAt(offset), context: { includeDeclaration: true },
    });
    // Every reference into an open document names the same identifier (the server's idea of the
    // name under the cursor may differ from this regex's, so they are compared with each other).
    let first: string | undefined;
    for (const loc of r ?? []) {
      const target = this.docs.get(loc.uri);
      if (!target) continue;
      if (!this.inside(target, loc.range)) return this.fail('invalid', `references near ${name} in ${loc.uri}: ${JSON.stringify(loc.range)} is outside the text`);
      const found = this.textAt(target, loc.range);
      first ??= found;
      if (found === '' || found !== first) return this.fail('invalid', `references near ${name}: the text at ${loc.uri} ${JSON.stringify(loc.range)} is ${JSON.stringify(found)}, elsewhere ${JSON.stringify(first)}`);
    }
  }

  async settings(): Promise<void> {
    this.memoryIndex = (this.memoryIndex + 1 + this.int(MEMORY_SETTINGS.length - 1)) % MEMORY_SETTINGS.length;
    this.s.settings['memory'] = { ...MEMORY_SETTINGS[this.memoryIndex]! };
    this.client.notify('workspace/didChangeConfiguration', { settings: null });
    this.run.settingsChanges++;
  }

  inside(doc: OpenDoc, r: Range): boolean {
    return doc.shadow.contains(r.start) && doc.shadow.contains(r.end)
      && (r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character));
  }

  textAt(doc: OpenDoc, r: Range): string {
    const at = (p: { line: number; character: number }) => doc.shadow.starts()[p.line]! + p.character;
    return doc.shadow.text.slice(at(r.start), at(r.end));
  }

  // ── sampling ───────────────────────────────────────────────────────────────────────────────

  async sample(): Promise<void> {
    const mem = this.client.memory();
    const st = await this.request<StrataStats>('strata/stats', undefined, true, 'sample');
    if (!mem) return;
    const s: Sample = { atMs: this.now(), rssBytes: mem.rssBytes };
    if (st) {
      s.stats = {
        treesLive: st.trees.live, hotFiles: st.tiers.hot.files, hotBytes: st.tiers.hot.bytes,
        warmBytes: st.tiers.warm.bytes, coldBytes: st.tiers.cold.bytes,
        hotBudgetBytes: st.budgets?.hotBytes ?? NaN, warmBudgetBytes: st.budgets?.warmBytes ?? NaN, coldBudgetBytes: st.budgets?.coldBytes ?? NaN,
        heapUsedBytes: st.process?.heapUsedBytes, externalBytes: st.process?.externalBytes,
        arrayBuffersBytes: st.process?.arrayBuffersBytes, workersHeapBytes: st.process?.workersHeapBytes,
        memtableBytes: st.occurrences?.memtableBytes, blockCacheBytes: st.occurrences?.blockCacheBytes,
        symbolBytes: st.symbols?.bytes,
      };
    }
    this.run.samples.push(s);
  }

  /**
   * Opens a file of each of the corpus's languages, asks for its folds and closes it, before the run
   * (no random choice, so a seed replays the same operations): every grammar is then loaded in the
   * server's main thread. A grammar stays loaded for the process's life and costs 1–7 MB of compiled
   * wasm (25–30 MB for all eleven, outside V8's heap and external memory); loaded when a seed first
   * opens a file of its language, it came as a step at a random time and was read as drift.
   */
  async prime(): Promise<void> {
    const seen = new Set<string>();
    for (const f of this.corpus.files) {
      if (seen.has(f.languageId)) continue;
      seen.add(f.languageId);
      const uri = this.uriOf(f.path);
      this.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: f.languageId, version: 1, text: this.diskText(f.path) } });
      await this.request('textDocument/foldingRange', { textDocument: { uri } }, true, 'open');
      this.client.notify('textDocument/didClose', { textDocument: { uri } });
    }
  }

  /** Records retained memory (a `Checkpoint`): the least of a few reads, each after a release. */
  async checkpoint(): Promise<void> {
    await this.settle();
    let best: Checkpoint | undefined;
    for (let i = 0; i < CHECKPOINT_READS; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const a = await this.request<Record<string, number>>('strata/debug/releaseMemory', undefined, true, 'sample');
      const mem = a && this.client.memory();
      if (!a || !mem) continue;
      const c: Checkpoint = {
        atMs: this.now(), rssBytes: mem.rssBytes, youngGenerationBytes: a['youngGenerationBytes'] ?? 0,
        heapUsedBytes: a['heapUsedBytes'] ?? NaN, heapTotalBytes: a['heapTotalBytes'] ?? NaN, externalBytes: a['externalBytes'] ?? NaN,
      };
      if (!best || c.rssBytes - c.youngGenerationBytes < best.rssBytes - best.youngGenerationBytes) best = c;
    }
    if (best) this.run.checkpoints.push(best);
  }
}

/** Runs one soak session; never throws for what the server does (that is in the result). */
export async function runSoak(o: SoakOptions): Promise<SoakRun> {
  let corpus: SoakCorpus | undefined;
  const started = performance.now();
  const s = await startStrata({
    waitForIndex: false,
    // The harness gives the server STRATA_DEBUG=1 and a private, temporary XDG_CACHE_HOME.
    populate: (root) => {
      corpus = o.corpus ? populateFrom(root, o.corpus) : populateDefault(root, REPO);
    },
  });
  if (corpus) corpus.files = await indexedFiles(s.root);
  if (!corpus || corpus.files.length === 0) throw new Error(`the corpus has no file the server parses (${corpus?.source ?? o.corpus})`);
  o.log(`soak: seed ${o.seed}, ${corpus.files.length} files (${(corpus.bytes / 2 ** 20).toFixed(1)} MB) from ${corpus.source}; indexing…`);
  const soak = new Soak(s, corpus, o);
  try {
    await s.client.waitForNotification((n) => n.method === '$/progress' && n.params?.value?.kind === 'end', 600_000, { includePast: true });
    soak.run.indexMs = performance.now() - started;
    await soak.prime();
    o.log(`soak: indexed in ${(soak.run.indexMs / 1000).toFixed(1)} s; editing for ${(o.plan.durationMs / 60_000).toFixed(2)} min (warm-up ${(o.plan.warmupMs / 1000).toFixed(0)} s)`);
    soak.t0 = performance.now();
    await soak.sample();
    // Samples are taken on their own clock, between and during operations (an operation may take
    // seconds); one at a time, so a slow answer delays the next sample instead of piling them up.
    let sampling = true;
    const sampler = (async () => {
      while (sampling && !s.client.exit) {
        await new Promise((r) => setTimeout(r, o.plan.sampleMs));
        if (sampling) await soak.sample();
      }
    })();
    let nextLog = 10_000;
    // Checkpoints at the windows' boundaries (metrics.ts windowsOf), the warm-up's end among them.
    let nextCheckpoint = o.plan.warmupMs % o.plan.windowMs || o.plan.windowMs;
    while (soak.now() < o.plan.durationMs && !s.client.exit) {
      await soak.step();
      if (soak.now() >= nextCheckpoint && soak.now() < o.plan.durationMs) {
        await soak.checkpoint();
        nextCheckpoint += o.plan.windowMs;
      }
      if (soak.now() >= nextLog) {
        const last = soak.run.samples[soak.run.samples.length - 1];
        o.log(`  ${(soak.now() / 1000).toFixed(0)} s: ${soak.op} operations, RSS ${((last?.rssBytes ?? 0) / 2 ** 20).toFixed(0)} MB, trees ${last?.stats?.treesLive ?? '?'}, text differences ${soak.run.textDifferences}`);
        nextLog += 10_000;
      }
    }
    sampling = false;
    await sampler;
    soak.opKind = 'final';
    await soak.settle();
    if (!s.client.exit) {
      await soak.compareAllOpen();
      for (const path of soak.disk.keys()) {
        const uri = soak.uriOf(path);
        if (!soak.docs.has(uri)) await soak.compare(uri, soak.diskText(path), 'closed');
      }
      await soak.sample();
      await soak.checkpoint();
    }
  } finally {
    soak.run.operations = soak.op;
    soak.run.elapsedMs = soak.t0 ? performance.now() - soak.t0 : 0;
    if (s.client.exit) soak.run.serverExit = `exited during the run (code ${s.client.exit.code}, signal ${s.client.exit.signal})`;
    soak.run.stderrTail = s.client.stderrText.slice(-4000);
    const closed = await s.client.close(10_000);
    soak.run.shutdown = closed;
    if (!soak.run.serverExit && (closed.killed || closed.code !== 0)) {
      soak.run.serverExit = `did not shut down cleanly (code ${closed.code}, signal ${closed.signal}, killed ${closed.killed})`;
    }
    await s.close();
  }
  return soak.run;
}
