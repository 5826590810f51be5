/**
 * Peer section: bash-language-server 5.8.1 (from node_modules) on the shell corpus, measured with
 * the same client and procedure (lspMeasure.ts) that will measure Strata, so the two can be put
 * side by side: time to index, memory after indexing, workspace/symbol and documentSymbol latency.
 *
 * How bash-language-server is driven, learnt from its source (out/server.js, out/analyser.js):
 * after `initialized` it asks `workspace/configuration` for section `bashIde`, then runs a
 * "background analysis" that globs `**\/*@(.sh|.inc|.bash|.command)` and parses the files, logging
 * `BackgroundAnalysis: Completed after …` when done — or `stopped after 10000ms` when it hits its
 * fixed 10 s budget, leaving the rest unindexed. That log line is our end-of-indexing signal. We
 * raise `backgroundAnalysisMaxFiles` (default 500) above the corpus size and switch off ShellCheck
 * (`shellcheckPath: ''`), so what is measured is parsing and indexing, as Strata does.
 *
 * Its limits, all read from 5.8.1's source: `backgroundAnalysisMaxFiles` (a setting, default 500);
 * the analysis budget `BACKGROUND_ANALYSIS_TIMEOUT_MS = 10000` (analyser.js) and the discovery
 * limits `DISCOVERY_TIMEOUT_MS = 10000` and `MAX_DISCOVERY_DIRECTORIES = 10000` (util/fs.js) —
 * constants no setting, initialization option or environment variable reaches. On a 30 MB corpus
 * the 10 s budget ends the analysis part-way, so its memory would cover only the files it reached.
 * For a comparison of the same work, `fullAnalysis` runs the unchanged server with a `--require`
 * preload that rewrites those three constants (to one hour / a million directories) as its modules
 * are compiled, and refuses to start if any of them is not found verbatim (another version). How we
 * know it reached every file: it logs `Completed after` (not `stopped after`), its `Glob resolved
 * with N files` equals the files on disk its glob matches (counted here), and the files it skipped
 * (`Skipping file … dialect`, counted) plus the files holding symbols account for the rest.
 */
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { walkFiles } from '../corpus/stats.js';
import type { BenchSection, CorpusManifest, Metric } from '../types.js';
import type { SectionContext } from '../run.js';
import { buildQuerySet, measureServer, type MeasureOptions, type QuerySet, type ServerMeasurement } from '../lspMeasure.js';

export { buildQuerySet, measureServer, percentile, summarizeLatencies } from '../lspMeasure.js';

const MB = 2 ** 20;

/** The shell set of a manifest (its folder and size). */
export function shellSet(corpus: CorpusManifest) {
  const s = corpus.sets.find((x) => x.id === corpus.shellSet) ?? corpus.sets.find((x) => x.id.startsWith('debian/shell-scripts'));
  if (!s) throw new Error('the corpus has no shell-script set');
  return s;
}

/** The constants that bound bash-language-server 5.8.1's background analysis, and what the preload sets them to. */
const LIMITS: { file: string; from: string; to: string }[] = [
  { file: 'out/analyser.js', from: 'const BACKGROUND_ANALYSIS_TIMEOUT_MS = 10000;', to: 'const BACKGROUND_ANALYSIS_TIMEOUT_MS = 3600000;' },
  { file: 'out/util/fs.js', from: 'const DISCOVERY_TIMEOUT_MS = 10000;', to: 'const DISCOVERY_TIMEOUT_MS = 3600000;' },
  { file: 'out/util/fs.js', from: 'const MAX_DISCOVERY_DIRECTORIES = 10000;', to: 'const MAX_DISCOVERY_DIRECTORIES = 1000000;' },
];

/** Every file its glob finds (no 500-file cap), no ShellCheck or explainshell: parsing and indexing, as Strata does. */
const BASH_SETTINGS = { backgroundAnalysisMaxFiles: 1_000_000, shellcheckPath: '', explainshellEndpoint: '', logLevel: 'info' };

let preloadPath: string | undefined;

/**
 * A CommonJS preload (written once per run to a temp folder) that rewrites LIMITS in
 * bash-language-server's modules as Node compiles them; a constant not found verbatim is an error.
 */
function limitsPreload(): string {
  if (preloadPath) return preloadPath;
  const code = `'use strict';
const Module = require('node:module');
const path = require('node:path');
const limits = ${JSON.stringify(LIMITS)};
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  const rel = filename.split(path.sep).join('/');
  for (const l of limits) {
    if (!rel.endsWith('/bash-language-server/' + l.file)) continue;
    if (!content.includes(l.from)) throw new Error('bench preload: ' + l.from + ' not found in ' + filename);
    content = content.replace(l.from, l.to);
  }
  return compile.call(this, content, filename);
};
`;
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-bashls-'));
  preloadPath = join(dir, 'lift-limits.cjs');
  writeFileSync(preloadPath, code);
  return preloadPath;
}

/**
 * bash-language-server's measurement options on a workspace (without the query set). With
 * `fullAnalysis` (the default) its hard-coded time and directory limits are lifted (see the header),
 * so it analyses every file its glob finds.
 */
export function bashLanguageServer(root: string, workspace: string, opts: { fullAnalysis?: boolean } = {}): Omit<MeasureOptions, 'querySet'> {
  const cli = join(root, 'node_modules', 'bash-language-server', 'out', 'cli.js');
  return {
    name: 'bash-language-server 5.8.1',
    command: process.execPath,
    args: opts.fullAnalysis === false ? [cli, 'start'] : ['--require', limitsPreload(), cli, 'start'],
    env: { ...process.env, BASH_IDE_LOG_LEVEL: 'info' },
    workspace,
    // The same settings both ways it reads them (initialization options, then workspace/configuration).
    initializationOptions: BASH_SETTINGS,
    configuration: (section) => (section === 'bashIde' ? BASH_SETTINGS : null),
    indexedWhen: { kind: 'log', pattern: /BackgroundAnalysis: (Completed after|stopped after)/ },
    countLogs: { skipped: /BackgroundAnalysis: Skipping file/, failed: /BackgroundAnalysis: Failed analyzing/ },
    languageId: 'shellscript',
  };
}

/** Metrics of one server, named with a prefix so several servers fit in one section. */
export function serverMetrics(m: ServerMeasurement, prefix: string): Metric[] {
  return [
    { name: `${prefix} time to index`, value: m.indexMs / 1000, unit: 's', note: m.indexed ? m.indexedBy : 'did not report completion' },
    { name: `${prefix} RSS after indexing`, value: m.rssAfterIndexBytes / MB, unit: 'MB' },
    { name: `${prefix} peak RSS (VmHWM) after indexing`, value: m.hwmAfterIndexBytes / MB, unit: 'MB' },
    { name: `${prefix} RSS after queries`, value: m.rssAfterQueriesBytes / MB, unit: 'MB' },
    { name: `${prefix} workspace/symbol p50`, value: m.workspaceSymbol.p50, unit: 'ms' },
    { name: `${prefix} workspace/symbol p99`, value: m.workspaceSymbol.p99, unit: 'ms' },
    { name: `${prefix} documentSymbol p50`, value: m.documentSymbol.p50, unit: 'ms' },
    { name: `${prefix} documentSymbol p99`, value: m.documentSymbol.p99, unit: 'ms' },
  ];
}

/** Table and charts comparing servers measured on the same corpus. */
export function comparison(ms: ServerMeasurement[]): Pick<BenchSection, 'tables' | 'charts'> {
  return {
    tables: [{
      title: 'Servers on the shell corpus',
      columns: ['server', 'index s', 'RSS MB', 'VmHWM MB', 'ws/symbol p50 ms', 'ws/symbol p99 ms', 'docSymbol p50 ms', 'docSymbol p99 ms', 'ws results (round 1)', 'completed'],
      rows: ms.map((m) => [m.name, m.indexMs / 1000, m.rssAfterIndexBytes / MB, m.hwmAfterIndexBytes / MB, m.workspaceSymbol.p50, m.workspaceSymbol.p99,
        m.documentSymbol.p50, m.documentSymbol.p99, m.workspaceSymbol.results, m.indexedBy ?? 'no']),
    }],
    charts: [
      { title: 'Memory after indexing the shell corpus', unit: 'MB', kind: 'bar', series: [
        { name: 'VmRSS', points: ms.map((m) => ({ x: m.name, y: m.rssAfterIndexBytes / MB })) },
        { name: 'VmHWM', points: ms.map((m) => ({ x: m.name, y: m.hwmAfterIndexBytes / MB })) },
      ] },
      { title: 'Time to index', unit: 's', kind: 'bar', series: [{ name: 'index', points: ms.map((m) => ({ x: m.name, y: m.indexMs / 1000 })) }] },
      { title: 'Request latency', unit: 'ms', kind: 'bar', series: [
        { name: 'workspace/symbol p50', points: ms.map((m) => ({ x: m.name, y: m.workspaceSymbol.p50 })) },
        { name: 'workspace/symbol p99', points: ms.map((m) => ({ x: m.name, y: m.workspaceSymbol.p99 })) },
        { name: 'documentSymbol p50', points: ms.map((m) => ({ x: m.name, y: m.documentSymbol.p50 })) },
        { name: 'documentSymbol p99', points: ms.map((m) => ({ x: m.name, y: m.documentSymbol.p99 })) },
      ] },
    ],
  };
}

/** What a bash-language-server run covered, and the evidence that it reached every file. */
export interface BashCoverage {
  /** Files on disk its default glob `**\/*@(.sh|.inc|.bash|.command)` matches (hidden folders skipped, as it does). */
  onDisk: number;
  /** "Glob resolved with N files". */
  globbed: number;
  /** Files it skipped for want of a shell dialect, and files whose analysis threw. */
  skipped: number;
  failed: number;
  /** Analysed: globbed − skipped − failed when it reached every file; NaN when a limit stopped it (it does not log how far it got). */
  analysed: number;
  completed: boolean;
  /** It logged `stopped after` (a limit ended the analysis). */
  stopped: boolean;
  /** Completed, not stopped, and its glob found every matching file on disk. */
  reachedAll: boolean;
  note: string;
}

async function globMatches(dir: string): Promise<number> {
  let n = 0;
  for await (const f of walkFiles(dir)) {
    if (f.path.slice(dir.length).split('/').some((part) => part.startsWith('.'))) continue;
    if (/\/(node_modules|\.git)\//.test(f.path.slice(dir.length))) continue;
    if (/\.(sh|inc|bash|command)$/.test(f.path)) n++;
  }
  return n;
}

export async function bashCoverage(m: ServerMeasurement, workspace: string): Promise<BashCoverage> {
  const onDisk = await globMatches(workspace);
  const globbed = Number(m.logs.map((l) => /Glob resolved with (\d+) files/.exec(l)?.[1]).find(Boolean) ?? NaN);
  const skipped = m.logCounts['skipped'] ?? NaN;
  const failed = m.logCounts['failed'] ?? NaN;
  const completed = m.logs.some((l) => /BackgroundAnalysis: Completed after/.test(l));
  const stopped = m.logs.some((l) => /BackgroundAnalysis: stopped/.test(l));
  const reachedAll = completed && !stopped && globbed === onDisk;
  const analysed = reachedAll ? globbed - skipped - failed : NaN;
  const note = reachedAll
    ? `reached every file: analysis completed, its glob found all ${onDisk} matching files; ${analysed} analysed, ${skipped} skipped (no shell dialect), ${failed} failed`
    : `did NOT reach every file: ${stopped ? 'stopped by a limit' : completed ? 'completed' : 'no completion logged'}, glob ${globbed} of ${onDisk} matching files on disk`;
  return { onDisk, globbed, skipped, failed, analysed, completed, stopped, reachedAll, note };
}

export async function peerBashSection(corpus: CorpusManifest, ctx: SectionContext): Promise<BenchSection> {
  const set = shellSet(corpus);
  const querySet: QuerySet = await buildQuerySet(set.dir, { queries: 60, documents: 40 });
  const bash = await measureServer({ ...bashLanguageServer(ctx.root, set.dir), querySet, log: ctx.log });
  for (const l of bash.logs.filter((x) => /BackgroundAnalysis/.test(x))) ctx.log(`  ${l}`);
  const full = await bashCoverage(bash, set.dir);
  ctx.log(`  bash-language-server ${full.note}`);
  const metrics: Metric[] = [
    { name: 'shell corpus', value: set.bytes / MB, unit: 'MB', note: `${set.files} files; ${set.note ?? ''}` },
    ...serverMetrics(bash, 'bash-language-server'),
    { name: 'bash-language-server files analysed', value: full.analysed, unit: 'files', note: full.note },
    { name: 'queries / documents', value: querySet.queries.length, unit: 'queries', note: `${querySet.documents.length} documents, 2 rounds each` },
  ];
  const runs = [bash];
  // For reference: the server as shipped, whose 10 s budget ends the analysis part-way on this corpus.
  if (!ctx.small) {
    const shipped = await measureServer({ ...bashLanguageServer(ctx.root, set.dir, { fullAnalysis: false }), name: 'bash-language-server 5.8.1 (shipped limits)', querySet, log: ctx.log });
    const cov = await bashCoverage(shipped, set.dir);
    metrics.push(
      ...serverMetrics(shipped, 'bash-language-server (shipped 10 s limit)'),
      { name: 'bash-language-server (shipped 10 s limit) files analysed', value: cov.analysed, unit: 'files', note: cov.note },
    );
    runs.push(shipped);
  }
  return { id: 'peer-bash', title: 'Peer: bash-language-server on the shell corpus', metrics, ...comparison(runs) };
}
