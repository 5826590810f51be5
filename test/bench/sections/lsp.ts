/**
 * The language server's section: Strata measured through the real server over stdio, with the same
 * client and procedure as the peer (lspMeasure.ts: `measureServer`; Strata's "indexed" signal is the
 * `$/progress` 'end' of each workspace folder).
 *
 * 1. Tree policies side by side on a ≥ 30 MB Go corpus (a part of the Go 1.19 sources): the same
 *    server with `trees.policy` 'budget' (Strata's tiers), 'count' (an LRU of 128 trees, as
 *    rust-analyzer) and 'all' (a tree per file). Time to index, VmRSS/VmHWM after indexing,
 *    workspace/symbol p50/p99, documentSymbol on cold files — never opened (served from the symbol
 *    index) and opened (didOpen + documentSymbol, the first request) — and, measured in this
 *    process with web-tree-sitter before any server runs, the full-parse time of those same files.
 *    Then a "working session" (foldingRange, which needs a tree, on a few hundred files never
 *    opened) and memory again, where the policies differ in what they keep alive.
 * 2. The shell corpus (and its distinct scripts alone): bash-language-server 5.8.1 and Strata, run
 *    one after the other on the same query set (peer-bash.ts's procedure and inputs), plus
 *    references at seeded occurrences of defined functions; issue #16's targets are ratios of the two.
 * 3. workspace/symbol's name search alone, in this process (symbolSearch.ts): the scan it replaced and
 *    the search structure side by side on 1.5 M kernel-like names, 200 queries of lengths 1–10.
 *
 * Note on 'all': the server calls progress end() when the folder is indexed and only then builds a
 * tree per file (Workspace.indexFolder); the 'end' message reaches us only once that loop yields, in
 * practice after the trees are built. Either way, after the signal we wait until `strata/stats` shows
 * the hot tier has stopped growing and the snapshot saves that follow `end` are over (for every
 * policy alike) before sampling memory. Every server run gets an empty persistent-cache folder
 * (`XDG_CACHE_HOME`), so each indexes from the disk: no run loads what an earlier one saved.
 *
 * bash-language-server runs with its hard-coded 10 s analysis budget lifted (peer-bash.ts), so both
 * servers index every file: the comparison is of the same work. Whether it reached every file is
 * checked from its logs (bashCoverage: completion, glob count = matching files on disk, skipped
 * files); an empty workspace/symbol query (its fuzzy search returns every declaration) also counts
 * the files it holds symbols of. Note that it returns every match, Strata at most 100 (WORKSPACE_SYMBOL_LIMIT).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchSection, Chart, CorpusManifest, Metric, Table } from '../types.js';
import type { SectionContext } from '../run.js';
import { countTree, walkFiles } from '../corpus/stats.js';
import { buildQuerySet, measureServer, percentile, seeded, type MeasureOptions, type QuerySet, type ServerMeasurement } from '../lspMeasure.js';
import { bashCoverage, bashLanguageServer, shellSet, type BashCoverage } from './peer-bash.js';
import { compareNameSearch } from '../symbolSearch.js';
import type { LspClient } from '../../support/lspClient.js';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';
import { SERVER_ENV } from '../../../server/src/protocol.js';

const MB = 2 ** 20;
const STATS = 'strata/stats';
/**
 * references targets per shell run: bash-language-server walks every analysed file's tree per
 * request (seconds each on the 30 MB corpus), so more would lengthen the section without telling more.
 */
const REFERENCE_TARGETS = 30;

/**
 * An empty folder for the server's persistent cache (as `XDG_CACHE_HOME`), one per run and removed
 * when the bench exits: every run indexes from the disk, none loads a snapshot an earlier run saved.
 */
function freshCacheHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-cache-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Strata's measurement options on some workspace folders (without the query set). */
export function strataServer(root: string, folders: string[], name: string, initializationOptions: unknown, languageId: string): Omit<MeasureOptions, 'querySet'> {
  return {
    name,
    command: process.execPath,
    args: [join(root, 'bin', 'strata.js'), '--stdio'],
    // As the shipped launchers start it (bin/strata.js's #! line, the VS Code extension): SERVER_ENV.
    env: { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: freshCacheHome() },
    workspace: folders[0]!,
    workspaceFolders: folders,
    // No persistent cache: every run here indexes from scratch, as it measures (the persist section measures warm starts).
    initializationOptions: { cacheDir: 'off', ...(initializationOptions as Record<string, unknown>) },
    indexedWhen: { kind: 'progress', ends: folders.length },
    afterIndexed: (client) => waitSettled(client, folders.length),
    statsMethod: STATS,
    languageId,
  };
}

/**
 * Polls strata/stats until the hot tier's file count has not changed for ~1 s (the 'all' policy
 * builds trees after its signal) and, when the persistent cache is on, each folder's snapshot save
 * (which runs after `end`) is over: memory is then sampled in the steady state.
 */
async function waitSettled(client: LspClient, folders: number): Promise<string> {
  const t0 = performance.now();
  let last = -1;
  let same = 0;
  for (;;) {
    const s = await client.request<any>(STATS, undefined, { timeoutMs: 600_000 });
    const hot = Number(s?.tiers?.hot?.files ?? 0);
    same = hot === last ? same + 1 : 0;
    last = hot;
    const p = s?.persist;
    const saved = !p?.enabled || Number(p.saves ?? 0) + Number(p.failedSaves ?? 0) >= folders;
    if (same >= 4 && (saved || performance.now() - t0 > 120_000)) {
      return `hot tier settled at ${hot} files, ${s?.trees?.live ?? '?'} live trees, ${p?.enabled ? `${p.saves} snapshot saves (${((p.lastSaveBytes ?? 0) / MB).toFixed(1)} MB), ` : ''}${((performance.now() - t0) / 1000).toFixed(1)} s after the signal`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Files with at least one symbol, by an empty workspace/symbol query (bash-language-server returns every declaration for it). */
async function filesWithSymbols(client: LspClient): Promise<{ files: number; symbols: number }> {
  const r = (await client.request<{ location: { uri: string } }[] | null>('workspace/symbol', { query: '' }, { timeoutMs: 120_000 })) ?? [];
  return { files: new Set(r.map((x) => x.location.uri)).size, symbols: r.length };
}

/** Names of Go functions, methods and types (for workspace/symbol queries). */
export function goNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^func[ \t]+(?:\([^)]*\)[ \t]*)?([A-Za-z_][A-Za-z0-9_]*)/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/^type[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gm)) out.push(m[1]!);
  return out;
}

/** The folders of the Go tree used for the policy comparison (≥ 30 MB of Go), or a small one for --small. */
function goFolders(corpus: CorpusManifest, small: boolean): string[] | undefined {
  const go = corpus.sets.find((s) => s.id.startsWith('debian/golang'));
  if (!go) return undefined;
  const src = join(go.dir, 'usr', 'share', `go-${go.id.replace(/^debian\/golang-([\d.]+)-src$/, '$1')}`, 'src');
  const parts = small ? ['net'] : ['cmd', 'runtime', 'net'];
  const dirs = parts.map((p) => join(src, p));
  return dirs.every((d) => existsSync(d)) ? dirs : undefined;
}

/** Full-parse time of each file in this process (median of 3 parses after a warm-up), in ms. */
async function fullParseTimes(paths: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [i, path] of paths.entries()) {
    const lang = detectLanguage(path);
    if (!lang) continue;
    const parser = await parserFor(lang.name);
    const text = await readFile(path, 'utf8');
    if (i === 0) parser.parse(text)?.delete();
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const tree = parser.parse(text);
      ts.push(performance.now() - t);
      tree?.delete();
    }
    out.set(path, percentile(ts, 50));
  }
  return out;
}

const hot = (s: any) => s?.tiers?.hot ?? {};
const fmtTiers = (s: any) => (s?.tiers ? `hot ${s.tiers.hot.files} / warm ${s.tiers.warm.files} / cold ${s.tiers.cold.files}` : '?');

interface PolicyRun {
  policy: string;
  m: ServerMeasurement;
}

export async function lspSection(corpus: CorpusManifest, ctx: SectionContext): Promise<BenchSection> {
  const metrics: Metric[] = [];
  const tables: Table[] = [];
  const charts: Chart[] = [];

  // ── 1. tree policies on the Go corpus ───────────────────────────────────────────────────────
  const folders = goFolders(corpus, ctx.small);
  if (!folders) throw new Error('the corpus has no Go sources (debian/golang-*-src)');
  let goBytes = 0;
  let allBytes = 0;
  let goFiles = 0;
  for (const d of folders) {
    const c = await countTree(d);
    goBytes += c.languageBytes?.['go'] ?? 0;
    allBytes += c.bytes;
    goFiles += c.languages['go'] ?? 0;
  }
  const inFolders = (p: string) => p.endsWith('.go') && folders.some((f) => p.startsWith(`${f}/`));
  const parent = join(folders[0]!, '..');
  const qs = await buildQuerySet(parent, { names: goNames, filter: inFolders, queries: 60, documents: 80, seed: 7 });
  // Documents spread over the size range, alternately never opened (cold, served from the index) and opened.
  const closedDocs = qs.documents.filter((_, i) => i % 2 === 0);
  const openDocs = qs.documents.filter((_, i) => i % 2 === 1);
  const querySet: QuerySet = { queries: qs.queries, documents: openDocs };
  // The working session: files neither kind of document list uses, drawn with a seed.
  const all: string[] = [];
  for await (const f of walkFiles(parent)) if (inFolders(f.path) && f.size <= 1 << 20) all.push(f.path);
  all.sort();
  const used = new Set(qs.documents);
  const rnd = seeded(11);
  const pool = all.filter((p) => !used.has(p));
  const touchDocs: string[] = [];
  while (touchDocs.length < (ctx.small ? 100 : 600) && pool.length > 0) touchDocs.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);

  ctx.log(`lsp: Go corpus ${folders.map((f) => f.split('/').slice(-1)[0]).join(', ')}: ${goFiles} Go files, ${(goBytes / MB).toFixed(1)} MB of Go (${(allBytes / MB).toFixed(1)} MB on disk)`);
  const parse = await fullParseTimes(qs.documents);
  const parseOf = (paths: string[]) => paths.map((p) => parse.get(p) ?? NaN).filter(Number.isFinite);

  const policies: { policy: string; options: unknown }[] = [
    { policy: 'budget', options: { trees: { policy: 'budget' } } },
    { policy: 'count 128', options: { trees: { policy: 'count', maxTrees: 128 } } },
    { policy: 'all', options: { trees: { policy: 'all' } } },
  ];
  const runs: PolicyRun[] = [];
  for (const p of policies) {
    const m = await measureServer({
      ...strataServer(ctx.root, folders, `Strata (${p.policy})`, p.options, 'go'),
      querySet, closedDocuments: closedDocs, touch: { method: 'textDocument/foldingRange', documents: touchDocs }, log: ctx.log,
    });
    ctx.log(`  ${m.readyBy ?? ''}; after index ${fmtTiers(m.stats?.afterIndex)}; after touching ${fmtTiers(m.stats?.afterTouch)}`);
    runs.push({ policy: p.policy, m });
  }
  const budget = runs[0]!.m;
  const allHot = runs[2]!.m;
  const closedParse = parseOf(closedDocs);
  const openParse = parseOf(openDocs);
  const excess = (by: { path: string; ms: number }[] | undefined) => (by ?? []).map((d) => d.ms - (parse.get(d.path) ?? NaN)).filter(Number.isFinite);

  metrics.push(
    { name: 'Go corpus', value: goBytes / MB, unit: 'MB', note: `${goFiles} .go files in ${folders.map((f) => f.split('/').slice(-2).join('/')).join(', ')}; ${(allBytes / MB).toFixed(1)} MB on disk with test data` },
    { name: 'RSS after indexing, tiers (budget) / all-hot', value: budget.rssAfterIndexBytes / allHot.rssAfterIndexBytes, unit: 'ratio', target: { op: '<=', value: 0.1 },
      note: `${(budget.rssAfterIndexBytes / MB).toFixed(0)} MB vs ${(allHot.rssAfterIndexBytes / MB).toFixed(0)} MB VmRSS` },
    { name: 'VmHWM after indexing, tiers (budget) / all-hot', value: budget.hwmAfterIndexBytes / allHot.hwmAfterIndexBytes, unit: 'ratio' },
    { name: 'RSS after the working session, tiers (budget) / all-hot', value: (budget.touch?.rssAfterBytes ?? NaN) / (allHot.touch?.rssAfterBytes ?? NaN), unit: 'ratio',
      note: `foldingRange on ${touchDocs.length} never-opened files` },
    { name: 'full parse (web-tree-sitter, this process) of the cold files, p50', value: percentile(closedParse, 50), unit: 'ms', note: `${closedParse.length} files` },
    { name: 'budget: documentSymbol on a never-opened file p50', value: budget.documentSymbolClosed?.p50 ?? NaN, unit: 'ms',
      target: { op: '<=', value: percentile(closedParse, 50) + 3 }, note: 'target: the same files\' full-parse p50 + 3 ms' },
    { name: 'budget: documentSymbol on a never-opened file, p50 of (latency − its full parse)', value: percentile(excess(budget.closedByDocument), 50), unit: 'ms', target: { op: '<=', value: 3 } },
    { name: 'full parse of the opened cold files, p50', value: percentile(openParse, 50), unit: 'ms', note: `${openParse.length} files` },
    { name: 'budget: didOpen + first documentSymbol on a cold file p50', value: budget.documentSymbolFirst.p50, unit: 'ms',
      target: { op: '<=', value: percentile(openParse, 50) + 3 }, note: 'target: the same files\' full-parse p50 + 3 ms' },
    { name: 'budget: didOpen + first documentSymbol, p50 of (latency − its full parse)', value: percentile(excess(budget.firstByDocument), 50), unit: 'ms', target: { op: '<=', value: 3 } },
  );
  for (const { policy, m } of runs) {
    metrics.push(
      { name: `${policy}: time to index`, value: m.indexMs / 1000, unit: 's', note: m.indexed ? m.indexedBy : 'did not report completion' },
      { name: `${policy}: ready (hot tier settled)`, value: m.readyMs / 1000, unit: 's', note: m.readyBy },
      { name: `${policy}: VmRSS after indexing`, value: m.rssAfterIndexBytes / MB, unit: 'MB' },
      { name: `${policy}: VmHWM after indexing`, value: m.hwmAfterIndexBytes / MB, unit: 'MB' },
      { name: `${policy}: workspace/symbol p50`, value: m.workspaceSymbol.p50, unit: 'ms' },
      { name: `${policy}: workspace/symbol p99`, value: m.workspaceSymbol.p99, unit: 'ms' },
      { name: `${policy}: documentSymbol never-opened p50`, value: m.documentSymbolClosed?.p50 ?? NaN, unit: 'ms' },
      { name: `${policy}: documentSymbol never-opened p99`, value: m.documentSymbolClosed?.p99 ?? NaN, unit: 'ms' },
      { name: `${policy}: didOpen + documentSymbol (cold) p50`, value: m.documentSymbolFirst.p50, unit: 'ms' },
      { name: `${policy}: didOpen + documentSymbol (cold) p99`, value: m.documentSymbolFirst.p99, unit: 'ms' },
      { name: `${policy}: VmRSS after the working session`, value: (m.touch?.rssAfterBytes ?? NaN) / MB, unit: 'MB' },
    );
  }
  const mb = (v: number | undefined) => (v === undefined ? NaN : v / MB);
  tables.push({
    title: `Tree policies on ${(goBytes / MB).toFixed(1)} MB of Go (${goFiles} files), one run each, side by side`,
    columns: ['policy', 'index s', 'ready s', 'VmRSS MB', 'VmHWM MB', 'live trees', 'hot MB (wasm est.)', 'tiers (files)', 'ws/symbol p50 ms', 'ws/symbol p99 ms',
      'docSym never-opened p50 ms', 'p99 ms', 'didOpen+docSym p50 ms', 'p99 ms', 'foldingRange p50 ms', 'VmRSS after session MB', 'live trees after session'],
    rows: runs.map(({ policy, m }) => [policy, m.indexMs / 1000, m.readyMs / 1000, mb(m.rssAfterIndexBytes), mb(m.hwmAfterIndexBytes),
      m.stats?.afterIndex?.trees?.live ?? '?', mb(hot(m.stats?.afterIndex).bytes), fmtTiers(m.stats?.afterIndex), m.workspaceSymbol.p50, m.workspaceSymbol.p99,
      m.documentSymbolClosed?.p50 ?? NaN, m.documentSymbolClosed?.p99 ?? NaN, m.documentSymbolFirst.p50, m.documentSymbolFirst.p99,
      m.touch?.p50 ?? NaN, mb(m.touch?.rssAfterBytes), m.stats?.afterTouch?.trees?.live ?? '?']),
  });
  tables.push({
    title: 'Cold files: full parse in the bench process vs documentSymbol (budget policy)',
    columns: ['files', 'full parse p50 ms', 'full parse p99 ms', 'documentSymbol p50 ms', 'documentSymbol p99 ms', 'p50 of (latency − parse) ms'],
    rows: [
      [`${closedDocs.length} never opened`, percentile(closedParse, 50), percentile(closedParse, 99), budget.documentSymbolClosed?.p50 ?? NaN, budget.documentSymbolClosed?.p99 ?? NaN, percentile(excess(budget.closedByDocument), 50)],
      [`${openDocs.length} opened (didOpen + first request)`, percentile(openParse, 50), percentile(openParse, 99), budget.documentSymbolFirst.p50, budget.documentSymbolFirst.p99, percentile(excess(budget.firstByDocument), 50)],
    ],
  });
  charts.push(
    { title: `Memory per tree policy, ${(goBytes / MB).toFixed(0)} MB of Go`, unit: 'MB', kind: 'bar', series: [
      { name: 'VmRSS after indexing', points: runs.map(({ policy, m }) => ({ x: policy, y: mb(m.rssAfterIndexBytes) })) },
      { name: 'VmHWM after indexing', points: runs.map(({ policy, m }) => ({ x: policy, y: mb(m.hwmAfterIndexBytes) })) },
      { name: 'VmRSS after session', points: runs.map(({ policy, m }) => ({ x: policy, y: mb(m.touch?.rssAfterBytes) })) },
    ] },
    { title: 'Latency per tree policy (Go)', unit: 'ms', kind: 'bar', series: [
      { name: 'workspace/symbol p50', points: runs.map(({ policy, m }) => ({ x: policy, y: m.workspaceSymbol.p50 })) },
      { name: 'workspace/symbol p99', points: runs.map(({ policy, m }) => ({ x: policy, y: m.workspaceSymbol.p99 })) },
      { name: 'docSymbol never-opened p50', points: runs.map(({ policy, m }) => ({ x: policy, y: m.documentSymbolClosed?.p50 ?? 0 })) },
      { name: 'didOpen+docSymbol p50', points: runs.map(({ policy, m }) => ({ x: policy, y: m.documentSymbolFirst.p50 })) },
      { name: 'full parse p50', points: runs.map(({ policy }) => ({ x: policy, y: percentile([...closedParse, ...openParse], 50) })) },
    ] },
  );

  // ── 2. the shell corpus: Strata vs bash-language-server ─────────────────────────────────────
  const set = shellSet(corpus);
  const shellRuns: { corpus: string; bytes: number; bash: ServerMeasurement; strata: ServerMeasurement; coverage: BashCoverage }[] = [];
  const targets = [{ label: 'shell corpus', dir: set.dir, bytes: set.bytes }];
  const distinct = join(set.dir, 'distinct');
  if (existsSync(distinct) && !ctx.small) targets.push({ label: 'distinct scripts', dir: distinct, bytes: (await countTree(distinct)).bytes });
  for (const t of targets) {
    const q = await buildQuerySet(t.dir, { queries: 60, documents: 40, references: REFERENCE_TARGETS });
    const bash = await measureServer({ ...bashLanguageServer(ctx.root, t.dir), name: `bash-language-server 5.8.1 (${t.label})`, querySet: q, log: ctx.log, beforeClose: filesWithSymbols });
    const strata = await measureServer({ ...strataServer(ctx.root, [t.dir], `Strata (${t.label})`, { trees: { policy: 'budget' } }, 'shellscript'), querySet: q, log: ctx.log });
    const coverage = await bashCoverage(bash, t.dir);
    ctx.log(`  bash-language-server (${t.label}) ${coverage.note}`);
    shellRuns.push({ corpus: t.label, bytes: t.bytes, bash, strata, coverage });
  }
  // An empty workspace/symbol query (its fuzzy search returns every declaration) tells how many
  // files bash-language-server holds symbols of: a cross-check of its logs.
  const refs = (m: ServerMeasurement) => m.references ?? { n: 0, p50: NaN, p90: NaN, results: 0, empty: 0 };
  const analyzed = (m: ServerMeasurement) => Number((m.probe as { files?: number } | undefined)?.files ?? NaN);
  for (const r of shellRuns) {
    const s = r.strata.stats?.afterIndex;
    metrics.push(
      { name: `${r.corpus}: size`, value: r.bytes / MB, unit: 'MB' },
      { name: `${r.corpus}: Strata VmRSS / bash-language-server VmRSS after indexing`, value: r.strata.rssAfterIndexBytes / r.bash.rssAfterIndexBytes, unit: 'ratio',
        target: { op: '<=', value: 0.2 }, note: `${(r.strata.rssAfterIndexBytes / MB).toFixed(0)} MB vs ${(r.bash.rssAfterIndexBytes / MB).toFixed(0)} MB` },
      { name: `${r.corpus}: workspace/symbol p50, Strata / bash-language-server`, value: r.strata.workspaceSymbol.p50 / r.bash.workspaceSymbol.p50,
        unit: 'ratio', target: { op: '<=', value: 0.5 }, note: `${r.strata.workspaceSymbol.p50.toFixed(2)} ms vs ${r.bash.workspaceSymbol.p50.toFixed(2)} ms (issue #16)` },
      { name: `${r.corpus}: references p90, Strata / bash-language-server`, value: refs(r.strata).p90 / refs(r.bash).p90,
        unit: 'ratio', target: { op: '<=', value: 0.05 },
        note: `${refs(r.strata).p90.toFixed(2)} ms vs ${refs(r.bash).p90.toFixed(2)} ms; ${refs(r.strata).n} targets; `
          + `locations ${refs(r.strata).results} vs ${refs(r.bash).results}, empty answers ${refs(r.strata).empty} vs ${refs(r.bash).empty} (issue #16)` },
      { name: `${r.corpus}: Strata references p50`, value: refs(r.strata).p50, unit: 'ms' },
      { name: `${r.corpus}: bash-language-server references p50`, value: refs(r.bash).p50, unit: 'ms' },
      { name: `${r.corpus}: Strata files indexed`, value: Number(s?.files ?? NaN), unit: 'files', note: `${((s?.bytes ?? 0) / MB).toFixed(1)} MB; ${r.strata.indexedBy ?? ''}` },
      { name: `${r.corpus}: bash-language-server files analysed`, value: r.coverage.analysed, unit: 'files', note: r.coverage.note },
      { name: `${r.corpus}: bash-language-server files holding symbols at the end`, value: analyzed(r.bash), unit: 'files',
        note: `by an empty workspace/symbol query (${(r.bash.probe as { symbols?: number } | undefined)?.symbols ?? '?'} declarations); files without a function or variable do not count` },
    );
  }
  tables.push({
    title: 'Strata vs bash-language-server 5.8.1 on shell scripts (same client, procedure and queries)',
    columns: ['corpus', 'server', 'index s', 'VmRSS MB', 'VmHWM MB', 'ws/symbol p50 ms', 'ws/symbol p99 ms', 'docSym p50 ms', 'docSym p99 ms',
      'references p50 ms', 'references p90 ms', 'references locations', 'ws results (round 1)', 'files indexed', 'indexing ended by'],
    rows: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => [r.corpus, m.name.replace(/ \(.*\)$/, ''), m.indexMs / 1000, mb(m.rssAfterIndexBytes), mb(m.hwmAfterIndexBytes),
      m.workspaceSymbol.p50, m.workspaceSymbol.p99, m.documentSymbol.p50, m.documentSymbol.p99,
      refs(m).p50, refs(m).p90, refs(m).results, m.workspaceSymbol.results,
      m === r.strata ? Number(r.strata.stats?.afterIndex?.files ?? NaN)
        : `${Number.isFinite(r.coverage.analysed) ? r.coverage.analysed : '?'} analysed (${Number.isFinite(analyzed(m)) ? analyzed(m) : '?'} with symbols) of ${r.coverage.globbed} globbed${r.coverage.reachedAll ? ', all reached' : ', NOT all reached'}`,
      m.indexedBy ?? 'no'])),
  });
  charts.push(
    { title: 'Memory after indexing shell scripts', unit: 'MB', kind: 'bar', series: [
      { name: 'VmRSS', points: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => ({ x: m.name, y: mb(m.rssAfterIndexBytes) }))) },
      { name: 'VmHWM', points: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => ({ x: m.name, y: mb(m.hwmAfterIndexBytes) }))) },
    ] },
    { title: 'workspace/symbol on shell scripts', unit: 'ms', kind: 'bar', series: [
      { name: 'p50', points: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => ({ x: m.name, y: m.workspaceSymbol.p50 }))) },
      { name: 'p99', points: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => ({ x: m.name, y: m.workspaceSymbol.p99 }))) },
    ] },
    { title: 'references on shell scripts', unit: 'ms', kind: 'bar', series: [
      { name: 'p50', points: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => ({ x: m.name, y: refs(m).p50 }))) },
      { name: 'p90', points: shellRuns.flatMap((r) => [r.bash, r.strata].map((m) => ({ x: m.name, y: refs(m).p90 }))) },
    ] },
  );

  // ── 3. the name search alone: the scan vs the search structure ──────────────────────────────
  const ns = compareNameSearch({ names: ctx.small ? 200_000 : 1_500_000, queries: 200, log: ctx.log });
  const nsLabel = `${(ns.names / 1e6).toFixed(1)} M kernel-like names, ${ns.queries} queries of lengths 1–10, limit ${ns.limit}`;
  metrics.push(
    { name: 'name search, search structure p50', value: ns.search.p50, unit: 'ms', target: { op: '<=', value: 10 }, note: nsLabel },
    { name: 'name search, search structure p99', value: ns.search.p99, unit: 'ms', target: { op: '<=', value: 50 } },
    { name: 'name search, scan p50', value: ns.scan.p50, unit: 'ms' },
    { name: 'name search, scan p99', value: ns.scan.p99, unit: 'ms' },
    { name: 'name search p50, structure / scan', value: ns.search.p50 / ns.scan.p50, unit: 'ratio' },
    { name: 'name search p99, structure / scan', value: ns.search.p99 / ns.scan.p99, unit: 'ratio' },
    { name: 'name search CPU time, structure p50 / p99', value: ns.searchCpu.p50, unit: 'ms',
      note: `p99 ${ns.searchCpu.p99.toFixed(2)} ms; the scan ${ns.scanCpu.p50.toFixed(2)} / ${ns.scanCpu.p99.toFixed(2)} ms` },
    { name: 'name search structure, bytes per name', value: ns.bytesPerName, unit: 'B',
      note: `${ns.bytesPerNameGrown.toFixed(1)} B as it grows name by name; built in ${ns.buildMs.toFixed(0)} ms` },
    { name: 'name search, queries answered differently by the structure', value: ns.differing.length, unit: 'queries',
      target: { op: '<=', value: 0 }, note: ns.differing.slice(0, 5).map((q) => JSON.stringify(q)).join(', ') },
  );
  tables.push({
    title: `workspace/symbol name search: the scan vs the search structure (${nsLabel}; median of 3 per query)`,
    columns: ['query length', 'queries', 'scan p50 ms', 'scan p99 ms', 'structure p50 ms', 'structure p99 ms', 'p50 structure / scan'],
    rows: [
      ...ns.byLength.map((r) => [r.length, r.queries, r.scan.p50, r.scan.p99, r.search.p50, r.search.p99, r.search.p50 / r.scan.p50]),
      ['all', ns.queries, ns.scan.p50, ns.scan.p99, ns.search.p50, ns.search.p99, ns.search.p50 / ns.scan.p50],
    ],
  });

  return { id: 'lsp', title: 'The language server (Strata over stdio)', metrics, tables, charts };
}
