/**
 * The soak report: `report.json` (the figures, per-window tables, samples and failures),
 * `report.md` (the same for people) and `report.svg` (memory over time, drawn by the benchmark's
 * chart writer, test/bench/report.ts), plus the summary lines printed at the end of a run.
 * Pure rendering of a finished run: the judging is in metrics.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatValue, machineFacts, renderChartsSvg, type MachineFacts } from '../../bench/report.js';
import type { Chart } from '../../bench/types.js';
import {
  latencyByWindow, mb, retainedBytes, retainedDrift, rssDrift, RSS_DRIFT_LIMIT, verdict, windowsOf,
  type Drift, type SoakPlan, type WindowLatency,
} from './metrics.js';
import type { Sample, SoakRun } from './session.js';

export interface SoakReport {
  machine: MachineFacts;
  plan: SoakPlan;
  driftMethod: string;
  passed: boolean;
  reasons: string[];
  summary: {
    minutes: number;
    operations: number;
    /** Retained memory (judged): medians of three checkpoints, from the warm-up's end and at the last ones. */
    rssWarmupEndBytes: number;
    rssEndBytes: number;
    driftPercent: number;
    endDriftPercent: number;
    /** RSS as sampled (not judged): its drift measured the same way. */
    rawDriftPercent: number;
    rawEndDriftPercent: number;
    maxTreesLive: number;
    maxHotBytes: number;
    hotBudgetAtMaxBytes: number;
    /** Largest hot bytes / hot budget seen in a sample. */
    maxHotBudgetUse: number;
    hotOverBudgetSamples: number;
    p99StartMs: number;
    p99EndMs: number;
    textDifferences: number;
    comparisons: number;
  };
  windows: (WindowLatency & { rssMedianBytes: number; maxTreesLive: number; maxHotBytes: number; hotBudgetBytes: number })[];
  /** Judged: retained memory at the checkpoints (`windowMedians` = each checkpoint's). */
  drift: Drift;
  /** Not judged: RSS as sampled. */
  rawDrift: Drift;
  run: Omit<SoakRun, 'latencies' | 'harnessLatencies'>;
}

export const DRIFT_METHOD = 'Retained memory = VmRSS of the server process tree (/proc) right after strata/debug/releaseMemory '
  + 'ended the idle parser workers and ran a full garbage collection, less V8\'s young generation (empty then, committed at the size V8 grew it to), '
  + 'the least of three reads; read at every window boundary while the session pauses. After the warm-up (a quarter of the run, at least 240 s, '
  + 'at most half), the run is cut into equal windows of at least 5 s (at most 8). Each checkpoint is judged as the median of three '
  + 'consecutive ones: drift = (largest later median − median of the first three from the warm-up\'s end) / that median; limit 10%. RSS as sampled (median per window) swings by a third with the parser workers alive and '
  + 'the garbage not yet collected: it is reported, not judged.';

function hotOver(s: Sample): boolean {
  return s.stats !== undefined && s.stats.hotBytes > s.stats.hotBudgetBytes;
}

export function buildReport(run: SoakRun, plan: SoakPlan): SoakReport {
  const windows = windowsOf(plan);
  const drift = retainedDrift(run.checkpoints, plan);
  const rawDrift = rssDrift(run.samples, windows);
  const latency = latencyByWindow(run.latencies, windows);
  const withStats = run.samples.filter((s) => s.stats);
  const maxHot = withStats.reduce<Sample | undefined>((a, s) => (!a || s.stats!.hotBytes > a.stats!.hotBytes ? s : a), undefined);
  const hotOverBudgetSamples = run.samples.filter(hotOver).length;
  const measured = latency.filter((w) => w.measured && w.all.n > 0);
  const reasons = verdict({
    drift, hotOverBudget: hotOverBudgetSamples, textDifferences: run.textDifferences, unanswered: run.unanswered,
    requestErrors: run.requestErrors, invalidResults: run.invalidResults, serverExit: run.serverExit,
    incomplete: withStats.length === 0 ? 'no stats sample was taken' : undefined,
  });
  const { latencies: _l, harnessLatencies: _h, ...rest } = run;
  return {
    machine: machineFacts(),
    plan,
    driftMethod: DRIFT_METHOD,
    passed: reasons.length === 0,
    reasons,
    summary: {
      minutes: run.elapsedMs / 60_000,
      operations: run.operations,
      rssWarmupEndBytes: drift.baselineBytes,
      rssEndBytes: drift.endWindowBytes,
      driftPercent: drift.drift * 100,
      endDriftPercent: drift.endDrift * 100,
      rawDriftPercent: rawDrift.drift * 100,
      rawEndDriftPercent: rawDrift.endDrift * 100,
      maxTreesLive: Math.max(0, ...withStats.map((s) => s.stats!.treesLive)),
      maxHotBytes: maxHot?.stats!.hotBytes ?? NaN,
      hotBudgetAtMaxBytes: maxHot?.stats!.hotBudgetBytes ?? NaN,
      maxHotBudgetUse: Math.max(0, ...withStats.map((s) => s.stats!.hotBytes / s.stats!.hotBudgetBytes)),
      hotOverBudgetSamples,
      p99StartMs: latency.find((w) => w.all.n > 0)?.all.p99 ?? NaN,
      p99EndMs: measured[measured.length - 1]?.all.p99 ?? NaN,
      textDifferences: run.textDifferences,
      comparisons: run.comparisons.open + run.comparisons.closed,
    },
    windows: latency.map((w, i) => {
      const inside = withStats.filter((s) => s.atMs >= w.startMs && s.atMs < w.endMs);
      return {
        ...w,
        endMs: Number.isFinite(w.endMs) ? w.endMs : run.elapsedMs,
        rssMedianBytes: rawDrift.windowMedians[i]!,
        maxTreesLive: Math.max(0, ...inside.map((s) => s.stats!.treesLive)),
        maxHotBytes: Math.max(0, ...inside.map((s) => s.stats!.hotBytes)),
        hotBudgetBytes: Math.min(Infinity, ...inside.map((s) => s.stats!.hotBudgetBytes)),
      };
    }),
    drift,
    rawDrift,
    run: rest,
  };
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
const ms = (x: number) => `${formatValue(x)} ms`;

/** The lines printed at the end of a run. */
export function summaryLines(r: SoakReport): string[] {
  const s = r.summary;
  return [
    `soak: ${r.passed ? 'PASS' : 'FAIL'} — ${s.minutes.toFixed(2)} min, ${s.operations.toLocaleString('en-US')} operations, seed ${r.run.seed}`,
    `  retained memory: ${mb(s.rssWarmupEndBytes)} after the warm-up → ${mb(s.rssEndBytes)} at the end, medians of three checkpoints (drift: largest ${pct(s.driftPercent)}, last window ${pct(s.endDriftPercent)}; limit +${RSS_DRIFT_LIMIT * 100}%)`,
    `  RSS as sampled (not judged): drift ${pct(s.rawDriftPercent)}, last window ${pct(s.rawEndDriftPercent)}`,
    `  live trees: at most ${s.maxTreesLive}; hot tree bytes at most ${mb(s.maxHotBytes)} (budget then ${mb(s.hotBudgetAtMaxBytes)}), largest share of the budget ${(s.maxHotBudgetUse * 100).toFixed(0)}%, over budget in ${s.hotOverBudgetSamples} samples`,
    `  latency p99: ${ms(s.p99StartMs)} in the first window → ${ms(s.p99EndMs)} in the last`,
    `  text differences: ${s.textDifferences} in ${s.comparisons.toLocaleString('en-US')} comparisons; unanswered ${r.run.unanswered}, errors ${r.run.requestErrors}, invalid results ${r.run.invalidResults}`,
    ...r.reasons.map((x) => `  FAIL: ${x}`),
  ];
}

function table(columns: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => (typeof v === 'number' ? formatValue(v) : v).replace(/\|/g, '\\|');
  return [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: SoakReport): string {
  const m = r.machine;
  const run = r.run;
  const sec = (x: number) => (x / 1000).toFixed(0);
  return [
    `# Strata soak report — ${r.passed ? 'PASS' : 'FAIL'}`, '',
    `${m.date} · ${m.cores} cores (${m.cpuModel}) · Node ${m.node} · seed ${run.seed}`, '',
    `Corpus: ${run.corpus.files} files (${mb(run.corpus.bytes)}) from ${run.corpus.source}; indexed in ${(run.indexMs / 1000).toFixed(1)} s.`, '',
    '```', ...summaryLines(r), '```', '',
    `**Drift, as measured:** ${r.driftMethod}`, '',
    '## Windows', '',
    table(['window (s)', 'phase', 'RSS median (MB)', 'max live trees', 'max hot MB', 'least hot budget MB', 'requests', 'p50 ms', 'p99 ms', 'max ms'],
      r.windows.map((w) => [`${sec(w.startMs)}–${sec(w.endMs)}`, w.measured ? 'measured' : 'warm-up', w.rssMedianBytes / 2 ** 20,
        w.maxTreesLive, w.maxHotBytes / 2 ** 20, w.hotBudgetBytes / 2 ** 20, w.all.n, w.all.p50, w.all.p99, w.all.max])), '',
    '## Retained memory (checkpoints)', '',
    table(['at (s)', 'retained MB', 'RSS after release MB', 'young generation MB', 'V8 heap used MB', 'V8 heap total MB', 'external MB'],
      run.checkpoints.map((c) => [sec(c.atMs), retainedBytes(c) / 2 ** 20, c.rssBytes / 2 ** 20, c.youngGenerationBytes / 2 ** 20,
        c.heapUsedBytes / 2 ** 20, c.heapTotalBytes / 2 ** 20, c.externalBytes / 2 ** 20])), '',
    '## Latency by method (last window)', '',
    table(['method', 'requests', 'p50 ms', 'p99 ms', 'max ms'],
      Object.entries(r.windows[r.windows.length - 1]?.byMethod ?? {}).map(([k, v]) => [k, v.n, v.p50, v.p99, v.max])), '',
    '## Operations', '',
    table(['operation', 'count'], Object.entries(run.opCounts).sort((a, b) => b[1] - a[1])), '',
    `Edits: ${run.edits.notifications.toLocaleString('en-US')} didChange notifications, ${run.edits.changes.toLocaleString('en-US')} changes, `
      + `${run.edits.charsInserted.toLocaleString('en-US')} characters inserted, ${run.edits.charsRemoved.toLocaleString('en-US')} removed; `
      + `${run.settingsChanges} settings changes. Text comparisons: ${run.comparisons.open} open, ${run.comparisons.closed} closed. `
      + `Symbol names differing from the text at their selection range (not judged): ${run.symbolNameMismatches}.`, '',
    '## Failures', '',
    run.failures.length === 0 ? 'None.' : run.failures.map((f) => `- ${f.kind}, operation ${f.op} (${f.opKind}): ${f.detail}`).join('\n'), '',
    'Charts: memory over time, live trees (report.svg).', '',
  ].join('\n');
}

export function charts(run: SoakRun): Chart[] {
  const x = (s: Sample) => `${(s.atMs / 1000).toFixed(1)}s`;
  const withStats = run.samples.filter((s) => s.stats);
  const series = (name: string, f: (s: Sample) => number | undefined) => ({
    name, points: withStats.filter((s) => f(s) !== undefined && Number.isFinite(f(s)!)).map((s) => ({ x: x(s), y: f(s)! / 2 ** 20 })),
  });
  return [
    {
      title: 'memory over time', unit: 'MB', kind: 'line',
      series: [
        series('RSS', (s) => s.rssBytes),
        series('V8 heap used', (s) => s.stats!.heapUsedBytes),
        series('external (wasm, buffers)', (s) => s.stats!.externalBytes),
        series('parser workers (wasm)', (s) => s.stats!.workersHeapBytes),
        // The hot budget is in the windows table: at the default 256 MB it would flatten the chart.
        series('hot trees', (s) => s.stats!.hotBytes),
        series('warm + cold stored', (s) => s.stats!.warmBytes + s.stats!.coldBytes),
      ].filter((s) => s.points.length > 0),
    },
    { title: 'live trees', unit: 'trees', kind: 'line', series: [{ name: 'live trees', points: withStats.map((s) => ({ x: x(s), y: s.stats!.treesLive })) }] },
  ];
}

export async function writeSoakReport(r: SoakReport, run: SoakRun, outDir: string): Promise<{ json: string; md: string; svg: string }> {
  await mkdir(outDir, { recursive: true });
  const files = { json: join(outDir, 'report.json'), md: join(outDir, 'report.md'), svg: join(outDir, 'report.svg') };
  await writeFile(files.json, `${JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  await writeFile(files.md, renderMarkdown(r));
  await writeFile(files.svg, renderChartsSvg(`Strata soak — ${r.machine.date.slice(0, 19)}, seed ${run.seed}, ${r.summary.minutes.toFixed(1)} min, ${r.passed ? 'PASS' : 'FAIL'}`,
    charts(run).map((chart) => ({ section: 'soak', chart }))));
  return files;
}
