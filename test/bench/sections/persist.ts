/**
 * Bench section `persist`: the persistent cache (issue #5), on the Go corpus of the lsp section
 * (cmd, runtime and net of the Go 1.19 sources, ≥ 30 MB of Go; `net` alone with --small), gathered
 * into one folder of hard links (`cp -al`: no bytes copied, same sizes and mtimes).
 *
 * Side by side in one run, each process with its own XDG_CACHE_HOME (never ~/.cache):
 * 1. cold index: `strata index DIR --json` with an empty cache folder (wall time, its stats: files,
 *    raw bytes, peak RSS, the snapshot it wrote);
 * 2. the snapshot's size on disk vs the raw bytes indexed;
 * 3. warm start: the server over stdio on DIR with that cache, from spawn to `$/progress` end (all
 *    symbols loaded), and a cold server (empty cache) the same way; workspace/symbol answers of the
 *    warm server must equal the cold server's for a seeded query set;
 * 4. a warm `strata index` (the same command again: loads, reconciles, writes nothing);
 * 5. peak RSS of a cold `strata index --json` on the corpus and on a tree 10× as large (ten hard-link
 *    copies of it; identical content, so the snapshot's packs deduplicate it, but every file is
 *    scanned, read, parsed and written, and the snapshot holds ten times the records — the run keeps
 *    none of them in memory, index/headlessIndex.ts);
 * 6. one file changed: the bytes and time of the save a server makes now (a delta beside the base)
 *    and of the whole rewrite every save made before (a new base), same store, same run
 *    (../persistSave.ts).
 * Targets (issue #5): warm start ≤ 20% of the cold index time; snapshot ≤ 30% of raw bytes; peak RSS
 * on 10× within 10% of 1×. Issue #16: a one-file save writes ≤ 1 MB.
 * Run alone: `node dist/test/bench/run.js --only persist` (add --small for a quick run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchSection, Chart, CorpusManifest, Metric, Table } from '../types.js';
import type { SectionContext } from '../run.js';
import { buildQuerySet } from '../lspMeasure.js';
import { goNames } from './lsp.js';
import { LspClient } from '../../support/lspClient.js';
import { WORKSPACE_SYMBOL_LIMIT } from '../../../server/src/lsp/handlers/symbols.js';
import { perFileBytes } from '../../index/support/memoryBound.js';
import { measureOneFileSave } from '../persistSave.js';
import { SERVER_ENV } from '../../../server/src/protocol.js';

const MB = 2 ** 20;

/** Names defined in a JavaScript/TypeScript file (queries when the corpus has no Go: the small plan). */
function jsNames(text: string): string[] {
  return [...text.matchAll(/^\s*(?:export\s+)?(?:async\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]!);
}

/** The Go folders the lsp section uses (`net` alone for --small); without Go (small plan), the largest set. */
function corpusFolders(corpus: CorpusManifest, small: boolean): { dirs: string[]; names: (t: string) => string[]; ext: RegExp } | undefined {
  const dirs = goFolders(corpus, small);
  if (dirs) return { dirs, names: goNames, ext: /\.go$/ };
  const largest = [...corpus.sets].filter((s) => !s.derivedFrom).sort((a, b) => b.bytes - a.bytes)[0];
  return small && largest ? { dirs: [largest.dir], names: jsNames, ext: /\.[jt]sx?$/ } : undefined;
}

function goFolders(corpus: CorpusManifest, small: boolean): string[] | undefined {
  const go = corpus.sets.find((s) => s.id.startsWith('debian/golang'));
  if (!go) return undefined;
  const src = join(go.dir, 'usr', 'share', `go-${go.id.replace(/^debian\/golang-([\d.]+)-src$/, '$1')}`, 'src');
  const dirs = (small ? ['net'] : ['cmd', 'runtime', 'net']).map((p) => join(src, p));
  return dirs.every((d) => existsSync(d)) ? dirs : undefined;
}

function hardLinkCopy(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  const r = spawnSync('cp', ['-al', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -al ${from} ${to}: ${r.stderr || r.error?.message}`);
}

function findSnapshot(dir: string): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { const f = findSnapshot(p); if (f) return f; } else if (e.name === 'snapshot.strata') return p;
  }
  return undefined;
}

interface CliRun { ms: number; stats: any }

/** `strata index DIR --json` in a child process with XDG_CACHE_HOME=`cache`. */
export function strataIndex(root: string, dir: string, cache: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin', 'strata.js'), 'index', dir, '--json'], {
      env: { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: cache }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`strata index ${dir}: exit ${code}: ${err.slice(-2000)}`));
      try { resolve({ ms, stats: JSON.parse(out) }); } catch (e) { reject(new Error(`strata index ${dir}: stdout is not one JSON object: ${String(e)}`)); }
    });
  });
}

/**
 * Compares two servers' workspace/symbol answers. Ties (equal scores) are ordered by the order names
 * entered the index, which depends on which worker finished first: it differs between any two cold
 * runs too. So answers must be identical as sets; answers cut at the result limit must have the same
 * length (which of the equally scored names at the cut make it is the same tie order).
 */
export function compareAnswers(queries: string[], a: unknown[], b: unknown[]): { identical: number; sameSet: number; truncated: number; differing: string[] } {
  const key = (hits: unknown) => ((hits as unknown[]) ?? []).map((h) => JSON.stringify(h)).sort();
  const out = { identical: 0, sameSet: 0, truncated: 0, differing: [] as string[] };
  queries.forEach((q, i) => {
    const x = (a[i] ?? []) as unknown[];
    const y = (b[i] ?? []) as unknown[];
    if (JSON.stringify(x) === JSON.stringify(y)) out.identical++;
    else if (JSON.stringify(key(x)) === JSON.stringify(key(y))) out.sameSet++;
    else if (x.length === y.length && x.length >= WORKSPACE_SYMBOL_LIMIT) out.truncated++;
    else out.differing.push(q);
  });
  return out;
}

interface ServerRun { readyMs: number; stats: any; answers: unknown[] }

/** The server over stdio: spawn → initialize → `$/progress` end; then the queries' answers and its stats. */
export async function serverStart(root: string, dir: string, cache: string, queries: string[]): Promise<ServerRun> {
  const t0 = performance.now();
  const client = new LspClient({
    command: process.execPath, args: [join(root, 'bin', 'strata.js'), '--stdio'], env: { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: cache },
    requestTimeoutMs: 600_000, stderr: 'capture',
  });
  try {
    await client.initialize({
      processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'corpus' }],
      capabilities: { window: { workDoneProgress: true }, workspace: { symbol: {} } }, initializationOptions: {},
    }, 600_000);
    await client.waitForNotification((n) => n.method === '$/progress' && (n.params as any)?.value?.kind === 'end', 1_200_000, { includePast: true });
    const readyMs = performance.now() - t0;
    const answers: unknown[] = [];
    for (const q of queries) answers.push((await client.request('workspace/symbol', { query: q })) ?? []);
    const stats = await client.request('strata/stats');
    return { readyMs, stats, answers };
  } finally {
    await client.close(120_000);
  }
}

export async function persistSection(corpus: CorpusManifest, ctx: SectionContext): Promise<BenchSection> {
  const picked = corpusFolders(corpus, ctx.small);
  if (!picked) throw new Error('the corpus has no Go sources (debian/golang-*-src)');
  const folders = picked.dirs;
  const work = mkdtempSync(join(tmpdir(), 'strata-bench-persist-'));
  const caches = (name: string) => { const d = join(work, 'xdg', name); mkdirSync(d, { recursive: true }); return d; };
  try {
    // The corpus as one folder, and ten copies of it, all hard links.
    const one = join(work, 'one', 'corpus');
    for (const f of folders) hardLinkCopy(f, one);
    const ten = join(work, 'ten');
    for (let i = 0; i < 10; i++) hardLinkCopy(one, join(ten, `copy${i}`));
    const qs = await buildQuerySet(one, { names: picked.names, filter: (p) => picked.ext.test(p), queries: 40, documents: 0, seed: 5 });

    // 1. cold index with an empty cache, which it fills.
    const warmCache = caches('cli');
    const cold = await strataIndex(ctx.root, one, warmCache);
    const raw = Number(cold.stats.bytes);
    ctx.log(`persist: cold strata index: ${cold.stats.files} files, ${(raw / MB).toFixed(1)} MB in ${(cold.ms / 1000).toFixed(1)} s (index ${(cold.stats.elapsedMs / 1000).toFixed(1)} s, save ${(cold.stats.persist.lastSaveMs / 1000).toFixed(1)} s), peak RSS ${(cold.stats.peakRssBytes / MB).toFixed(0)} MB`);
    // 2. the snapshot on disk.
    const snapshot = findSnapshot(warmCache);
    if (!snapshot) throw new Error(`no snapshot written under ${warmCache}`);
    // The store: its manifest (`snapshot`), base and deltas (index/snapshot/store.ts).
    const snapshotBytes = Number(cold.stats.persist.storeBytes ?? statSync(snapshot).size);
    ctx.log(`persist: snapshot ${(snapshotBytes / MB).toFixed(1)} MB for ${(raw / MB).toFixed(1)} MB raw`);
    // 3. the server: cold (empty cache) and warm (the CLI's cache), same queries.
    const coldServer = await serverStart(ctx.root, one, caches('server-cold'), qs.queries);
    ctx.log(`persist: cold server ready in ${(coldServer.readyMs / 1000).toFixed(1)} s`);
    const warm = await serverStart(ctx.root, one, warmCache, qs.queries);
    const cmp = compareAnswers(qs.queries, coldServer.answers, warm.answers);
    const same = cmp.differing.length === 0;
    const differing = cmp.differing;
    ctx.log(`persist: warm server ready in ${(warm.readyMs / 1000).toFixed(2)} s (${warm.stats.persist.keptFiles} of ${warm.stats.files} files kept, ${warm.stats.trees.created} trees made); workspace/symbol ${same ? 'identical' : `DIFFERS for ${differing.join(', ')}`}`);
    // 4. strata index again on the warm cache.
    const warmCli = await strataIndex(ctx.root, one, warmCache);
    // 5. peak RSS on 1× (the cold run above) and 10×.
    const tenRun = await strataIndex(ctx.root, ten, caches('cli-10x'));
    ctx.log(`persist: 10× strata index: ${tenRun.stats.files} files, ${(tenRun.stats.bytes / MB).toFixed(0)} MB in ${(tenRun.ms / 1000).toFixed(1)} s, peak RSS ${(tenRun.stats.peakRssBytes / MB).toFixed(0)} MB`);
    // 6. one file changed in the warm store: the delta save, then the whole rewrite (it changes `one`: last).
    const oneSave = await measureOneFileSave(one, snapshot);
    ctx.log(`persist: one file changed (${oneSave.changedBytes} B): delta save ${oneSave.deltaBytes} B in ${oneSave.deltaMs.toFixed(0)} ms, whole rewrite ${(oneSave.fullBytes / MB).toFixed(1)} MB in ${(oneSave.fullMs / 1000).toFixed(1)} s`);

    const rss1 = Number(cold.stats.peakRssBytes);
    const goFileBytes = perFileBytes({ symbols: 66, pathUnits: 65 });
    const rss10 = Number(tenRun.stats.peakRssBytes);
    const metrics: Metric[] = [
      { name: 'Corpus (1×)', value: raw / MB, unit: 'MB', note: `${cold.stats.files} files indexed from ${folders.map((f) => f.split('/').slice(-2).join('/')).join(', ')}` },
      { name: 'Cold index: strata index, empty cache', value: cold.ms / 1000, unit: 's', note: `wall time of the command, saving included (index ${(cold.stats.elapsedMs / 1000).toFixed(1)} s, save ${(cold.stats.persist.lastSaveMs / 1000).toFixed(1)} s)` },
      { name: 'Warm start: server ready with all symbols', value: warm.readyMs / 1000, unit: 's', note: `spawn → $/progress end; ${warm.stats.persist.keptFiles} of ${warm.stats.files} files from the snapshot, ${warm.stats.trees.created} trees made` },
      { name: 'Warm start / cold index', value: warm.readyMs / cold.ms, unit: 'ratio', target: { op: '<=', value: 0.2 } },
      { name: 'Cold start of the same server (empty cache)', value: coldServer.readyMs / 1000, unit: 's', note: `warm / cold server start = ${(warm.readyMs / coldServer.readyMs).toFixed(3)}` },
      { name: 'workspace/symbol: warm answers = cold answers', value: same ? 1 : 0, unit: 'bool', target: { op: '>=', value: 1 },
        note: `${qs.queries.length} queries: ${cmp.identical} identical in order, ${cmp.sameSet} the same hits in another order among equal scores, ${cmp.truncated} cut at the result limit (same count; which of the equally scored names make the cut follows indexing order, as between two cold runs)${same ? '' : `; DIFFER: ${differing.slice(0, 5).join(', ')}`}` },
      { name: 'Snapshot on disk / raw bytes', value: snapshotBytes / raw, unit: 'ratio', target: { op: '<=', value: 0.3 }, note: `${(snapshotBytes / MB).toFixed(1)} MB for ${(raw / MB).toFixed(1)} MB raw (texts, symbols, identifier filters)` },
      { name: 'Warm strata index (same command again)', value: warmCli.ms / 1000, unit: 's', note: `${warmCli.stats.persist.keptFiles} files kept, ${warmCli.stats.persist.reindexedFiles} indexed, ${warmCli.stats.persist.saves} saves` },
      { name: 'Peak RSS, strata index 1×', value: rss1 / MB, unit: 'MB' },
      { name: 'Peak RSS, strata index 10× (hard-link copies)', value: rss10 / MB, unit: 'MB', note: `${tenRun.stats.files} files, ${(tenRun.stats.bytes / MB).toFixed(0)} MB raw, ${(tenRun.ms / 1000).toFixed(0)} s` },
      { name: 'Peak RSS 10× / 1×', value: rss10 / rss1, unit: 'ratio', target: { op: '<=', value: 1.1 } },
      { name: 'One-file save: bytes written (delta)', value: oneSave.deltaBytes / 1024, unit: 'KB', target: { op: '<=', value: 1024 },
        note: `one ${(oneSave.changedBytes / 1024).toFixed(1)} KB file changed among ${oneSave.files}; the store held ${(oneSave.storeBytes / MB).toFixed(1)} MB` },
      { name: 'One-file save: bytes written (whole rewrite, every save before)', value: oneSave.fullBytes / MB, unit: 'MB',
        note: `the same index written as a new base: what a compaction costs (delta / whole = ${(oneSave.deltaBytes / oneSave.fullBytes).toFixed(5)})` },
      { name: 'One-file save: time (delta)', value: oneSave.deltaMs, unit: 'ms' },
      { name: 'One-file save: time (whole rewrite)', value: oneSave.fullMs, unit: 'ms', note: `the index loaded from the store in ${(oneSave.loadMs / 1000).toFixed(1)} s first` },
      // `strata index` keeps nothing per file (index/headlessIndex.ts); the server would keep the
      // stated per-file cost (index/memoryBound.ts), given beside it for scale.
      { name: 'Peak RSS growth per added file (10× − 1×)', value: (rss10 - rss1) / Math.max(1, tenRun.stats.files - cold.stats.files) / 1024, unit: 'KB',
        note: `the server's stated per-file cost for a Go file of this corpus (66 symbols, 65 path units: perFileBytes) is ${(goFileBytes / 1024).toFixed(1)} KB` },
    ];
    const tables: Table[] = [{
      title: 'Persistent cache: runs side by side (each with its own XDG_CACHE_HOME)',
      columns: ['run', 'cache', 'files', 'raw MB', 'time s', 'peak RSS MB', 'kept from snapshot', 'indexed', 'snapshot written MB'],
      rows: [
        ['strata index 1×', 'empty', cold.stats.files, raw / MB, cold.ms / 1000, rss1 / MB, cold.stats.persist.keptFiles, cold.stats.persist.reindexedFiles, cold.stats.persist.lastSaveBytes / MB],
        ['server 1× (to $/progress end)', 'empty', coldServer.stats.files, coldServer.stats.bytes / MB, coldServer.readyMs / 1000, coldServer.stats.peakRssBytes / MB, coldServer.stats.persist.keptFiles, coldServer.stats.persist.reindexedFiles, coldServer.stats.persist.lastSaveBytes / MB],
        ['server 1× (to $/progress end)', 'warm', warm.stats.files, warm.stats.bytes / MB, warm.readyMs / 1000, warm.stats.peakRssBytes / MB, warm.stats.persist.keptFiles, warm.stats.persist.reindexedFiles, warm.stats.persist.lastSaveBytes / MB],
        ['strata index 1×', 'warm', warmCli.stats.files, warmCli.stats.bytes / MB, warmCli.ms / 1000, warmCli.stats.peakRssBytes / MB, warmCli.stats.persist.keptFiles, warmCli.stats.persist.reindexedFiles, warmCli.stats.persist.lastSaveBytes / MB],
        ['strata index 10×', 'empty', tenRun.stats.files, tenRun.stats.bytes / MB, tenRun.ms / 1000, rss10 / MB, tenRun.stats.persist.keptFiles, tenRun.stats.persist.reindexedFiles, tenRun.stats.persist.lastSaveBytes / MB],
      ],
    }, {
      title: 'One file changed: what a save writes (the same store, one after the other)',
      columns: ['save', 'bytes written', 'time ms'],
      rows: [
        ['delta (now)', oneSave.deltaBytes, oneSave.deltaMs],
        ['whole rewrite (before; a compaction now)', oneSave.fullBytes, oneSave.fullMs],
      ],
    }];
    const charts: Chart[] = [{
      title: 'Cold index vs warm start (s)', unit: 's', kind: 'bar',
      series: [{ name: 'time', points: [
        { x: 'strata index, empty cache', y: cold.ms / 1000 }, { x: 'server, empty cache', y: coldServer.readyMs / 1000 },
        { x: 'server, warm', y: warm.readyMs / 1000 }, { x: 'strata index, warm', y: warmCli.ms / 1000 },
      ] }],
    }];
    return { id: 'persist', title: 'Persistent cache: cold index vs warm start, snapshot size, peak RSS vs corpus size', metrics, tables, charts };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
