/**
 * workspace/symbol's name search, side by side in one process: the scan it replaced
 * (test/index/support/scanSearch.ts) and the search structure (server/src/index/nameSearch.ts), over
 * the same NameTable of kernel-like names (kernelNames.ts, fixed seed) and the same queries, lengths
 * 1..10 in turn, with the server's limit and both with the same subsequence budget (nameSearch.ts). Used by the `lsp` section; alone:
 *
 *   node dist/test/bench/symbolSearch.js [--names N] [--queries Q] [--limit K]
 *
 * Procedure: names interned, the scan's summary columns and the structure built (timed, not part of
 * a query); one round comparing every query's answers (ids, order, scores), which also warms up; then
 * three rounds, the two searches alternating per query, a query's latency the median of its three,
 * in wall time and in the process's CPU time (steadier on a shared machine).
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { NameSearch } from '../../server/src/index/nameSearch.js';
import { WORKSPACE_SYMBOL_LIMIT } from '../../server/src/lsp/handlers/symbols.js';
import { NameTable } from '../../server/src/index/nameTable.js';
import { scanColumns, scanSearchNames } from '../index/support/scanSearch.js';
import { kernelNames, kernelQueries } from './kernelNames.js';
import { percentile } from './lspMeasure.js';

export interface Latencies { p50: number; p99: number; max: number }

export interface NameSearchComparison {
  names: number;
  queries: number;
  limit: number;
  /** Building the structure over every name at once (NameSearch.rebuild). */
  buildMs: number;
  /** Its bytes per name, built tight and as it grows name by name. */
  bytesPerName: number;
  bytesPerNameGrown: number;
  /** Wall time. */
  scan: Latencies;
  search: Latencies;
  /** Process CPU time. */
  scanCpu: Latencies;
  searchCpu: Latencies;
  /** Per query length 1..10. */
  byLength: { length: number; queries: number; scan: Latencies; search: Latencies }[];
  /** Queries whose answers differ (must be none). */
  differing: string[];
}

function latencies(ms: number[]): Latencies {
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms) };
}

const median3 = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));

export function compareNameSearch(opts: { names: number; queries: number; limit?: number; log?: (line: string) => void }): NameSearchComparison {
  const limit = opts.limit ?? WORKSPACE_SYMBOL_LIMIT;
  const log = opts.log ?? (() => {});
  const table = new NameTable(1024, 16384);
  const queries = (() => {
    const names = kernelNames(opts.names, 1);
    for (const n of names) table.intern(n);
    return kernelQueries(names, opts.queries, 2);
  })();
  const grown = new NameSearch(table);
  grown.sync();
  const bytesPerNameGrown = grown.byteSize() / table.count;
  const search = new NameSearch(table);
  const t0 = performance.now();
  search.rebuild(true);
  const buildMs = performance.now() - t0;
  const cols = scanColumns(table);
  log(`name search: ${table.count} names, structure built in ${buildMs.toFixed(0)} ms, ${(search.byteSize() / table.count).toFixed(1)} B per name`);

  const differing: string[] = [];
  for (const q of queries) {
    const a = scanSearchNames(table, cols, q, limit);
    const b = search.search(q, limit);
    if (JSON.stringify(a) !== JSON.stringify(b)) differing.push(q);
  }
  const runs = queries.map(() => ({ scan: [] as number[], search: [] as number[], scanCpu: [] as number[], searchCpu: [] as number[] }));
  const timed = (f: () => void, wall: number[], cpu: number[]) => {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  };
  for (let round = 0; round < 3; round++) {
    queries.forEach((q, i) => {
      const r = runs[i]!;
      timed(() => scanSearchNames(table, cols, q, limit), r.scan, r.scanCpu);
      timed(() => search.search(q, limit), r.search, r.searchCpu);
    });
  }
  const med = (xs: number[]) => median3(xs[0]!, xs[1]!, xs[2]!);
  const scanMs = runs.map((r) => med(r.scan));
  const searchMs = runs.map((r) => med(r.search));
  const byLength = Array.from({ length: 10 }, (_, k) => {
    const at = queries.flatMap((q, i) => (q.length === k + 1 ? [i] : []));
    return { length: k + 1, queries: at.length, scan: latencies(at.map((i) => scanMs[i]!)), search: latencies(at.map((i) => searchMs[i]!)) };
  }).filter((r) => r.queries > 0);
  return {
    names: table.count, queries: queries.length, limit, buildMs, bytesPerName: search.byteSize() / table.count, bytesPerNameGrown,
    scan: latencies(scanMs), search: latencies(searchMs),
    scanCpu: latencies(runs.map((r) => med(r.scanCpu))), searchCpu: latencies(runs.map((r) => med(r.searchCpu))),
    byLength, differing,
  };
}

function main(): void {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const c = compareNameSearch({ names: arg('--names', 1_500_000), queries: arg('--queries', 200), limit: arg('--limit', WORKSPACE_SYMBOL_LIMIT), log: console.log });
  const f = (x: number) => x.toFixed(2).padStart(8);
  console.log(`${c.queries} queries, limit ${c.limit}; ${c.bytesPerName.toFixed(1)} B per name (${c.bytesPerNameGrown.toFixed(1)} B grown)`);
  console.log('length  queries  scan p50  scan p99    new p50   new p99   p50 new/old');
  for (const r of c.byLength) {
    console.log(`${String(r.length).padStart(6)} ${String(r.queries).padStart(8)} ${f(r.scan.p50)}  ${f(r.scan.p99)}  ${f(r.search.p50)}  ${f(r.search.p99)}  ${f(r.search.p50 / r.scan.p50)}`);
  }
  console.log(`   all ${String(c.queries).padStart(8)} ${f(c.scan.p50)}  ${f(c.scan.p99)}  ${f(c.search.p50)}  ${f(c.search.p99)}  ${f(c.search.p50 / c.scan.p50)}`);
  console.log(`p99 new/old ${(c.search.p99 / c.scan.p99).toFixed(2)}; max scan ${c.scan.max.toFixed(1)} ms, new ${c.search.max.toFixed(1)} ms`);
  console.log(`CPU time: scan p50 ${c.scanCpu.p50.toFixed(2)} p99 ${c.scanCpu.p99.toFixed(2)} ms, new p50 ${c.searchCpu.p50.toFixed(2)} p99 ${c.searchCpu.p99.toFixed(2)} ms`);
  console.log(c.differing.length === 0 ? 'answers identical for every query' : `answers DIFFER for ${JSON.stringify(c.differing)}`);
  if (c.differing.length > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
