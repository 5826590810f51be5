/**
 * Benchmark section for the syntax layer (server/src/syntax): journal replay vs full parse on
 * files ≥ 100 KB, parse throughput of the worker pool vs one thread, and rebuild latency from the
 * warm and cold tiers of the real SourceCache to a hot tree, by size class.
 * Replay is measured under three edit models (deterministic PRNG), all reported: a person typing
 * real lines keystroke by keystroke at one or two places with brackets and quotes auto-closed as
 * editors do by default (what the journal holds between two tree requests; the ≤ 0.1 target is
 * judged on it), the same without auto-closing (plain neovim), and random code fragments at five
 * scattered places (a stress model that leaves syntax errors everywhere). Timings are medians of repetitions after a
 * warm-up parse, full parse and replay alternating; CPU-time ratios are given too, since other work
 * on a shared machine inflates wall time. The section caps the bytes it reads so it stays within
 * about a minute on 2 cores; STRATA_BENCH_SYNTAX=replay|pool|tiers (comma list) runs only those parts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchSection, CorpusManifest, Metric, Table } from '../types.js';
import { createSourceCache } from '../../../server/src/cache/index.js';
import { sourceCacheWarmSide } from '../../../server/src/syntax/cacheBridge.js';
import { HotTier } from '../../../server/src/syntax/hotTier.js';
import { detectLanguage, type LanguageName } from '../../../server/src/syntax/languages.js';
import { runParseJob, type ParseInput } from '../../../server/src/syntax/parseJob.js';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import { ParserPool } from '../../../server/src/syntax/parserPool.js';
import { parseAll } from '../../syntax/trees/parseAll.js';
import { collectGarbage, startWorker } from '../../../server/src/syntax/v8Heap.js';
import { JournalStats, rebuildTree } from '../../../server/src/syntax/rebuild.js';
import { EditableText, type JournalEdit } from '../../../server/src/syntax/textEdits.js';
import { estimateTreeBytes } from '../../../server/src/syntax/treeCost.js';
import { TreeLedger } from '../../../server/src/syntax/trees.js';

interface File {
  path: string;
  lang: LanguageName;
  bytes: number;
}

const MAX_SCAN_BYTES = 64 << 20;
const POOL_BYTES = 12 << 20;
const MAX_FILE = 1 << 20;

function scan(corpus: CorpusManifest): File[] {
  const out: File[] = [];
  let total = 0;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (total >= MAX_SCAN_BYTES) return;
      const p = join(dir, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size > 0 && st.size <= MAX_FILE) {
        const lang = detectLanguage(p);
        if (!lang) continue;
        out.push({ path: p, lang: lang.name, bytes: st.size });
        total += st.size;
      }
    }
  };
  for (const s of corpus.sets) walk(s.dir);
  return out;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const FRAGMENTS = ['a', 'x1', 'foo', ' ', ';', '(', ')', 'bar()', '\n', 'const y = 2;\n', ''];

/**
 * Stress model: n random fragments (unbalanced brackets, statements dropped mid-expression) typed at
 * five places spread uniformly over the file. Nearly every journal leaves syntax errors at several
 * places, and tree-sitter's error recovery dominates the reparse.
 */
function fragmentJournal(text: string, n: number, seed: number): { doc: EditableText; journal: JournalEdit[] } {
  const rnd = prng(seed);
  const doc = new EditableText(text);
  const places = Array.from({ length: Math.min(5, n) }, () => Math.floor(rnd() * text.length));
  const journal: JournalEdit[] = [];
  for (let i = 0; i < n; i++) {
    const t = doc.text;
    let at = Math.min(t.length, places[i % places.length]!);
    while (at > 0 && /[\udc00-\udfff]/.test(t[at] ?? '')) at--;
    const del = rnd() < 0.2 ? 1 : 0;
    const end = Math.min(t.length, at + del);
    const ins = FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)]!;
    try {
      journal.push(doc.apply({ start: at, end, newText: ins }).journal);
      places[i % places.length] = at + ins.length;
    } catch {
      /* an edit that would split a pair: skip it */
    }
  }
  return { doc, journal };
}

/** Lines of the file a person could type elsewhere in it: 8–100 units, brackets and quotes balanced. */
function typeableLines(text: string): string[] {
  const out: string[] = [];
  const count = (l: string, c: string): number => l.split(c).length - 1;
  for (const l of text.split('\n')) {
    const line = l.trim();
    if (line.length < 8 || line.length > 100) continue;
    if (count(line, '(') !== count(line, ')') || count(line, '[') !== count(line, ']') || count(line, '{') !== count(line, '}')) continue;
    if (count(line, '"') % 2 || count(line, "'") % 2 || count(line, '`') % 2) continue;
    out.push(line);
  }
  return out;
}

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}', '"': '"', "'": "'", '`': '`' };

/**
 * A person typing: one keystroke per edit, as an editor sends them, at one place (two for every
 * third seed: a fix made in two spots), each place at the end of a line. There the person presses
 * Enter and types a real line of the same file, character by character, with a backspace
 * correction every 12th keystroke, then Enter and the next line. With `autoClose` the editor
 * closes brackets and quotes as they are opened and types over the closer (VS Code's default and
 * most editors'; plain neovim has no auto-pairs): a half-typed line then leaves no unclosed string
 * or bracket that would turn the rest of the file into an error for a fresh parse and a replay alike.
 */
function typingJournal(text: string, n: number, seed: number, autoClose: boolean): { doc: EditableText; journal: JournalEdit[] } {
  const rnd = prng(seed);
  const doc = new EditableText(text);
  const lines = typeableLines(text);
  const lineEnd = (): number => {
    const at = text.indexOf('\n', Math.floor(rnd() * text.length));
    return at < 0 ? text.length : at;
  };
  // The later place first, so edits at the earlier one never move it.
  const cursors = Array.from({ length: seed % 3 === 0 ? 2 : 1 }, () => ({ at: lineEnd(), line: '', typed: 0, closers: [] as string[] }))
    .sort((a, b) => b.at - a.at);
  const journal: JournalEdit[] = [];
  const edit = (start: number, end: number, newText: string): void => {
    journal.push(doc.apply({ start, end, newText }).journal);
  };
  for (let keys = 0; journal.length < n && keys < 20 * n; keys++) {
    const c = cursors[Math.floor((journal.length * cursors.length) / n)]!; // one burst per place
    if (c.typed >= c.line.length) {
      c.at += c.closers.length; // past auto-inserted closers left (none when the line is balanced)
      c.closers = [];
      edit(c.at, c.at, '\n'); // Enter
      c.at++;
      c.line = lines.length > 0 ? lines[Math.floor(rnd() * lines.length)]! : 'x = 1;';
      c.typed = 0;
      continue;
    }
    const prev = c.line[c.typed - 1];
    if (journal.length % 12 === 11 && c.typed > 0 && prev !== undefined && !(prev in CLOSER) && !/[)\]}\udc00-\udfff]/.test(prev)) {
      edit(c.at - 1, c.at, ''); // backspace; the character is typed again next
      c.at--;
      c.typed--;
      continue;
    }
    const ch = /[\ud800-\udbff]/.test(c.line[c.typed]!) ? c.line.slice(c.typed, c.typed + 2) : c.line[c.typed]!;
    c.typed += ch.length;
    if (autoClose && c.closers[c.closers.length - 1] === ch) {
      c.closers.pop(); // type over the closer the editor inserted: no change is sent
      c.at++;
    } else if (autoClose && CLOSER[ch] !== undefined) {
      edit(c.at, c.at, ch + CLOSER[ch]);
      c.closers.push(CLOSER[ch]!);
      c.at++;
    } else {
      edit(c.at, c.at, ch);
      c.at += ch.length;
    }
  }
  return { doc, journal };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Wall and CPU milliseconds of `fn` (CPU time is what other work on a shared machine does not inflate). */
function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
}

const REPLAY_REPS = 5;
type JournalMaker = (text: string, n: number, seed: number) => { doc: EditableText; journal: JournalEdit[] };
const MODELS: { id: string; label: string; make: JournalMaker; judged: boolean; why: string }[] = [
  {
    id: 'typing', label: 'a person typing, brackets and quotes auto-closed (1–2 places, one keystroke per edit)',
    make: (t, n, s) => typingJournal(t, n, s, true), judged: true,
    why: 'the target model: what the journal holds between two tree requests in an editor with default settings',
  },
  {
    id: 'typing-no-autoclose', label: 'a person typing, nothing auto-closed (1–2 places, one keystroke per edit)',
    make: (t, n, s) => typingJournal(t, n, s, false), judged: false,
    why: 'as in plain neovim: a half-typed string or bracket can leave the rest of the file in error, for a fresh parse too',
  },
  {
    id: 'fragments', label: 'random fragments at 5 scattered places (stress)', make: fragmentJournal, judged: false,
    why: 'stress: every place is left broken, where error recovery dominates',
  },
];

async function replaySection(big: File[], metrics: Metric[], tables: Table[]): Promise<void> {
  const ledger = new TreeLedger();
  const stats = new JournalStats();
  for (const model of MODELS) {
    const rows: (string | number)[][] = [];
    const ratios = new Map<number, { wall: number[]; cpu: number[]; errors: number; runs: number }>();
    for (const f of big) {
      const text = readFileSync(f.path, 'utf8');
      const parser = await parserFor(f.lang);
      ledger.parse(parser, text, f.lang).release(); // warm: the first parses run before wasm tier-up
      for (const n of [1, 10, 50, 256]) {
        const full = { wall: [] as number[], cpu: [] as number[] };
        const replay = { wall: [] as number[], cpu: [] as number[] };
        const acc = ratios.get(n) ?? { wall: [], cpu: [], errors: 0, runs: 0 };
        for (let rep = 0; rep < REPLAY_REPS; rep++) {
          const { doc, journal } = model.make(text, n, 1000 * n + rep);
          const runFull = (): void => {
            const t = timed(() => ledger.parse(parser, doc.text, f.lang));
            full.wall.push(t.wall);
            full.cpu.push(t.cpu);
            if (t.value.tree.rootNode.hasError) acc.errors++;
            acc.runs++;
            t.value.release();
          };
          const runReplay = (): void => {
            const base = ledger.parse(parser, text, f.lang);
            // as the hot tier calls it: the line index knows the text's UTF-8 length
            const t = timed(() => rebuildTree({ parser, lang: f.lang, base, edits: journal, text: doc.text, textBytes: doc.index.byteLength }, ledger, stats));
            replay.wall.push(t.wall);
            replay.cpu.push(t.cpu);
            if (t.value.mode !== 'replay') throw new Error(`replay fell back: ${t.value.reason}`);
            t.value.tree.release();
          };
          // alternate the order so neither side always runs first
          if (rep % 2 === 0) { runFull(); runReplay(); } else { runReplay(); runFull(); }
        }
        const ratio = median(replay.wall) / median(full.wall);
        const cpuRatio = median(replay.cpu) / median(full.cpu);
        acc.wall.push(ratio);
        acc.cpu.push(cpuRatio);
        ratios.set(n, acc);
        rows.push([f.path.split('/').slice(-2).join('/'), f.lang, Math.round(f.bytes / 1024), n, r2(median(full.wall)), r2(median(replay.wall)), r2(ratio), r2(cpuRatio)]);
      }
    }
    tables.push({
      title: `Journal replay vs full parse, ${model.label} (files ≥ 100 KB, medians of ${REPLAY_REPS})`,
      columns: ['file', 'lang', 'KB', 'edits', 'full parse ms', 'replay ms', 'replay/full', 'replay/full (CPU time)'], rows,
    });
    for (const [n, acc] of ratios) {
      metrics.push({
        name: `replay of ${n} edits / full parse, ${model.id} (median over files ≥100 KB)`, value: r2(median(acc.wall)), unit: 'ratio',
        ...(model.judged && n <= 50 ? { target: { op: '<=' as const, value: 0.1 } } : {}),
        note: `worst file ${r2(Math.max(...acc.wall))}; CPU-time ratio median ${r2(median(acc.cpu))}, worst ${r2(Math.max(...acc.cpu))}; ` +
          `${acc.errors}/${acc.runs} final texts have syntax errors; ${model.label}; ${model.why}`,
      });
    }
  }
  if (ledger.counts().live !== 0) throw new Error('trees leaked');
}

/**
 * Rounds of the pool comparison. Single rounds on this shared 2-core machine swing by ±0.3×, and even
 * the median of 7 moved from 1.53 to 1.83 between runs of the same code (session 6), with the pool's
 * own MB/s unchanged: read it beside the two-halves ceiling row and the pool's share of it.
 */
const POOL_ROUNDS = 7;

/** A bench thread started like a pool worker, running whole lists of jobs (poolBaselineWorker.ts). */
class BaselineThread {
  readonly #worker = startWorker(new URL('../poolBaselineWorker.js', import.meta.url));
  /** Wall ms of running `inputs` one after another in that thread. */
  run(inputs: ParseInput[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.#worker.once('error', onError);
      this.#worker.once('message', (ms: number) => {
        this.#worker.off('error', onError);
        resolve(ms);
      });
      this.#worker.postMessage(inputs);
    });
  }
  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

/**
 * The pool of 2 (default settings) against one thread doing the same work. The judged baseline is
 * one thread with the pool workers' heap settings (a bench thread started by v8Heap.ts's
 * `startWorker`, running the jobs back to back: poolBaselineWorker.ts). The main thread running the
 * same loop is reported too: it is what the server would do without workers, with its young
 * generation kept small (v8Heap.ts), which makes it slower per byte than a worker.
 */
async function poolSection(files: File[], metrics: Metric[]): Promise<void> {
  const inputs: ParseInput[] = [];
  let total = 0;
  for (const f of files) {
    if (total >= POOL_BYTES) break;
    inputs.push({ path: f.path, lang: f.lang });
    total += f.bytes;
  }
  const langs = [...new Set(inputs.map((i) => i.lang))];
  // Workers kept alive between rounds (a pool ends a worker idle for 3 s by default, and each round
  // runs the other sides for longer than that): a timed run on fresh workers would time their
  // start-up — grammar loading, wasm compilation, JIT warm-up — which the warmed baseline never pays.
  const KEEP = { idleMs: 10 * 60_000 };
  const pools = [new ParserPool(KEEP), new ParserPool({ ...KEEP, inFlight: 1 })];
  const thread = new BaselineThread();
  // The machine's ceiling for this work: two such threads, each given every other file, nothing
  // exchanged but the lists and the times — what a pool could at best do on these cores.
  const second = new BaselineThread();
  const halves = [inputs.filter((_, i) => i % 2 === 0), inputs.filter((_, i) => i % 2 === 1)] as const;
  // Warm every side the same way: grammars, queries and the JIT/wasm tiers of every language, in
  // this thread, the baseline thread and every worker, before anything is timed.
  const warm = langs.flatMap((l) => Array.from({ length: pools[0]!.size * 2 }, () => inputs.find((i) => i.lang === l)!));
  for (const l of langs) await parserFor(l);
  for (const i of warm) await runParseJob(i);
  const sides = ['thread', 'main', 'pool', 'pool1', 'halves'] as const;
  const times: Record<(typeof sides)[number], number[]> = { thread: [], main: [], pool: [], pool1: [], halves: [] };
  // The process's CPU time per side (every other side is idle meanwhile): on a loaded machine the wall
  // ratio falls, and these say how much of the pool's work is its own overhead.
  const cpu: Record<(typeof sides)[number], number[]> = { thread: [], main: [], pool: [], pool1: [], halves: [] };
  // The pool's main thread: the time it is busy (receiving results, sending jobs) is taken from the workers.
  const poolMainBusy: number[] = [];
  try {
    await Promise.all([thread.run(warm), second.run(warm)]);
    for (const pool of pools) await parseAll(pool, warm);
    // Same files on every side; the order of the sides rotates every round so load changes on a
    // shared machine hit all sides. Results are dropped as they come on every side, so none keeps
    // 20 MB of results alive.
    for (let round = 0; round < POOL_ROUNDS; round++) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(round + k) % sides.length]!;
        // The main-thread side leaves the garbage of 589 analyses in this thread's heap; collected
        // during the next side it would take a core from the pool's workers (not from the one
        // thread, which has the other core to spare). Every side starts from a collected heap.
        collectGarbage();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        if (side === 'thread') times.thread.push(await thread.run(inputs));
        else if (side === 'halves') {
          await Promise.all([thread.run(halves[0]), second.run(halves[1])]);
          times.halves.push(performance.now() - t0);
        } else if (side === 'main') {
          for (const i of inputs) await runParseJob(i);
          times.main.push(performance.now() - t0);
        } else {
          const pool = pools[side === 'pool' ? 0 : 1]!;
          const busy0 = performance.eventLoopUtilization();
          await Promise.all(inputs.map((i) => pool.parse(i).then(() => undefined)));
          times[side].push(performance.now() - t0);
          if (side === 'pool') poolMainBusy.push(performance.eventLoopUtilization(busy0).active);
        }
        const c = process.cpuUsage(c0);
        cpu[side].push((c.user + c.system) / 1000);
      }
    }
  } finally {
    await Promise.all([...pools.map((p) => p.close()), thread.close(), second.close()]);
  }
  const mb = total / 1e6;
  // Per round, so each ratio compares runs made under the same machine load.
  const speedups = (base: number[], ts: number[]): number[] => ts.map((t, i) => base[i]! / t);
  const spread = (xs: number[]): string => `${r2(Math.min(...xs))}–${r2(Math.max(...xs))}`;
  const two = speedups(times.thread, times.pool);
  const overMain = speedups(times.main, times.pool);
  const one = speedups(times.thread, times.pool1);
  const ceiling = speedups(times.thread, times.halves);
  const ofCeiling = speedups(times.halves, times.pool);
  metrics.push({ name: 'parse+analyse throughput, one thread (pool worker heap settings)', value: r2(mb / (median(times.thread) / 1000)), unit: 'MB/s' });
  metrics.push({ name: 'parse+analyse throughput, main thread (server heap settings)', value: r2(mb / (median(times.main) / 1000)), unit: 'MB/s' });
  metrics.push({ name: `parse+analyse throughput, pool of ${availableParallelism()}`, value: r2(mb / (median(times.pool) / 1000)), unit: 'MB/s' });
  metrics.push({
    name: 'pool speed-up over one thread', value: r2(median(two)), unit: '×',
    target: { op: '>=', value: 1.7 },
    note: `median of ${POOL_ROUNDS} rounds, spread ${spread(two)}; one thread = a thread with the pool workers' heap settings running the same jobs back to back; ` +
      `process CPU per pass: one thread ${Math.round(median(cpu.thread))} ms, pool ${Math.round(median(cpu.pool))} ms, of which the pool's main thread busy ${Math.round(median(poolMainBusy))} ms ` +
      `(both include V8's GC helper threads, which run beside the one thread on the other core; on 2 free cores the pool's wall ≥ its CPU / 2); ` +
      `${inputs.length} files, ${r2(mb)} MB, ${availableParallelism()} cores, ` +
      `load average ${loadavg()[0]!.toFixed(1)} at the end (cores shared with other work lower this)`,
  });
  metrics.push({
    name: 'two threads, half the files each, over one thread (the ceiling on these cores)', value: r2(median(ceiling)), unit: '×',
    note: `spread ${spread(ceiling)}; every other file to each of two threads started like a pool worker, nothing exchanged per file; ` +
      `process CPU per pass ${Math.round(median(cpu.halves))} ms; the pool reaches ${Math.round(100 * median(ofCeiling))}% of it (per round, median)`,
  });
  metrics.push({
    name: 'pool speed-up over the main thread', value: r2(median(overMain)), unit: '×',
    note: `spread ${spread(overMain)}; the same loop on the main thread, whose young generation is kept small (v8Heap.ts): what the server would do without workers`,
  });
  metrics.push({
    name: 'pool speed-up over one thread, one job in flight per worker (before)', value: r2(median(one)), unit: '×',
    note: `spread ${spread(one)}; the pool's default sends each worker its next job before the result of the current one arrives`,
  });
}

async function tierSection(files: File[], metrics: Metric[], tables: Table[]): Promise<void> {
  const classes = [
    { name: '≤10 KB', max: 10 << 10, min: 1 << 10 },
    { name: '≤100 KB', max: 100 << 10, min: 10 << 10 },
    { name: '≤1 MB', max: 1 << 20, min: 100 << 10 },
  ];
  const rows: (string | number)[][] = [];
  const enc = new TextEncoder();
  for (const tier of ['warm', 'cold'] as const) {
    for (const c of classes) {
      const picked = files.filter((f) => f.bytes > c.min && f.bytes <= c.max).slice(0, c.max > 100 << 10 ? 6 : 20);
      if (picked.length === 0) continue;
      const cache = await createSourceCache(tier === 'cold' ? { warmBytes: 0 } : {});
      const ledger = new TreeLedger();
      const hot = new HotTier({ budgetBytes: 0, warm: sourceCacheWarmSide(cache, (k) => detectLanguage(k)?.name), ledger, journalStats: new JournalStats() });
      const promote: number[] = [];
      const overhead: number[] = [];
      for (const f of picked) {
        const text = readFileSync(f.path, 'utf8');
        cache.put(f.path, enc.encode(text));
        const parser = await parserFor(f.lang);
        for (let rep = 0; rep < 3; rep++) {
          if (cache.tier(f.path) !== tier) throw new Error(`entry is ${cache.tier(f.path)}, expected ${tier}`);
          let t0 = performance.now();
          await hot.withTree(f.path, (t) => t.rootNode.childCount); // budget 0: demoted right after
          const p = performance.now() - t0;
          t0 = performance.now();
          const t = ledger.parse(parser, text, f.lang);
          estimateTreeBytes(t);
          const full = performance.now() - t0;
          t.release();
          promote.push(p);
          overhead.push(p - full);
        }
      }
      rows.push([tier, c.name, picked.length, r2(pct(promote, 50)), r2(pct(promote, 99)), r2(pct(overhead, 50)), r2(pct(overhead, 99))]);
      if (c.name === '≤100 KB') {
        metrics.push({
          name: `${tier}→hot minus full parse, ≤100 KB, p50`, value: r2(pct(overhead, 50)), unit: 'ms',
          target: { op: '<=', value: tier === 'warm' ? 1 : 3 },
          note: 'read + verify + decode from the SourceCache, then a full parse (no base tree alive)',
        });
      }
      if (ledger.counts().live !== 0) throw new Error('trees leaked');
    }
  }
  tables.push({ title: 'Rebuild latency to a hot tree (ms), by tier and size class', columns: ['tier', 'size', 'files', 'p50', 'p99', 'overhead over full parse p50', 'overhead p99'], rows });
}

export async function syntaxSection(corpus: CorpusManifest): Promise<BenchSection> {
  const files = scan(corpus);
  const metrics: Metric[] = [];
  const tables: Table[] = [];
  const big = files.filter((f) => f.bytes >= 100_000).sort((a, b) => a.bytes - b.bytes);
  // up to four big files spread over the sizes found
  const bigPicked = big.length <= 4 ? big : [0, 1, 2, 3].map((i) => big[Math.floor((i * (big.length - 1)) / 3)]!);
  // STRATA_BENCH_SYNTAX=replay,pool,tiers picks parts (default: all), to re-measure one alone.
  const parts = new Set((process.env.STRATA_BENCH_SYNTAX ?? 'replay,pool,tiers').split(','));
  if (parts.has('replay')) await replaySection(bigPicked, metrics, tables);
  if (parts.has('pool')) await poolSection(files, metrics);
  if (parts.has('tiers')) await tierSection(files, metrics, tables);
  return { id: 'syntax', title: 'Syntax: journal replay, parser pool, tier rebuilds', metrics, tables };
}
