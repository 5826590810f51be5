/**
 * The soak's arithmetic, kept pure so it can be tested: the time plan (warm-up, windows, sampling
 * interval), RSS drift, latency percentiles per window, and the verdict.
 *
 * How drift is measured (stated in the report too): the run after the warm-up is cut into equal
 * windows of at least 5 s (at most 8). At every window boundary the session pauses and reads the
 * retained memory (session.ts `Checkpoint`): the server process tree's VmRSS (/proc) right after
 * `strata/debug/releaseMemory` ended the idle parser workers and ran a full collection, less V8's
 * young generation (empty then, but committed at whatever size V8 grew it to), the least of three
 * reads. One checkpoint still moves by up to ±6% from the next (V8's committed old space and the
 * allocator's free pages, with no trend), so each is judged as the median of it and its two
 * neighbours (`CHECKPOINT_SPAN`): the baseline is the median of the first three from the warm-up's
 * end; drift = (largest median of three consecutive later checkpoints − baseline) / baseline, and
 * the end drift = (median of the last three − baseline) / baseline. The run passes when drift ≤ 10%.
 * A single low baseline (one CI run: 145.9 MB, then 150–163 MB flat) read as a leak otherwise.
 * Why not RSS as sampled (still reported, `rawDrift`, the median of each window's samples): it swings
 * by a third from second to second with how many parser workers are alive (each ends after 3 s idle
 * and costs about 45 MB while it lives) and with garbage not yet collected, and it steps up by ~25 MB
 * whenever V8 grows the main thread's young generation from 1 to 32 MB (it does when it scavenges
 * while a worker's heap is being configured, which resets the growth factor, syntax/v8Heap.ts, and
 * never shrinks it). Its window medians moved ±15% over eight minutes without a trend (the heap's
 * live bytes, external memory and the budgeted occurrence structures flat); a leak is memory
 * retained, and that is what a checkpoint reads.
 */
import { percentile } from '../../bench/lspMeasure.js';

export const RSS_DRIFT_LIMIT = 0.10;
/** Most windows after the warm-up; each lasts at least MIN_WINDOW_MS so its median is steady. */
export const POST_WARMUP_WINDOWS = 8;
const MIN_WINDOW_MS = 5_000;

export interface SoakPlan {
  durationMs: number;
  warmupMs: number;
  /** Windows after the warm-up. */
  windows: number;
  windowMs: number;
  sampleMs: number;
}

/**
 * Warm-up: a quarter of the run but at least 240 s, and never more than half the run. The server's
 * retained memory climbs while the session first opens its working set of files and V8 compiles
 * what runs hot (JavaScript and the grammars' wasm), with every grammar loaded before the run
 * (session.ts `prime`): in 8-minute runs it rose by about 30% and levelled off 166–211 s in (the
 * commit before the occurrence index alike), and in a 3-minute run on a quiet machine it was still
 * rising at 181 s (+12% from 90 s, the V8 heap and external memory flat). So a run that judges drift
 * lasts at least 8 minutes (.ci/run), and a leak is growth after that.
 */
export function soakPlan(durationMs: number): SoakPlan {
  const warmupMs = Math.min(Math.max(0.25 * durationMs, 240_000), 0.5 * durationMs);
  const windows = Math.min(POST_WARMUP_WINDOWS, Math.max(2, Math.floor((durationMs - warmupMs) / MIN_WINDOW_MS)));
  const windowMs = (durationMs - warmupMs) / windows;
  // RSS moves by ±10% from sample to sample (GC, parser workers ending when idle and starting again):
  // enough samples per window that its median is steady (≥ 10 in a one-minute run's 5 s windows).
  const sampleMs = Math.min(10_000, Math.max(500, durationMs / 240));
  return { durationMs, warmupMs, windows, windowMs, sampleMs };
}

export interface Window {
  startMs: number;
  endMs: number;
  /** True for windows after the warm-up. */
  measured: boolean;
}

/** Windows of `windowMs` aligned on the warm-up's end: some (clipped at 0) before it, `plan.windows` after. */
export function windowsOf(plan: SoakPlan): Window[] {
  const out: Window[] = [];
  for (let end = plan.warmupMs; end > 0; end -= plan.windowMs) out.unshift({ startMs: Math.max(0, end - plan.windowMs), endMs: end, measured: false });
  for (let i = 0; i < plan.windows; i++) {
    const startMs = plan.warmupMs + i * plan.windowMs;
    // The last window takes whatever the run overshot its deadline by.
    out.push({ startMs, endMs: i === plan.windows - 1 ? Infinity : startMs + plan.windowMs, measured: true });
  }
  return out;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const inWindow = (w: Window, atMs: number) => atMs >= w.startMs && atMs < w.endMs;

/** What a checkpoint counts as retained: RSS after the release, less the (empty) young generation. */
export function retainedBytes(c: { rssBytes: number; youngGenerationBytes: number }): number {
  return c.rssBytes - c.youngGenerationBytes;
}

/** Consecutive checkpoints whose median is judged as one (see the header). */
export const CHECKPOINT_SPAN = 3;

/**
 * Drift of retained memory over the checkpoints (`windowMedians` holds each checkpoint's retained
 * bytes, in order): the baseline is the median of the first `CHECKPOINT_SPAN` checkpoints at or after
 * the warm-up's end, each later value the median of `CHECKPOINT_SPAN` consecutive ones.
 */
export function retainedDrift(checkpoints: { atMs: number; rssBytes: number; youngGenerationBytes: number }[], plan: SoakPlan): Drift {
  const values = checkpoints.map(retainedBytes);
  const measured = values.filter((_, i) => checkpoints[i]!.atMs >= plan.warmupMs);
  const span = Math.min(CHECKPOINT_SPAN, measured.length);
  const runs: number[] = [];
  for (let i = 0; i + span <= measured.length; i++) runs.push(median(measured.slice(i, i + span)));
  const baselineBytes = runs[0] ?? NaN;
  const after = runs.slice(1);
  const maxWindowBytes = after.length ? Math.max(...after) : NaN;
  const endWindowBytes = after[after.length - 1] ?? NaN;
  return {
    baselineBytes, maxWindowBytes, endWindowBytes, windowMedians: values,
    drift: (maxWindowBytes - baselineBytes) / baselineBytes,
    endDrift: (endWindowBytes - baselineBytes) / baselineBytes,
  };
}

export interface Drift {
  baselineBytes: number;
  maxWindowBytes: number;
  endWindowBytes: number;
  /** (max post-warm-up window median − baseline) / baseline. */
  drift: number;
  /** (last window median − baseline) / baseline. */
  endDrift: number;
  /** Median RSS per window (NaN for a window without samples). */
  windowMedians: number[];
}

export function rssDrift(samples: { atMs: number; rssBytes: number }[], windows: Window[]): Drift {
  const windowMedians = windows.map((w) => median(samples.filter((s) => inWindow(w, s.atMs)).map((s) => s.rssBytes)));
  const measured = windowMedians.filter((_, i) => windows[i]!.measured && !Number.isNaN(windowMedians[i]!));
  const baselineBytes = measured[0] ?? NaN;
  const maxWindowBytes = measured.length ? Math.max(...measured) : NaN;
  const endWindowBytes = measured[measured.length - 1] ?? NaN;
  return {
    baselineBytes, maxWindowBytes, endWindowBytes, windowMedians,
    drift: (maxWindowBytes - baselineBytes) / baselineBytes,
    endDrift: (endWindowBytes - baselineBytes) / baselineBytes,
  };
}

export interface LatencyRecord {
  atMs: number;
  method: string;
  ms: number;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(ms: number[]): LatencySummary {
  return { n: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.length ? Math.max(...ms) : NaN };
}

export interface WindowLatency extends Window {
  all: LatencySummary;
  byMethod: Record<string, LatencySummary>;
}

/** Latency per window, over all requests and per method. */
export function latencyByWindow(records: LatencyRecord[], windows: Window[]): WindowLatency[] {
  return windows.map((w) => {
    const inside = records.filter((r) => inWindow(w, r.atMs));
    const methods = [...new Set(inside.map((r) => r.method))].sort();
    return {
      ...w,
      all: summarize(inside.map((r) => r.ms)),
      byMethod: Object.fromEntries(methods.map((m) => [m, summarize(inside.filter((r) => r.method === m).map((r) => r.ms))])),
    };
  });
}

export interface VerdictInput {
  drift: Drift;
  /** Samples whose hot tree bytes exceeded the hot budget in force. */
  hotOverBudget: number;
  textDifferences: number;
  unanswered: number;
  requestErrors: number;
  invalidResults: number;
  /** Why the server stopped early, if it did (crash, exit). */
  serverExit?: string;
  /** Why the run could not be judged (e.g. too few samples). */
  incomplete?: string;
}

/** The reasons the run fails; empty when it passes. */
export function verdict(v: VerdictInput): string[] {
  const reasons: string[] = [];
  if (v.incomplete) reasons.push(v.incomplete);
  if (v.serverExit) reasons.push(`server stopped: ${v.serverExit}`);
  if (!Number.isFinite(v.drift.drift)) reasons.push('RSS drift could not be measured (no checkpoints after the warm-up)');
  else if (v.drift.drift > RSS_DRIFT_LIMIT) {
    reasons.push(`retained RSS drift ${(v.drift.drift * 100).toFixed(1)}% > ${RSS_DRIFT_LIMIT * 100}% (${mb(v.drift.maxWindowBytes)} vs ${mb(v.drift.baselineBytes)} after the warm-up, medians of three checkpoints)`);
  }
  if (v.hotOverBudget > 0) reasons.push(`hot tree bytes over the hot budget in ${v.hotOverBudget} sample(s)`);
  if (v.textDifferences > 0) reasons.push(`${v.textDifferences} text difference(s) between the server and the shadow copies`);
  if (v.unanswered > 0) reasons.push(`${v.unanswered} request(s) not answered`);
  if (v.requestErrors > 0) reasons.push(`${v.requestErrors} request(s) answered with an error`);
  if (v.invalidResults > 0) reasons.push(`${v.invalidResults} result(s) pointing outside the document's current text`);
  return reasons;
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
