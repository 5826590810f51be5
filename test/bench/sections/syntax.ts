/**
 * Benchmark section for the syntax layer (server/src/syntax): journal replay vs full parse on
 * files ≥ 100 KB, parse throughput of the worker pool vs one thread, and rebuild latency from the
 * warm and cold tiers of the real SourceCache to a hot tree, by size class.
 * Edits are typing-like: short insertions and deletions of code fragments at up to five places
 * (deterministic PRNG), the journal's real use. Timings are medians of repetitions; the section
 * caps the bytes it reads so it stays within about a minute on 2 cores.
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

const TYPED = ['a', 'x1', 'foo', ' ', ';', '(', ')', 'bar()', '\n', 'const y = 2;\n', ''];

/** n typing-like edits at up to five places of `text`. */
function typingJournal(text: string, n: number, seed: number): { doc: EditableText; journal: JournalEdit[] } {
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
    const ins = TYPED[Math.floor(rnd() * TYPED.length)]!;
    try {
      journal.push(doc.apply({ start: at, end, newText: ins }).journal);
      places[i % places.length] = at + ins.length;
    } catch {
      /* an edit that would split a pair: skip it */
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

async function replaySection(big: File[], metrics: Metric[], tables: Table[]): Promise<void> {
  const ledger = new TreeLedger();
  const stats = new JournalStats();
  const rows: (string | number)[][] = [];
  const ratios = new Map<number, number[]>();
  for (const f of big) {
    const text = readFileSync(f.path, 'utf8');
    const parser = await parserFor(f.lang);
    for (const n of [1, 10, 50, 256]) {
      const full: number[] = [];
      const replay: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const { doc, journal } = typingJournal(text, n, 1000 * n + rep);
        let t0 = performance.now();
        const fresh = ledger.parse(parser, doc.text, f.lang);
        full.push(performance.now() - t0);
        fresh.release();
        const base = ledger.parse(parser, text, f.lang);
        t0 = performance.now();
        const r = rebuildTree({ parser, lang: f.lang, base, edits: journal, text: doc.text }, ledger, stats);
        replay.push(performance.now() - t0);
        if (r.mode !== 'replay') throw new Error(`replay fell back: ${r.reason}`);
        r.tree.release();
      }
      const ratio = median(replay) / median(full);
      ratios.set(n, [...(ratios.get(n) ?? []), ratio]);
      rows.push([f.path.split('/').slice(-2).join('/'), f.lang, Math.round(f.bytes / 1024), n, r2(median(full)), r2(median(replay)), r2(ratio)]);
    }
  }
  tables.push({ title: 'Journal replay vs full parse (files ≥ 100 KB, medians of 3)', columns: ['file', 'lang', 'KB', 'edits', 'full parse ms', 'replay ms', 'replay/full'], rows });
  for (const [n, rs] of ratios) {
    metrics.push({
      name: `replay of ${n} edits / full parse (median over files ≥100 KB)`, value: r2(median(rs)), unit: 'ratio',
      ...(n <= 50 ? { target: { op: '<=' as const, value: 0.1 } } : {}),
      note: `worst file ${r2(Math.max(...rs))}; includes tree.edit() of every record and one incremental reparse`,
    });
  }
  if (ledger.counts().live !== 0) throw new Error('trees leaked');
}

async function poolSection(files: File[], metrics: Metric[]): Promise<void> {
  const inputs: ParseInput[] = [];
  let total = 0;
  for (const f of files) {
    if (total >= POOL_BYTES) break;
    inputs.push({ path: f.path, lang: f.lang });
    total += f.bytes;
  }
  // warm up grammars in this thread so the single-thread figure is not charged for loading them
  for (const l of new Set(inputs.map((i) => i.lang))) await parserFor(l);
  for (const l of new Set(inputs.map((i) => i.lang))) await runParseJob(inputs.find((i) => i.lang === l)!);
  let t0 = performance.now();
  for (const i of inputs) await runParseJob(i);
  const single = performance.now() - t0;
  const pool = new ParserPool();
  try {
    // start the workers and load every grammar and query in each of them before timing
    const warm: ParseInput[] = [];
    for (const l of new Set(inputs.map((i) => i.lang))) {
      const one = inputs.find((i) => i.lang === l)!;
      for (let k = 0; k < pool.size * 2; k++) warm.push(one);
    }
    await pool.parseAll(warm);
    t0 = performance.now();
    await pool.parseAll(inputs);
  } finally {
    await pool.close();
  }
  const pooled = performance.now() - t0;
  const mb = total / 1e6;
  metrics.push({ name: 'parse+analyse throughput, one thread', value: r2(mb / (single / 1000)), unit: 'MB/s' });
  metrics.push({ name: `parse+analyse throughput, pool of ${availableParallelism()}`, value: r2(mb / (pooled / 1000)), unit: 'MB/s' });
  metrics.push({
    name: 'pool speed-up over one thread', value: r2(single / pooled), unit: '×',
    target: { op: '>=', value: 1.7 },
    note: `${inputs.length} files, ${r2(mb)} MB, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end (cores shared with other work lower this)`,
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
  await replaySection(bigPicked, metrics, tables);
  await poolSection(files, metrics);
  await tierSection(files, metrics, tables);
  return { id: 'syntax', title: 'Syntax: journal replay, parser pool, tier rebuilds', metrics, tables };
}
