/**
 * Benchmark script (not a test): workspace/symbol search on a synthetic index of 1 000 000 symbols
 * with ≈ 970 000 distinct names, as measured for the search work. Run after `npx tsc -p .`:
 *
 *   node dist/test/index/searchBench.js [--runs N] [--save FILE] [--compare FILE]
 *
 * Prints build time, index bytes and, per query, the p50 and min wall time of `search(query, 100)`
 * and the p50 of the process CPU time it took (steadier than wall time on a shared machine).
 * `--save` writes every query's results (name, path, score) to FILE; `--compare` checks the results
 * equal a saved file, so a faster search can be shown to answer exactly as the old one did.
 * Under `node --test` (which runs every .js below test/) it does nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SymbolIndex } from '../../server/src/index/symbolIndex.js';
import type { SymbolKind, SyntaxSymbol } from '../../server/src/syntax/types.js';

const WORDS = ('get set source cache entry tree node parse chunk store file index read write range root ' +
  'scan token symbol name path map list item value key buffer stream reader writer handler manager ' +
  'config option result error state context request response server client worker thread queue ' +
  'task job event emit listen register resolve load save open close update delete create build ' +
  'compile check validate format render draw layout style theme color size width height offset ' +
  'position line column text string number count total limit max min first last next prev child ' +
  'parent scope module package import export type kind mode flag bit byte hash crc slab pack block ' +
  'zone graph edge vertex query match filter sort search find lookup fetch push pop peek clear reset').split(' ');

function main(): void {
  if (process.env.NODE_TEST_CONTEXT) return;
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 15);
  let seed = 20240611;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);
  const makeName = (): string => {
    const parts = 1 + rnd(3) + rnd(3);
    const ws: string[] = [];
    for (let i = 0; i < parts; i++) ws.push(WORDS[rnd(WORDS.length)]!);
    const style = rnd(10);
    let s: string;
    if (style < 5) s = ws[0]! + ws.slice(1).map(cap).join('');
    else if (style < 8) s = ws.map(cap).join('');
    else if (style < 9) s = ws.join('_');
    else s = ws.join('_').toUpperCase();
    if (rnd(3) !== 0) s += String(rnd(100000));
    return s;
  };

  const t0 = performance.now();
  const index = new SymbolIndex({ initialSymbols: 1_000_000 });
  const files = 1000, perFile = 1000;
  for (let f = 0; f < files; f++) {
    const list: SyntaxSymbol[] = [];
    for (let i = 0; i < perFile; i++) {
      const name = f === 500 && i === 0 ? 'getSourceCache' : makeName();
      list.push({ name, kind: (5 + (i % 8)) as SymbolKind, span: [i, 0, i + 3, 1], nameSpan: [i, 4, i, 4 + name.length] });
    }
    index.replaceFile(`/workspace/pkg${f % 37}/src/module${f}.ts`, list);
  }
  index.trim();
  const st = index.stats();
  console.log(`built ${st.symbols} symbols, ${st.names} distinct names, ${st.files} files in ${(performance.now() - t0).toFixed(0)} ms; ${(index.byteSize() / 1e6).toFixed(1)} MB`);

  const queries = ['getSourceCache', 'x', 'zzz', 'tree', 'gSC', 'src', 'sc', 'gsc', 'rc', 'q', 'fileIdx', 'ReadB'];
  const results: Record<string, string[]> = {};
  for (const q of queries) {
    const times: number[] = [];
    const cpu: number[] = [];
    let out = index.search(q, 100);
    for (let r = 0; r < runs; r++) {
      const c = process.cpuUsage();
      const s = performance.now();
      out = index.search(q, 100);
      times.push(performance.now() - s);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    results[q] = out.map((m) => `${m.name} ${m.path} ${m.nameSpan[0]} ${m.score}`);
    console.log(`${JSON.stringify(q).padEnd(17)} p50 ${times[times.length >> 1]!.toFixed(2).padStart(7)} ms   min ${times[0]!.toFixed(2).padStart(7)} ms   cpu p50 ${cpu[cpu.length >> 1]!.toFixed(2).padStart(7)} ms   results ${out.length}`);
  }
  const save = arg('--save');
  if (save) writeFileSync(save, JSON.stringify(results));
  const compare = arg('--compare');
  if (compare) {
    const old = JSON.parse(readFileSync(compare, 'utf8')) as Record<string, string[]>;
    let same = true;
    for (const q of queries) {
      if (JSON.stringify(old[q]) !== JSON.stringify(results[q])) { same = false; console.log(`DIFFERENT results for ${JSON.stringify(q)}`); }
    }
    console.log(same ? 'results identical to the saved run' : 'results DIFFER from the saved run');
    if (!same) process.exitCode = 1;
  }
}

main();
