/**
 * Measuring a language server over LSP, the same way for any server, so that bash-language-server
 * and Strata can be compared side by side on the same corpus: `measureServer` starts the server
 * command through the real client (test/support/lspClient.ts), initializes it on a workspace
 * folder, waits until it says it has indexed (a log line, the end of `$/progress`, or symbol
 * results that stop changing — whichever the server offers), then samples the server's process tree
 * memory (VmRSS/VmHWM) and times `workspace/symbol`, `textDocument/documentSymbol` and, when the query
 * set has targets, `textDocument/references` over fixed, corpus-derived inputs. Each request is sent
 * alone (no pipelining), so a latency is one round trip.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { LspClient, type LspClientOptions } from '../support/lspClient.js';
import { RssSampler } from '../support/procMem.js';
import { walkFiles } from './corpus/stats.js';
import { seededRandom } from '../../server/src/index/seededRandom.js';

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarizeLatencies(samples: number[]): { n: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  return {
    n: samples.length, p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : NaN, mean: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : NaN,
  };
}

/** Names defined as shell functions (`name() {`, `function name {`). */
export function shellFunctionNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^[ \t]*(?:function[ \t]+)?([A-Za-z_][A-Za-z0-9_:.-]*)[ \t]*(?:\(\)|[ \t]*(?=\{))/gm)) {
    if (m[0].includes('()') || /^\s*function\s/.test(m[0])) out.push(m[1]!);
  }
  return out;
}

/** A deterministic pseudo-random generator, so a query set is the same every run (the suites use it too). */
export const seeded = seededRandom;

export interface QuerySet {
  /** Whole defined names (exact hits), prefixes (fuzzy, many hits) and a few that match nothing. */
  queries: string[];
  /** Files for documentSymbol, spread over the size range. */
  documents: string[];
  /** Places for textDocument/references: an occurrence of a name the file defines (none unless asked for). */
  references?: ReferenceTarget[];
}

export interface ReferenceTarget {
  path: string;
  name: string;
  /** LSP position (UTF-16 columns) of the occurrence's first character. */
  line: number;
  character: number;
}

/** LSP position (line, UTF-16 character) of an offset of a JavaScript string (`\n` lines). */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, character: offset - lineStart };
}

/**
 * Draws the queries and documents from the files of a folder: every defined name is collected, then
 * a seeded sample is taken, so the set depends only on the corpus and the seed.
 */
export async function buildQuerySet(dir: string, opts: { names?: (text: string) => string[]; queries?: number; documents?: number; references?: number; seed?: number; filter?: (path: string) => boolean } = {}): Promise<QuerySet> {
  const names = opts.names ?? shellFunctionNames;
  const filter = opts.filter ?? ((p: string) => /\.(sh|bash)$/.test(p));
  const files: { path: string; size: number }[] = [];
  for await (const f of walkFiles(dir)) if (filter(f.path)) files.push(f);
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const defined = new Set<string>();
  for (const f of files) if (f.size < 1 << 20) for (const n of names(await readFile(f.path, 'utf8'))) defined.add(n);
  const all = [...defined].sort();
  const rnd = seeded(opts.seed ?? 42);
  const pick = <T>(xs: T[], k: number): T[] => {
    const copy = [...xs];
    const out: T[] = [];
    while (out.length < k && copy.length > 0) out.push(copy.splice(Math.floor(rnd() * copy.length), 1)[0]!);
    return out;
  };
  const total = opts.queries ?? 60;
  const whole = pick(all, Math.round(total * 0.6));
  const prefixes = pick(all.filter((n) => n.length >= 5), Math.round(total * 0.3)).map((n) => n.slice(0, 3));
  const none = Array.from({ length: total - whole.length - prefixes.length }, (_, i) => `zzq_no_such_symbol_${i}`);
  const bySize = [...files].sort((a, b) => a.size - b.size);
  const k = opts.documents ?? 40;
  const documents = Array.from({ length: Math.min(k, bySize.length) }, (_, i) => bySize[Math.floor(((i + 0.5) / k) * bySize.length)]!.path);
  const references = await referenceTargets(files.filter((f) => f.size < 1 << 20).map((f) => f.path), names, opts.references ?? 0, rnd);
  return { queries: [...whole, ...prefixes, ...none], documents, ...(references.length > 0 ? { references } : {}) };
}

/**
 * Up to `count` reference targets: files drawn with `rnd`, in each a random whole-word occurrence
 * of a name the file defines (its definition or a use), so that every target names something.
 */
async function referenceTargets(paths: string[], names: (text: string) => string[], count: number, rnd: () => number): Promise<ReferenceTarget[]> {
  const pool = [...paths];
  const out: ReferenceTarget[] = [];
  while (out.length < count && pool.length > 0) {
    const path = pool.splice(Math.floor(rnd() * pool.length), 1)[0]!;
    const text = await readFile(path, 'utf8');
    const defined = new Set(names(text));
    const at: { name: string; offset: number }[] = [];
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (defined.has(m[0])) at.push({ name: m[0], offset: m.index });
    if (at.length === 0) continue;
    const pick = at[Math.floor(rnd() * at.length)]!;
    out.push({ path, name: pick.name, ...positionAt(text, pick.offset) });
  }
  return out;
}

/** How to know that a server has finished indexing its workspace. */
export type IndexedWhen =
  | { kind: 'log'; pattern: RegExp }
  /** `$/progress` 'end' — `ends` of them when the server reports one progress per workspace folder. */
  | { kind: 'progress'; ends?: number }
  | { kind: 'stableSymbols'; query: string; everyMs?: number; stableFor?: number };

export interface MeasureOptions {
  name: string;
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** The workspace folder (absolute path). */
  workspace: string;
  /** All workspace folders, when there are several (default: `[workspace]`). */
  workspaceFolders?: string[];
  initializationOptions?: unknown;
  configuration?: LspClientOptions['configuration'];
  indexedWhen: IndexedWhen;
  querySet: QuerySet;
  /** Rounds over the query set (latencies of all rounds are pooled). */
  rounds?: number;
  indexTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** languageId to open documents with. */
  languageId?: string;
  /**
   * Runs once indexing has been signalled, before memory is sampled: for work a server does after
   * its signal (e.g. building a tree per file). Its time is in `readyMs`, not `indexMs`.
   */
  afterIndexed?: (client: LspClient) => Promise<string | void>;
  /**
   * Files asked for `documentSymbol` without ever being opened (one request each, before anything
   * else touches them): the outline of a cold file. Measured after workspace/symbol.
   */
  closedDocuments?: string[];
  /**
   * After everything else: one request per file (e.g. `textDocument/foldingRange`, which needs a
   * tree) on files never opened, like a person moving through a workspace; memory is sampled after.
   */
  touch?: { method: string; documents: string[] };
  /** Runs last, before the server is closed; its result is kept as `probe` (e.g. counting what the server holds). */
  beforeClose?: (client: LspClient) => Promise<unknown>;
  /** A request with no params whose result is kept after indexing, after queries and after touching (e.g. `strata/stats`). */
  statsMethod?: string;
  /** Log lines (window/logMessage) counted by pattern over the whole run, e.g. per-file lines that are not kept. */
  countLogs?: Record<string, RegExp>;
  log?: (line: string) => void;
}

export interface ServerMeasurement {
  name: string;
  indexMs: number;
  /** The indexing wait ended by the condition (false: by timeout). */
  indexed: boolean;
  /** The log line or progress message that marked the end, if any. */
  indexedBy?: string;
  /** Memory of the server's process tree right after indexing, and the peak seen while it ran. */
  rssAfterIndexBytes: number;
  hwmAfterIndexBytes: number;
  peakRssBytes: number;
  rssAfterQueriesBytes: number;
  workspaceSymbol: ReturnType<typeof summarizeLatencies> & { results: number };
  documentSymbol: ReturnType<typeof summarizeLatencies> & { results: number };
  /**
   * references at each of the query set's targets (absent without targets): each file opened and
   * its outline asked first (not timed), so the time is the search alone; `results`: locations in all.
   */
  references?: ReturnType<typeof summarizeLatencies> & { results: number; empty: number; errors: number };
  /** The first documentSymbol of each opened document only (right after didOpen: the file was cold). */
  documentSymbolFirst: ReturnType<typeof summarizeLatencies>;
  /** Per opened document: the first documentSymbol's latency. */
  firstByDocument: { path: string; ms: number }[];
  /** documentSymbol on never-opened files (`closedDocuments`), one request each. */
  documentSymbolClosed?: ReturnType<typeof summarizeLatencies> & { results: number; errors: number };
  closedByDocument?: { path: string; ms: number }[];
  /** Time from initialize to the end of `afterIndexed` (equals indexMs without it). */
  readyMs: number;
  readyBy?: string;
  touch?: ReturnType<typeof summarizeLatencies> & { errors: number; rssAfterBytes: number; hwmAfterBytes: number };
  stats?: { afterIndex?: any; afterQueries?: any; afterTouch?: any };
  probe?: unknown;
  /** Counts of `countLogs` patterns (each over every log line of the run). */
  logCounts: Record<string, number>;
  logs: string[];
}

/** Milestone lines (indexing, glob, progress) all kept; of the rest (per-file chatter) the last 50. */
function keepLogs(lines: string[]): string[] {
  const milestone = (l: string) => /BackgroundAnalysis|index|Glob/i.test(l) && !/Skipping file|Analyzing file/.test(l);
  return [...lines.filter(milestone), ...lines.filter((l) => !milestone(l)).slice(-50)];
}

async function waitIndexed(client: LspClient, when: IndexedWhen, timeoutMs: number): Promise<string> {
  if (when.kind === 'log') {
    return String((await client.waitForLog(when.pattern, timeoutMs)).params.message);
  }
  if (when.kind === 'progress') {
    const isEnd = (x: { method: string; params?: any }) => x.method === '$/progress' && x.params?.value?.kind === 'end';
    const want = when.ends ?? 1;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const ends = client.notifications.filter(isEnd);
      if (ends.length >= want) return `progress end ×${ends.length}: ${ends.map((e) => e.params.value.message ?? '').join('; ')}`;
      await client.waitForNotification((x) => isEnd(x) && !ends.includes(x), Math.max(1, deadline - performance.now()));
    }
  }
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  let stable = 0;
  while (performance.now() < deadline) {
    const r = (await client.request<unknown[] | null>('workspace/symbol', { query: when.query })) ?? [];
    stable = r.length === last ? stable + 1 : 0;
    last = r.length;
    if (stable >= (when.stableFor ?? 3)) return `workspace/symbol "${when.query}" stable at ${last} results`;
    await new Promise((res) => setTimeout(res, when.everyMs ?? 500));
  }
  throw new Error('symbols did not stabilise');
}

/** Runs one server through the procedure and returns what was measured. */
export async function measureServer(o: MeasureOptions): Promise<ServerMeasurement> {
  const log = o.log ?? (() => {});
  const client = new LspClient({
    command: o.command, args: o.args, env: o.env, cwd: o.workspace, configuration: o.configuration,
    requestTimeoutMs: o.requestTimeoutMs ?? 60_000, stderr: 'capture',
  });
  const sampler = new RssSampler(client.pid, 100).start();
  try {
    const rootUri = pathToFileURL(o.workspace).href;
    const folders = (o.workspaceFolders ?? [o.workspace]).map((f, i) => ({ uri: pathToFileURL(f).href, name: `corpus${i}` }));
    const t0 = performance.now();
    await client.initialize({
      rootUri, rootPath: o.workspace, workspaceFolders: folders,
      initializationOptions: o.initializationOptions,
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, symbol: {}, didChangeConfiguration: { dynamicRegistration: true } },
        window: { workDoneProgress: true },
        textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true }, references: {}, synchronization: {} },
      },
    }, o.indexTimeoutMs ?? 600_000);
    let indexed = true;
    let indexedBy: string | undefined;
    try {
      indexedBy = await waitIndexed(client, o.indexedWhen, o.indexTimeoutMs ?? 600_000);
    } catch (err) {
      indexed = false;
      log(`${o.name}: indexing wait ended: ${(err as Error).message}`);
    }
    const indexMs = performance.now() - t0;
    let readyBy: string | undefined;
    if (o.afterIndexed) readyBy = (await o.afterIndexed(client)) ?? undefined;
    const readyMs = performance.now() - t0;
    const afterIndex = client.memory();
    log(`${o.name}: indexed in ${(indexMs / 1000).toFixed(1)} s${o.afterIndexed ? ` (ready ${(readyMs / 1000).toFixed(1)} s)` : ''}, RSS ${((afterIndex?.rssBytes ?? 0) / 2 ** 20).toFixed(0)} MB`);
    const stats: NonNullable<ServerMeasurement['stats']> = {};
    const getStats = async () => (o.statsMethod ? client.request<any>(o.statsMethod, undefined).catch((e: Error) => ({ error: e.message })) : undefined);
    stats.afterIndex = await getStats();

    const ws: number[] = [];
    let wsResults = 0;
    for (let r = 0; r < (o.rounds ?? 2); r++) {
      for (const q of o.querySet.queries) {
        const t = performance.now();
        const res = (await client.request<unknown[] | null>('workspace/symbol', { query: q })) ?? [];
        ws.push(performance.now() - t);
        if (r === 0) wsResults += res.length;
      }
    }
    let closed: ServerMeasurement['documentSymbolClosed'];
    let closedByDocument: ServerMeasurement['closedByDocument'];
    if (o.closedDocuments && o.closedDocuments.length > 0) {
      closedByDocument = [];
      let results = 0;
      let errors = 0;
      for (const path of o.closedDocuments) {
        const t = performance.now();
        try {
          const res = (await client.request<unknown[] | null>('textDocument/documentSymbol', { textDocument: { uri: pathToFileURL(path).href } })) ?? [];
          results += res.length;
        } catch {
          errors++;
        }
        closedByDocument.push({ path, ms: performance.now() - t });
      }
      closed = { ...summarizeLatencies(closedByDocument.map((d) => d.ms)), results, errors };
    }
    const ds: number[] = [];
    const firstByDocument: { path: string; ms: number }[] = [];
    let dsResults = 0;
    for (const path of o.querySet.documents) {
      const uri = pathToFileURL(path).href;
      const text = await readFile(path, 'utf8');
      for (let r = 0; r < (o.rounds ?? 2); r++) {
        // The first round's time includes didOpen: what a person waits for when opening a cold file.
        const t = performance.now();
        if (r === 0) client.notify('textDocument/didOpen', { textDocument: { uri, languageId: o.languageId ?? 'shellscript', version: 1, text } });
        const res = (await client.request<unknown[] | null>('textDocument/documentSymbol', { textDocument: { uri } })) ?? [];
        const ms = performance.now() - t;
        ds.push(ms);
        if (r === 0) {
          dsResults += res.length;
          firstByDocument.push({ path, ms });
        }
      }
      client.notify('textDocument/didClose', { textDocument: { uri } });
    }
    let references: ServerMeasurement['references'];
    if (o.querySet.references && o.querySet.references.length > 0) {
      const lat: number[] = [];
      let results = 0, empty = 0, errors = 0;
      for (const t of o.querySet.references) {
        const uri = pathToFileURL(t.path).href;
        client.notify('textDocument/didOpen', { textDocument: { uri, languageId: o.languageId ?? 'shellscript', version: 1, text: await readFile(t.path, 'utf8') } });
        await client.request('textDocument/documentSymbol', { textDocument: { uri } }).catch(() => undefined);
        const started = performance.now();
        try {
          const res = (await client.request<unknown[] | null>('textDocument/references', {
            textDocument: { uri }, position: { line: t.line, character: t.character }, context: { includeDeclaration: true },
          })) ?? [];
          results += res.length;
          if (res.length === 0) empty++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - started);
        client.notify('textDocument/didClose', { textDocument: { uri } });
      }
      references = { ...summarizeLatencies(lat), results, empty, errors };
    }
    const afterQueries = client.memory();
    stats.afterQueries = await getStats();
    let touch: ServerMeasurement['touch'];
    if (o.touch && o.touch.documents.length > 0) {
      const lat: number[] = [];
      let errors = 0;
      for (const path of o.touch.documents) {
        const t = performance.now();
        try {
          await client.request(o.touch.method, { textDocument: { uri: pathToFileURL(path).href } });
        } catch {
          errors++;
        }
        lat.push(performance.now() - t);
      }
      const m = client.memory();
      touch = { ...summarizeLatencies(lat), errors, rssAfterBytes: m?.rssBytes ?? NaN, hwmAfterBytes: m?.hwmBytes ?? NaN };
      stats.afterTouch = await getStats();
    }
    const peak = sampler.stop();
    const probe = o.beforeClose ? await o.beforeClose(client).catch((e: Error) => ({ error: e.message })) : undefined;
    return {
      name: o.name, indexMs, indexed, indexedBy, readyMs, readyBy,
      rssAfterIndexBytes: afterIndex?.rssBytes ?? NaN, hwmAfterIndexBytes: afterIndex?.hwmBytes ?? NaN,
      peakRssBytes: peak.peakRssBytes, rssAfterQueriesBytes: afterQueries?.rssBytes ?? NaN,
      workspaceSymbol: { ...summarizeLatencies(ws), results: wsResults },
      documentSymbol: { ...summarizeLatencies(ds), results: dsResults },
      ...(references ? { references } : {}),
      documentSymbolFirst: summarizeLatencies(firstByDocument.map((d) => d.ms)), firstByDocument,
      ...(closed ? { documentSymbolClosed: closed, closedByDocument } : {}),
      ...(touch ? { touch } : {}),
      ...(o.statsMethod ? { stats } : {}),
      ...(o.beforeClose ? { probe } : {}),
      logCounts: Object.fromEntries(Object.entries(o.countLogs ?? {}).map(([k, re]) => [k, client.logs.filter((n) => re.test(String(n.params?.message))).length])),
      // Per-file chatter is dropped; milestones (e.g. "Glob resolved with N files") are kept.
      logs: keepLogs(client.logs.map((n) => String(n.params?.message))),
    };
  } finally {
    sampler.stop();
    await client.close(5000);
  }
}
