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
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { countTree } from '../corpus/stats.js';
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

/** bash-language-server's measurement options on a workspace (without the query set). */
export function bashLanguageServer(root: string, workspace: string): Omit<MeasureOptions, 'querySet'> {
  return {
    name: 'bash-language-server 5.8.1',
    command: process.execPath,
    args: [join(root, 'node_modules', 'bash-language-server', 'out', 'cli.js'), 'start'],
    env: { ...process.env, BASH_IDE_LOG_LEVEL: 'info' },
    workspace,
    configuration: (section) => (section === 'bashIde'
      ? { backgroundAnalysisMaxFiles: 1_000_000, shellcheckPath: '', explainshellEndpoint: '', logLevel: 'info' }
      : null),
    indexedWhen: { kind: 'log', pattern: /BackgroundAnalysis: (Completed after|stopped after)/ },
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

export async function peerBashSection(corpus: CorpusManifest, ctx: SectionContext): Promise<BenchSection> {
  const set = shellSet(corpus);
  const querySet: QuerySet = await buildQuerySet(set.dir, { queries: 60, documents: 40 });
  const bash = await measureServer({ ...bashLanguageServer(ctx.root, set.dir), querySet, log: ctx.log });
  for (const l of bash.logs.filter((x) => /BackgroundAnalysis/.test(x))) ctx.log(`  ${l}`);
  const globbed = (m: ServerMeasurement) => Number(m.logs.map((l) => /Glob resolved with (\d+) files/.exec(l)?.[1]).find(Boolean) ?? NaN);
  const stopped = (m: ServerMeasurement) => m.logs.some((l) => /BackgroundAnalysis: stopped/.test(l));
  const metrics: Metric[] = [
    { name: 'shell corpus', value: set.bytes / MB, unit: 'MB', note: `${set.files} files; ${set.note ?? ''}` },
    ...serverMetrics(bash, 'bash-language-server'),
    { name: 'bash-language-server files found by its glob', value: globbed(bash), unit: 'files',
      note: stopped(bash) ? 'background analysis stopped at its fixed 10 s budget: not every file was indexed' : 'background analysis completed' },
    { name: 'queries / documents', value: querySet.queries.length, unit: 'queries', note: `${querySet.documents.length} documents, 2 rounds each` },
  ];
  const runs = [bash];
  // bash-language-server gives up after 10 s, so on the whole corpus its memory reflects the part it
  // reached. Its distinct scripts alone (no replicas) fit in that budget: a fully indexed figure.
  const distinct = join(set.dir, 'distinct');
  if (existsSync(distinct) && !ctx.small) {
    const qs = await buildQuerySet(distinct, { queries: 60, documents: 40 });
    const d = await measureServer({ ...bashLanguageServer(ctx.root, distinct), name: 'bash-language-server 5.8.1 (distinct scripts only)', querySet: qs, log: ctx.log });
    const bytes = (await countTree(distinct)).bytes;
    metrics.push(
      { name: 'distinct scripts', value: bytes / MB, unit: 'MB' },
      ...serverMetrics(d, 'bash-language-server (distinct)'),
      { name: 'bash-language-server (distinct) files found by its glob', value: globbed(d), unit: 'files',
        note: stopped(d) ? 'stopped at its 10 s budget' : 'background analysis completed' },
    );
    runs.push(d);
  }
  return { id: 'peer-bash', title: 'Peer: bash-language-server on the shell corpus', metrics, ...comparison(runs) };
}
