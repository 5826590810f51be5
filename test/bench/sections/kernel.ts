/**
 * Bench section `kernel` (issue #16's benchmark): Strata on Debian's Linux 6.1 source (corpus/kernel.ts;
 * `--small`: fs/ + include/), measured side by side in one run, ratios first: the machine is shared.
 * 1. `ctags -R` (universal-ctags, the languages Strata indexes) vs `strata index <root> --json`: wall
 *    time, peak RSS (/usr/bin/time's maximum resident set, else VmRSS polled), index on disk (the tags
 *    file; Strata's cache folder without its texts: occurrence segments and the snapshot's records —
 *    the texts' Zstandard packs are the cold tier, counted apart).
 * 2. The server over stdio, cold (empty cache folder) then warm (the snapshot the cold run saved):
 *    initialize → `$/progress` end (then the cold run's save); warm, initialize → first non-empty
 *    workspace/symbol answer. VmRSS is read from /proc every second for each whole run (saves and
 *    queries included): the peak, and a chart in report.svg and in kernel-rss.svg beside it.
 * 3. On the warm server, targets drawn with a fixed seed (kernelMeasure.ts): didOpen, documentSymbol,
 *    definition and references at the target, and workspace/symbol for its prefix. One request at a
 *    time, 60 s at most: a timeout is counted, and enters the percentiles as 60 s. So that a run ends
 *    in bounded time, references stop being asked once the section has run SECTION_BUDGET_MS (the
 *    targets come in seeded random order, so the first ones are a fair sample); the report says so.
 * 4. One file changed on disk and announced by didChangeWatchedFiles (as an editor's watcher does):
 *    the bytes its save writes (`persist.lastSaveBytes`); the file is restored afterwards.
 * 5. strata/stats at the end: tiers, budgets, process memory. Issue #16's targets (#17's for the index
 *    time) are marked. Run alone: `node dist/test/bench/run.js --only kernel [--small]`.
 */
import { spawn } from 'node:child_process';
import {
  createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchSection, CorpusManifest, CorpusSet, Metric, Table } from '../types.js';
import type { SectionContext } from '../run.js';
import { walkFiles } from '../corpus/stats.js';
import { renderChartsSvg } from '../report.js';
import {
  ctagsArgs, pickTargets, rssChart, summarizeSamples, type LatencySummary, type Sample, type Target, type Timeline,
} from '../kernelMeasure.js';
import { percentile } from '../lspMeasure.js';
import { LspClient, TimeoutError } from '../../support/lspClient.js';
import { readTreeMem, RssSampler } from '../../support/procMem.js';
import { SERVER_ENV, STATS_METHOD, type StrataStats } from '../../../server/src/protocol.js';
import { PARSE_STAGES } from '../../../server/src/syntax/stageClock.js';
import { StoreReader } from '../../../server/src/index/snapshot/store.js';
import { initZstd } from '../../../server/src/cache/index.js';

const MB = 2 ** 20;
const REQUEST_TIMEOUT_MS = 60_000;
const SEED = 16;
/** The warm start's probe: `struct inode` and its functions are in include/linux/fs.h, in both plans. */
const PROBE_QUERY = 'inode';
const TIME = '/usr/bin/time';
/** After this long, the section asks no more references (see the header, 3). */
const SECTION_BUDGET_MS = { small: 10 * 60_000, full: 35 * 60_000 };

type Method = 'references' | 'definition' | 'workspace/symbol' | 'documentSymbol';

interface ToolRun {
  wallMs: number;
  peakRssBytes: number;
  stdout: string;
}

/** Runs a command to its end: wall time and peak RSS (GNU time's %M when present, else VmRSS polled). */
function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv, work: string): Promise<ToolRun> {
  const useTime = existsSync(TIME);
  const timeOut = join(work, `time-${Date.now()}.txt`);
  const argv = useTime ? [TIME, '-f', '%M', '-o', timeOut, cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = useTime ? undefined : new RssSampler(child.pid ?? -1, 200).start();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const polled = sampler?.stop().peakRssBytes ?? 0;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${stderr}`));
      const peakRssBytes = useTime ? Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop()) * 1024 : polled;
      resolve({ wallMs, peakRssBytes, stdout });
    });
  });
}

/** Tags in a tags file: its lines but the `!_` pseudo-tags at its top, read as a stream (it outgrows a string). */
async function countTags(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
  }
  let head = '';
  for await (const chunk of createReadStream(file, { end: 65_535 }) as AsyncIterable<Buffer>) {
    head += chunk.toString('latin1');
  }
  return lines - head.split('\n').filter((l) => l.startsWith('!_')).length;
}

/** What a cache folder holds on disk, by part. */
interface CacheParts {
  total: number;
  /** Occurrence segments and their manifests (`*.occ/`). */
  occurrences: number;
  /** The snapshot stores' PACK blocks: the texts (the cold tier), not an index. */
  texts: number;
}

/** Splits a cache folder of `root`'s snapshot store (one store per root) into its parts. */
async function cacheParts(dir: string, root: string): Promise<CacheParts> {
  let total = 0, occurrences = 0;
  const manifests: string[] = [];
  for await (const f of walkFiles(dir)) {
    total += f.size;
    if (/\.occ\//.test(f.path)) occurrences += f.size;
    else if (f.path.endsWith('/snapshot.strata')) manifests.push(f.path);
  }
  await initZstd();
  let texts = 0;
  for (const m of manifests) {
    const store = StoreReader.open(m, { root }, { touch: false });
    try {
      texts += store.packBytes;
    } finally {
      store.close();
    }
  }
  return { total, occurrences, texts };
}

/** VmRSS of the server's process tree, read every second from the moment it is spawned. */
class RssTimeline {
  readonly samples: Timeline['samples'] = [];
  readonly #t0 = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.#timer = setInterval(() => {
      const m = readTreeMem(pid);
      if (m) this.samples.push({ t: (performance.now() - this.#t0) / 1000, bytes: m.rssBytes });
    }, 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get peakBytes(): number {
    return Math.max(0, ...this.samples.map((s) => s.bytes));
  }
}

interface Server {
  client: LspClient;
  rss: RssTimeline;
  /** performance.now() when initialize was sent. */
  t0: number;
}

/** The server as the shipped launchers start it (SERVER_ENV), with its own cache folder; initialized on `root`. */
async function startServer(ctx: SectionContext, root: string, cacheHome: string): Promise<Server> {
  const client = new LspClient({
    command: process.execPath, args: [join(ctx.root, 'bin', 'strata.js'), '--stdio'], cwd: root,
    env: { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: cacheHome }, requestTimeoutMs: REQUEST_TIMEOUT_MS,
    stderr: 'capture',
  });
  const s: Server = { client, rss: new RssTimeline(client.pid), t0: performance.now() };
  const uri = pathToFileURL(root).href;
  await whileRunning(s, () => client.initialize({
    rootUri: uri, rootPath: root, workspaceFolders: [{ uri, name: 'kernel' }], initializationOptions: {},
    capabilities: {
      window: { workDoneProgress: true },
      workspace: { symbol: {}, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: false } },
      textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true }, definition: {}, references: {},
        synchronization: { didSave: true } },
    },
  }, 600_000));
  return s;
}

async function waitIndexed(s: Server): Promise<number> {
  await s.client.waitForNotification((n) => n.method === '$/progress' && n.params?.value?.kind === 'end',
    3_600_000, { includePast: true });
  return performance.now() - s.t0;
}

const stats = (s: Server) => s.client.request<StrataStats>(STATS_METHOD, undefined, { timeoutMs: 600_000 });

/** Polls strata/stats until the server has finished (or failed) `saves` snapshot saves; the last stats. */
async function waitSaves(s: Server, saves: number, timeoutMs: number): Promise<StrataStats> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const st = await stats(s);
    const p = st.persist;
    if (!p?.enabled || p.saves + p.failedSaves >= saves) return st;
    if (performance.now() > deadline) throw new Error(`no snapshot save within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** Ends a server run: its VmHWM just before the shutdown, and the timeline (until the process is gone). */
async function stopServer(s: Server): Promise<{ hwmBytes: number }> {
  const hwmBytes = s.client.memory()?.hwmBytes ?? NaN;
  await s.client.close(600_000);
  s.rss.stop();
  return { hwmBytes };
}

/** Runs `steps` on a started server; if they fail, the server is ended too, or it would keep the bench alive. */
async function whileRunning<T>(s: Server, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (err) {
    await s.client.close(10_000);
    s.rss.stop();
    throw err;
  }
}

async function timeRequest(client: LspClient, method: string, params: unknown): Promise<Sample> {
  const t = performance.now();
  try {
    const r = await client.request<unknown>(method, params, { timeoutMs: REQUEST_TIMEOUT_MS });
    const hit = Array.isArray(r) ? r.length > 0 : r !== null && r !== undefined;
    return { ms: performance.now() - t, outcome: hit ? 'hit' : 'empty' };
  } catch (err) {
    return { ms: performance.now() - t, outcome: err instanceof TimeoutError ? 'timeout' : 'error' };
  }
}

/** The request series on the warm server (see the header, 3). */
async function measureRequests(ctx: SectionContext, s: Server, targets: Target[], deadline: number):
  Promise<Record<Method, Sample[]>> {
  const out: Record<Method, Sample[]> = {
    'references': [], 'definition': [], 'workspace/symbol': [], 'documentSymbol': [],
  };
  for (const t of targets) {
    out['workspace/symbol'].push(await timeRequest(s.client, 'workspace/symbol', { query: t.query }));
  }
  const started = performance.now();
  for (const [i, t] of targets.entries()) {
    const uri = pathToFileURL(t.path).href;
    const textDocument = { uri };
    const position = { line: t.line, character: t.character };
    const text = readFileSync(t.path, 'utf8');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
    out.documentSymbol.push(await timeRequest(s.client, 'textDocument/documentSymbol', { textDocument }));
    out.definition.push(await timeRequest(s.client, 'textDocument/definition', { textDocument, position }));
    if (performance.now() < deadline) {
      out.references.push(await timeRequest(s.client, 'textDocument/references',
        { textDocument, position, context: { includeDeclaration: true } }));
    }
    s.client.notify('textDocument/didClose', { textDocument });
    if ((i + 1) % 10 === 0 || i + 1 === targets.length) {
      const r = summarizeSamples(out.references, REQUEST_TIMEOUT_MS);
      ctx.log(`kernel: ${i + 1}/${targets.length} targets in ${((performance.now() - started) / 1000).toFixed(0)} s; `
        + `${r.n} references, p50 ${r.p50.toFixed(0)} ms, ${r.timeouts} timeouts`);
    }
  }
  return out;
}

/** Changes one file on disk, announces it, waits for the save; `restore` puts back the file's bytes and times. */
async function measureSave(s: Server, path: string): Promise<{ stats: StrataStats; restore: () => void }> {
  const before = (await stats(s)).persist!;
  const original = readFileSync(path);
  const st = statSync(path);
  const restore = () => {
    writeFileSync(path, original);
    utimesSync(path, st.atime, st.mtime);
  };
  writeFileSync(path, Buffer.concat([original, Buffer.from('\n/* strata bench: a one-file change */\n')]));
  try {
    s.client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path).href, type: 2 }] });
    return { stats: await waitSaves(s, before.saves + before.failedSaves + 1, 1_800_000), restore };
  } catch (err) {
    restore();
    throw err;
  }
}

const mb = (b: number | undefined) => (b === undefined ? NaN : b / MB);
const secs = (ms: number) => (ms / 1000).toFixed(1);
const sectionBudgetMs = (ctx: SectionContext) => SECTION_BUDGET_MS[ctx.small ? 'small' : 'full'];

interface Indexers {
  ctags: ToolRun & { tagsBytes: number; tags: number };
  cli: ToolRun & { stats: StrataStats; cacheBytes: number; cache: CacheParts };
  /** README's demo, each run with an empty cache folder. */
  demo: ToolRun[];
}

/** Cold runs of `strata index examples/demo` (issue #17's small-tree target): a median of several. */
const DEMO_RUNS = 5;

/** 1: `ctags -R` and `strata index`, one after the other, each writing into `work`. */
async function runIndexers(ctx: SectionContext, root: string, work: string): Promise<Indexers> {
  const tagsFile = join(work, 'tags');
  ctx.log(`kernel: ctags -R on ${root}…`);
  const ctags = await runTool('ctags', ctagsArgs(root, tagsFile), process.env, work);
  const tagsBytes = statSync(tagsFile).size;
  const tags = await countTags(tagsFile);
  rmSync(tagsFile);
  ctx.log(`kernel: ctags ${secs(ctags.wallMs)} s; strata index…`);
  const cache = join(work, 'cli-cache');
  const cli = await runTool(process.execPath, [join(ctx.root, 'bin', 'strata.js'), 'index', root, '--json'],
    { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: cache }, work);
  const parts = await cacheParts(cache, root);
  rmSync(cache, { recursive: true, force: true });
  ctx.log(`kernel: strata index ${secs(cli.wallMs)} s`);
  const cliStats = JSON.parse(cli.stdout) as StrataStats;
  const demo: ToolRun[] = [];
  for (let i = 0; i < DEMO_RUNS; i++) {
    const demoCache = join(work, `demo-cache-${i}`);
    demo.push(await runTool(process.execPath, [join(ctx.root, 'bin', 'strata.js'), 'index',
      join(ctx.root, 'examples', 'demo'), '--json'], { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: demoCache }, work));
    rmSync(demoCache, { recursive: true, force: true });
  }
  return {
    ctags: { ...ctags, tagsBytes, tags }, cli: { ...cli, stats: cliStats, cacheBytes: parts.total, cache: parts }, demo,
  };
}

interface ColdRun {
  indexedMs: number;
  savedMs: number;
  stats: StrataStats;
  hwmBytes: number;
  rss: RssTimeline;
}

/** 2, cold: initialize → indexing done, then the snapshot save that follows; `cache` is empty. */
async function coldRun(ctx: SectionContext, root: string, cache: string): Promise<ColdRun> {
  const s = await startServer(ctx, root, cache);
  return whileRunning(s, async () => {
    const indexedMs = await waitIndexed(s);
    ctx.log(`kernel: cold server indexed in ${secs(indexedMs)} s; waiting for its save…`);
    const st = await waitSaves(s, 1, 1_800_000);
    const savedMs = performance.now() - s.t0;
    const { hwmBytes } = await stopServer(s);
    return { indexedMs, savedMs, stats: st, hwmBytes, rss: s.rss };
  });
}

interface WarmRun {
  firstHitMs: number;
  indexedMs: number;
  startStats: StrataStats;
  samples: Record<Method, Sample[]>;
  /** The file changed on disk, and the stats once its save was done. */
  edited: string;
  saveStats: StrataStats;
  snapshotBytes: number;
  endStats: StrataStats;
  hwmBytes: number;
  rss: RssTimeline;
}

/** 2–5, warm: the first workspace/symbol hit, indexing done, the requests, a one-file save, the stats. */
async function warmRun(ctx: SectionContext, root: string, cache: string, targets: Target[], deadline: number):
  Promise<WarmRun> {
  const s = await startServer(ctx, root, cache);
  return whileRunning(s, () => warmSteps(ctx, s, targets, deadline));
}

async function warmSteps(ctx: SectionContext, s: Server, targets: Target[], deadline: number): Promise<WarmRun> {
  let firstHitMs = NaN;
  while (performance.now() - s.t0 < 1_800_000) {
    const r = await s.client.request<unknown[] | null>('workspace/symbol', { query: PROBE_QUERY },
      { timeoutMs: 600_000 });
    if ((r ?? []).length > 0) {
      firstHitMs = performance.now() - s.t0;
      break;
    }
    await sleep(20);
  }
  const indexedMs = await waitIndexed(s);
  const startStats = await stats(s);
  ctx.log(`kernel: warm server: first workspace/symbol hit ${secs(firstHitMs)} s, indexed ${secs(indexedMs)} s; `
    + `${targets.length} targets…`);
  const samples = await measureRequests(ctx, s, targets, deadline);
  const edited = targets[0]!.path;
  const save = await measureSave(s, edited);
  try {
    const endStats = await stats(s);
    const { hwmBytes } = await stopServer(s);
    const snapshot = endStats.persist?.snapshotPath;
    const snapshotBytes = snapshot && existsSync(snapshot) ? statSync(snapshot).size : NaN;
    return {
      firstHitMs, indexedMs, startStats, samples, edited, saveStats: save.stats, snapshotBytes, endStats, hwmBytes,
      rss: s.rss,
    };
  } finally {
    save.restore();
  }
}

export async function kernelSection(corpus: CorpusManifest, ctx: SectionContext): Promise<BenchSection> {
  const set = corpus.kernel;
  if (!set) throw new Error(corpus.kernelError ?? 'the corpus has no kernel tree');
  const deadline = performance.now() + sectionBudgetMs(ctx);
  const work = mkdtempSync(join(tmpdir(), 'strata-bench-kernel-'));
  try {
    const indexers = await runIndexers(ctx, set.dir, work);
    const cold = await coldRun(ctx, set.dir, join(work, 'server-cache'));
    // Files sorted by path, so that the draw depends on the tree and the seed only.
    const files: string[] = [];
    for await (const f of walkFiles(set.dir)) if (f.path.endsWith('.c') && f.size <= 1 << 20) files.push(f.path);
    files.sort();
    const targets = pickTargets(files, ctx.small ? 50 : 200, SEED, (p) => readFileSync(p, 'utf8'));
    const warm = await warmRun(ctx, set.dir, join(work, 'server-cache'), targets, deadline);

    const chart = rssChart('Server VmRSS by second from spawn, cold vs warm start', [
      { name: 'cold start', samples: cold.rss.samples }, { name: 'warm start', samples: warm.rss.samples },
    ]);
    await mkdir(ctx.outDir, { recursive: true });
    const svg = join(ctx.outDir, 'kernel-rss.svg');
    const svgTitle = `Strata's server on ${set.name} ${set.version}${ctx.small ? ' (--small)' : ''}`;
    await writeFile(svg, renderChartsSvg(svgTitle, [{ section: 'kernel', chart }]));
    ctx.log(`kernel: wrote ${svg}`);
    return {
      id: 'kernel', title: `Linux kernel (${set.name} ${set.version}${ctx.small ? ', small' : ''})`,
      ...report(ctx, set, indexers, cold, warm, targets.length), charts: [chart],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The section's metrics (issue #16's and #17's targets marked) and tables. */
function report(ctx: SectionContext, set: CorpusSet, ix: Indexers, cold: ColdRun, warm: WarmRun, targets: number):
  Pick<BenchSection, 'metrics' | 'tables'> {
  const l = Object.fromEntries(Object.entries(warm.samples)
    .map(([m, xs]) => [m, summarizeSamples(xs, REQUEST_TIMEOUT_MS)])) as Record<Method, LatencySummary>;
  const outcomes = (x: LatencySummary) => `${x.n} requests: ${x.timeouts} timed out (counted as 60 s), `
    + `${x.errors} errors, ${x.hits} non-empty`;
  const cut = l.references.n < targets
    ? `; asked for the first ${l.references.n} of ${targets} targets: the section had run its `
      + `${sectionBudgetMs(ctx) / 60_000}-minute budget` : '';
  const source = ix.cli.stats.bytes;
  const peak = Math.max(cold.hwmBytes, warm.hwmBytes);
  const saved = warm.saveStats.persist;
  const metrics: Metric[] = [
    { name: 'Kernel tree', value: set.bytes / MB, unit: 'MB', note: `${set.name} ${set.version}, ${set.files} files `
      + `(${set.note ?? ''}); Strata indexed ${ix.cli.stats.files} files, ${mb(source).toFixed(1)} MB` },
    { name: 'strata index wall / ctags -R wall', value: ix.cli.wallMs / ix.ctags.wallMs, unit: 'ratio',
      target: { op: '<=', value: 2 }, note: `issue #17; ${secs(ix.cli.wallMs)} s vs ${secs(ix.ctags.wallMs)} s `
        + '(ctags uses one core, strata index every core)' },
    { name: 'README\'s demo: strata index examples/demo, wall', value: percentile(ix.demo.map((r) => r.wallMs), 50) / 1000,
      unit: 's', target: { op: '<=', value: 1 },
      note: `issue #17; median of ${ix.demo.length} runs, each with an empty cache folder: `
        + ix.demo.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ') },
    { name: 'README\'s demo: strata index examples/demo, peak RSS', value: percentile(ix.demo.map((r) => mb(r.peakRssBytes)), 50),
      unit: 'MB', target: { op: '<=', value: 120 }, note: `issue #17; the same runs: `
        + ix.demo.map((r) => mb(r.peakRssBytes).toFixed(0)).join(', ') },
    { name: 'strata index peak RSS / ctags -R peak RSS', value: ix.cli.peakRssBytes / ix.ctags.peakRssBytes,
      unit: 'ratio', note: `${mb(ix.cli.peakRssBytes).toFixed(0)} MB vs ${mb(ix.ctags.peakRssBytes).toFixed(0)} MB` },
    { name: 'Occurrence + symbol index on disk / source bytes (strata index\'s cache folder without the texts)',
      value: (ix.cli.cacheBytes - ix.cli.cache.texts) / source, unit: 'ratio', target: { op: '<=', value: 0.15 },
      note: `${mb(ix.cli.cacheBytes - ix.cli.cache.texts).toFixed(1)} MB for ${mb(source).toFixed(1)} MB indexed: `
        + `occurrence segments ${mb(ix.cli.cache.occurrences).toFixed(1)} MB, the snapshot's records (symbols, `
        + `chunk lists, signatures) ${mb(ix.cli.cacheBytes - ix.cli.cache.texts - ix.cli.cache.occurrences).toFixed(1)} MB; `
        + `ctags' tags file ${mb(ix.ctags.tagsBytes).toFixed(1)} MB` },
    { name: 'Cache folder on disk / source bytes (the index and the texts\' Zstandard packs, the cold tier)',
      value: ix.cli.cacheBytes / source, unit: 'ratio',
      note: `${mb(ix.cli.cacheBytes).toFixed(1)} MB, of which texts ${mb(ix.cli.cache.texts).toFixed(1)} MB` },
    { name: 'Server peak RSS (VmHWM, cold and warm runs)', value: mb(peak), unit: 'MB',
      target: { op: '<=', value: 512 },
      note: `cold ${mb(cold.hwmBytes).toFixed(0)} MB, warm ${mb(warm.hwmBytes).toFixed(0)} MB, read before shutdown; `
        + `VmRSS sampled each second peaked at ${mb(cold.rss.peakBytes).toFixed(0)} / `
        + `${mb(warm.rss.peakBytes).toFixed(0)} MB (kernel-rss.svg)` },
    { name: 'Cold server: initialize → indexing done', value: cold.indexedMs / 1000, unit: 's',
      note: `$/progress end; its snapshot saved at ${secs(cold.savedMs)} s` },
    { name: 'Warm start: initialize → first non-empty workspace/symbol', value: warm.firstHitMs / 1000, unit: 's',
      target: { op: '<=', value: 5 }, note: `query '${PROBE_QUERY}', asked every 20 ms from \`initialized\`` },
    { name: 'Warm start: initialize → indexing done', value: warm.indexedMs / 1000, unit: 's',
      note: `${warm.startStats.persist?.keptFiles ?? '?'} of ${warm.startStats.files} files kept from the snapshot` },
    { name: 'references p50', value: l.references.p50, unit: 'ms', target: { op: '<=', value: 20 },
      note: outcomes(l.references) + cut },
    { name: 'references p99', value: l.references.p99, unit: 'ms', target: { op: '<=', value: 200 } },
    { name: 'definition p99', value: l.definition.p99, unit: 'ms', target: { op: '<=', value: 50 },
      note: outcomes(l.definition) },
    { name: 'workspace/symbol p50', value: l['workspace/symbol'].p50, unit: 'ms', target: { op: '<=', value: 10 },
      note: outcomes(l['workspace/symbol']) },
    { name: 'workspace/symbol p99', value: l['workspace/symbol'].p99, unit: 'ms', target: { op: '<=', value: 50 } },
    { name: 'Bytes written by a one-file save', value: mb(saved?.lastSaveBytes), unit: 'MB',
      target: { op: '<=', value: 1 },
      note: `persist.lastSaveBytes after ${warm.edited.slice(set.dir.length + 1)} changed on disk; the snapshot `
        + `file is ${mb(warm.snapshotBytes).toFixed(1)} MB; the save took ${saved?.lastSaveMs ?? '?'} ms` },
  ];
  const run = (name: string, r: ColdRun | WarmRun, st: StrataStats, firstHit: number | string): (string | number)[] => [
    name, r.indexedMs / 1000, firstHit, mb(r.hwmBytes), mb(r.rss.peakBytes), st.files, st.persist?.keptFiles ?? '',
    st.persist?.saves ?? '', mb(st.persist?.lastSaveBytes),
  ];
  const tables: Table[] = [
    {
      title: 'Indexing: ctags -R vs strata index (same tree, one after the other)',
      columns: ['tool', 'wall s', 'peak RSS MB', 'index on disk MB', 'index / source', 'texts on disk MB', 'entries'],
      rows: [
        ['ctags -R (universal-ctags)', ix.ctags.wallMs / 1000, mb(ix.ctags.peakRssBytes), mb(ix.ctags.tagsBytes),
          ix.ctags.tagsBytes / source, 0, `${ix.ctags.tags} tags`],
        ['strata index --json', ix.cli.wallMs / 1000, mb(ix.cli.peakRssBytes), mb(ix.cli.cacheBytes - ix.cli.cache.texts),
          (ix.cli.cacheBytes - ix.cli.cache.texts) / source, mb(ix.cli.cache.texts), `${ix.cli.stats.files} files`],
      ],
    },
    {
      title: 'The server, cold (empty cache) then warm (the cold run\'s snapshot)',
      columns: ['run', 'initialize → indexed s', 'initialize → first ws/symbol hit s', 'VmHWM MB',
        'sampled VmRSS peak MB', 'files', 'kept from snapshot', 'saves', 'last save MB'],
      rows: [run('cold', cold, cold.stats, ''), run('warm', warm, warm.endStats, warm.firstHitMs / 1000)],
    },
    {
      title: `Request latency on the warm server, ${targets} targets (seed ${SEED}), one request at a time; `
        + 'a timeout (60 s) counts as 60 s',
      columns: ['request', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-empty', 'empty', 'errors', 'timeouts'],
      rows: (Object.keys(l) as Method[]).map((m) => [m, l[m].n, l[m].p50, l[m].p90, l[m].p99, l[m].max, l[m].hits,
        l[m].empty, l[m].errors, l[m].timeouts]),
    },
    ...indexingTables(ix.cli.stats),
    memoryTable(warm.endStats),
  ];
  return { metrics, tables };
}

/**
 * Where `strata index`'s time went (issue #17): the parser workers' stages by language (each job's
 * thread time, syntax/stageClock.ts), and the run's process CPU, main-thread busy time and steps.
 */
function indexingTables(s: StrataStats): Table[] {
  const stages = s.indexing?.stages ?? {};
  const names = [...PARSE_STAGES];
  const all = { files: 0, bytes: 0, ms: Object.fromEntries(names.map((n) => [n, 0])) as Record<string, number> };
  for (const l of Object.values(stages)) {
    all.files += l.files;
    all.bytes += l.bytes;
    for (const n of names) all.ms[n]! += l.ms[n] ?? 0;
  }
  const row = (name: string, l: typeof all): (string | number)[] => {
    const total = names.reduce((sum, n) => sum + (l.ms[n] ?? 0), 0);
    return [name, l.files, mb(l.bytes), ...names.map((n) => (l.ms[n] ?? 0) / 1000), total / 1000,
      l.bytes > 0 ? total / mb(l.bytes) : NaN];
  };
  const byLanguage = Object.entries(stages).sort((a, b) => b[1].bytes - a[1].bytes);
  const tables: Table[] = [{
    title: 'strata index: the parser workers\' time by stage and language, thread seconds summed over the workers',
    columns: ['language', 'files', 'MB', ...names.map((n) => `${n} s`), 'total s', 'ms per MB'],
    rows: [...byLanguage.map(([name, l]) => row(name, l)), row('all', all)],
  }];
  const run = s.indexing?.run;
  if (run) {
    tables.push({
      title: 'strata index: the run\'s time (process CPU over every thread; the main thread\'s busy time; steps, wall)',
      columns: ['what', 's'],
      rows: [
        ['process CPU, user', run.cpuUserMs / 1000], ['process CPU, system', run.cpuSystemMs / 1000],
        ['main thread busy (event loop active)', run.mainBusyMs / 1000],
        ['main thread: handing occurrences to the occurrence index', run.occurrencesRecordMs / 1000],
        ['wall awaiting the snapshot writer (chunk, hash, CRC, compress, write; summed over files in flight)',
          run.storeMs / 1000],
        ['step: scan (read, parse, store as files come)', run.steps.scanMs / 1000],
        ['step: copy kept files', run.steps.copyKeptMs / 1000], ['step: commit', run.steps.commitMs / 1000],
        ['step: occurrence index flush and merge', run.steps.occurrencesMs / 1000],
      ],
    });
  }
  return tables;
}

/** The symbol index's parts (strata/stats), in MB. */
function symbolParts(s: StrataStats): string {
  const p = s.symbols?.parts;
  if (!p) return 'in the ArrayBuffers';
  const parts: [string, number][] = [
    ['name table', p.names], ['workspace/symbol search', p.search], ['definition records', p.records],
    ['(name, file) pairs', p.pairs], ['paths and per-file columns', p.files],
  ];
  return `${s.symbols!.names.toLocaleString('en-US')} names, ${s.symbols!.symbols.toLocaleString('en-US')} definitions: `
    + parts.map(([what, bytes]) => `${what} ${mb(bytes).toFixed(1)}`).join(', ');
}

/** Where the warm server's memory is at the end, as strata/stats tells it. */
function memoryTable(s: StrataStats): Table {
  const p = s.process;
  const b = s.budgets;
  return {
    title: 'Memory at the end of the warm run (strata/stats)',
    columns: ['part', 'files', 'MB', 'budget MB', 'what'],
    rows: [
      ['hot tier', s.tiers.hot.files, mb(s.tiers.hot.bytes), mb(b?.hotBytes), 'live trees, estimated wasm-heap bytes'],
      ['warm tier', s.tiers.warm.files, mb(s.tiers.warm.bytes), mb(b?.warmBytes), 'LZ4 chunks in RAM'],
      ['cold tier', s.tiers.cold.files, mb(s.tiers.cold.bytes), mb(b?.coldBytes), 'Zstandard packs on disk'],
      ['chunk store', s.store.uniqueChunks, mb(s.store.storedBytes), '',
        `stored bytes for ${mb(s.store.rawBytes).toFixed(0)} MB raw (column "files": unique chunks)`],
      ['process RSS', '', mb(p?.rssBytes), '', `peak ${mb(s.peakRssBytes).toFixed(0)} MB`],
      ['V8 heap used', '', mb(p?.heapUsedBytes), '', 'JavaScript objects (e.g. the file table\'s maps)'],
      ['external', '', mb(p?.externalBytes), '', 'the main thread\'s wasm heap (hot trees) and the ArrayBuffers'],
      ['ArrayBuffers', '', mb(p?.arrayBuffersBytes), '',
        'typed arrays: the symbol index (below), cache slabs, read buffers not yet collected'],
      ['symbol index', s.symbols?.files ?? '', mb(s.symbols?.bytes), '', symbolParts(s)],
      ['occurrence index in memory', s.occurrences?.files ?? '',
        mb((s.occurrences?.memtableBytes ?? 0) + (s.occurrences?.blockCacheBytes ?? 0)), '',
        `memtable and dictionary-block cache; ${s.occurrences?.segments ?? 0} segment(s) on disk, `
        + `${mb(s.occurrences?.segmentBytes).toFixed(1)} MB`],
      ['parser workers\' wasm heaps', '', mb(p?.workersHeapBytes), '', 'as the workers last reported'],
      ['trees', s.trees.live, '', '', `${s.trees.created} created, ${s.trees.deleted} deleted`],
    ],
  };
}
