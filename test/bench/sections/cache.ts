/**
 * Benchmark section for the source cache (server/src/cache): chunking throughput, warm and cold
 * compress/read throughput and ratios, dedup across releases (pairs and long series, for several
 * chunk sizes so the defaults are chosen by measurement), and metadata bytes per chunk.
 * Reads the corpus from the manifest; caps the bytes it uses per set so the section stays quick.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchSection, CorpusManifest, CorpusSet, Metric, Table } from '../types.js';
import { createSourceCache, StreamingChunker, hash64, crc32, DEFAULT_CHUNKING, type ChunkingOptions } from '../../../server/src/cache/index.js';

const MAX_BYTES_PER_SET = 48 << 20;
const SOURCE = /\.(c|cc|cpp|h|hpp|js|mjs|cjs|ts|tsx|jsx|py|go|rs|java|json|sh|bash|md|txt)$/i;

interface File {
  rel: string;
  bytes: Uint8Array;
}

function loadSet(set: CorpusSet): File[] {
  const out: File[] = [];
  let total = 0;
  const walk = (dir: string) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch {
      return;
    }
    for (const d of names) {
      if (total >= MAX_BYTES_PER_SET) return;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile() && SOURCE.test(d.name)) {
        const bytes = new Uint8Array(fs.readFileSync(p));
        total += bytes.length;
        out.push({ rel: path.relative(set.dir, p), bytes });
      }
    }
  };
  walk(set.dir);
  return out;
}

const sum = (files: File[]) => files.reduce((n, f) => n + f.bytes.length, 0);
const mbps = (bytes: number, ms: number) => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function timeIt(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function chunkingThroughput(files: File[]): number {
  const id = { hi: 0, lo: 0 };
  let acc = 0;
  const chunker = new StreamingChunker(DEFAULT_CHUNKING, (c) => {
    hash64(c, 0, c.length, id);
    acc ^= crc32(c) ^ id.lo;
  });
  const run = () => {
    for (const f of files) {
      chunker.push(f.bytes);
      chunker.finish();
    }
  };
  run(); // warm up the JIT
  const ms = timeIt(run);
  if (acc === 0.5) console.log(acc); // keep the work observable
  return mbps(sum(files), ms);
}

/**
 * Stores each release of a series in one cache, in order, every version kept alive under its own
 * key `r<release index>:<path>` (as a workspace that keeps the versions it has seen, e.g. across
 * `git pull`s or in several worktrees), each put naming the same path in the release before as its
 * previous version (`{ previous: 'r<i-1>:<path>' }`), so new chunks may be stored as deltas
 * against it; `deltas: false` stores every chunk whole (the comparison). Returns unique raw bytes
 * after each release, the stored bytes (warm: LZ4 blocks; cold: after demoting everything to
 * Zstandard packs) after the first release and after all of them, and put / warm read speed of
 * the whole series.
 */
async function seriesCost(sets: File[][], chunking: ChunkingOptions, deltas = true): Promise<{ unique: number[]; raw: number[]; metaPerChunk: number; warmVsOne: number; coldVsOne: number; putMBps: number; readMBps: number; deltaChunks: number }> {
  const store = async (n: number) => {
    const cache = await createSourceCache({ chunking });
    const unique: number[] = [];
    const raw: number[] = [];
    let putMs = 0;
    let rawTotal = 0;
    sets.slice(0, n).forEach((files, i) => {
      putMs += timeIt(() => {
        for (const f of files) cache.put(`r${i}:${f.rel}`, f.bytes, undefined, { previous: i > 0 ? `r${i - 1}:${f.rel}` : undefined, deltas });
      });
      const s = cache.stats().store;
      unique.push(s.uniqueRawBytes);
      raw.push(s.rawBytes);
      rawTotal = s.rawBytes;
    });
    const warm = cache.stats().store.storedBytes;
    const metaPerChunk = cache.stats().store.metadataBytes / Math.max(1, cache.stats().store.uniqueChunks);
    const deltaChunks = cache.stats().store.deltaChunks;
    let readBytes = 0;
    const readMs = timeIt(() => {
      sets.slice(0, n).forEach((files, i) => {
        for (const f of files) readBytes += cache.read(`r${i}:${f.rel}`).length;
      });
    });
    cache.setBudgets({ warmBytes: 0 });
    return { unique, raw, metaPerChunk, warm, cold: cache.stats().store.storedBytes, putMBps: mbps(rawTotal, putMs), readMBps: mbps(readBytes, readMs), deltaChunks };
  };
  const one = await store(1);
  const all = await store(sets.length);
  return { unique: all.unique, raw: all.raw, metaPerChunk: all.metaPerChunk, warmVsOne: all.warm / one.warm, coldVsOne: all.cold / one.cold, putMBps: all.putMBps, readMBps: all.readMBps, deltaChunks: all.deltaChunks };
}

export async function cacheSection(corpus: CorpusManifest): Promise<BenchSection> {
  const metrics: Metric[] = [];
  const tables: Table[] = [];
  const byId = new Map(corpus.sets.map((s) => [s.id, s]));
  const jsTs = corpus.sets.filter((s) => (s.languages.javascript ?? 0) + (s.languages.typescript ?? 0) > 0);
  const main = jsTs[0] ?? corpus.sets[0];
  const files = loadSet(main);
  const bytes = sum(files);

  metrics.push({ name: 'chunk + hash + CRC throughput', value: chunkingThroughput(files), unit: 'MB/s', target: { op: '>=', value: 400 }, note: `${main.id}, default chunking ${DEFAULT_CHUNKING.minSize}/${DEFAULT_CHUNKING.avgSize}/${DEFAULT_CHUNKING.maxSize}` });

  const cache = await createSourceCache();
  const putMs = timeIt(() => {
    for (const f of files) cache.put(f.rel, f.bytes);
  });
  const warm = cache.stats();
  metrics.push({ name: 'warm put (chunk + hash + CRC + LZ4)', value: mbps(bytes, putMs), unit: 'MB/s' });
  metrics.push({ name: 'warm compression ratio', value: round(warm.store.uniqueRawBytes / warm.tiers.warm.bytes), unit: '×' });
  let readBytes = 0;
  const warmReadMs = timeIt(() => {
    for (const f of files) readBytes += cache.read(f.rel).length;
  });
  metrics.push({ name: 'warm read (verified)', value: mbps(readBytes, warmReadMs), unit: 'MB/s', target: { op: '>=', value: 250 } });
  const coldMs = timeIt(() => cache.setBudgets({ warmBytes: 0 }));
  const cold = cache.stats();
  metrics.push({ name: 'cold compress (zstd packs)', value: mbps(cold.store.uniqueRawBytes, coldMs), unit: 'MB/s', note: '@foxglove/wasm-zstd level 3, 128 KiB packs' });
  metrics.push({ name: 'metadata per unique chunk, all cold', value: round(cold.store.metadataBytes / cold.store.uniqueChunks, 1), unit: 'B', target: { op: '<=', value: 32 }, note: 'chunk table + id index + pack objects (a pack\'s member table is stored bytes in the pack, counted in the cold bytes)' });
  metrics.push({ name: 'cold compression ratio', value: round(cold.store.uniqueRawBytes / cold.tiers.cold.bytes), unit: '×', target: { op: '>=', value: 4.0 }, note: main.id });
  // The first read of a cold entry is served from its decompressed packs and leaves it cold; the
  // second read while cold promotes it (LZ4 re-encode into a slab). Both are measured.
  cache.setBudgets({ warmBytes: Infinity });
  readBytes = 0;
  const coldReadMs = timeIt(() => {
    for (const f of files) readBytes += cache.read(f.rel).length;
  });
  if (cache.stats().tiers.warm.files !== 0) throw new Error('a first cold read promoted an entry');
  metrics.push({ name: 'cold read (zstd decompress + verify, stays cold)', value: mbps(readBytes, coldReadMs), unit: 'MB/s', target: { op: '>=', value: 120 } });
  readBytes = 0;
  const promoteMs = timeIt(() => {
    for (const f of files) readBytes += cache.read(f.rel).length;
  });
  metrics.push({ name: 'second cold read (decompress + verify + promote to warm)', value: mbps(readBytes, promoteMs), unit: 'MB/s' });
  const st = cache.stats().store;
  metrics.push({ name: 'metadata per unique chunk, all warm', value: round(st.metadataBytes / st.uniqueChunks, 1), unit: 'B', target: { op: '<=', value: 32 }, note: `${st.uniqueChunks} chunks: 22 B columns per slot at capacity + id index + free list` });

  // Dedup across releases, for several chunk sizes.
  const sizes: ChunkingOptions[] = [
    { minSize: 128, avgSize: 512, maxSize: 2048 },
    { minSize: 256, avgSize: 1024, maxSize: 4096 },
    { minSize: 512, avgSize: 2048, maxSize: 8192 },
    { minSize: 1024, avgSize: 4096, maxSize: 16384 },
  ];
  const rows: (string | number)[][] = [];
  for (const series of corpus.series) {
    const sets = series.sets.map((id) => byId.get(id)).filter((s): s is CorpusSet => s !== undefined);
    if (sets.length < 2) continue;
    const loaded = sets.map(loadSet);
    for (const chunking of sizes) {
      for (const deltas of chunking.avgSize === DEFAULT_CHUNKING.avgSize && sets.length > 2 ? [false, true] : [true]) {
        const { unique, raw, metaPerChunk, warmVsOne, coldVsOne, putMBps, readMBps, deltaChunks } = await seriesCost(loaded, chunking, deltas);
        const last = unique.length - 1;
        const sharedOfSecond = 1 - (unique[1] - unique[0]) / (raw[1] - raw[0]);
        const costVsOne = unique[last] / unique[0];
        rows.push([series.name, sets.length, `${chunking.minSize}/${chunking.avgSize}/${chunking.maxSize}`, deltas ? 'yes' : 'no', round(sharedOfSecond * 100, 1), round(costVsOne), round(warmVsOne), round(coldVsOne), deltaChunks, round(metaPerChunk, 1), putMBps, readMBps]);
        const isDefault = chunking.avgSize === DEFAULT_CHUNKING.avgSize;
        if (isDefault && sets.length === 2) {
          metrics.push({ name: `bytes shared between releases (${series.name})`, value: round(sharedOfSecond * 100, 1), unit: '%', target: { op: '>=', value: 95 } });
        }
        if (isDefault && sets.length > 2) {
          const how = deltas ? 'with deltas' : 'whole chunks only';
          if (!deltas) metrics.push({ name: `${sets.length} releases cost vs one (${series.name}), unique raw bytes`, value: round(costVsOne), unit: '×', note: 'before compression' });
          metrics.push({ name: `${sets.length} releases cost vs one (${series.name}), stored bytes warm, ${how}`, value: round(warmVsOne), unit: '×', ...(deltas ? { target: { op: '<=' as const, value: 2 } } : {}), note: "every version kept as r<i>:<path>, put with { previous: 'r<i-1>:<path>' }; LZ4 blocks" });
          metrics.push({ name: `${sets.length} releases cost vs one (${series.name}), stored bytes cold, ${how}`, value: round(coldVsOne), unit: '×', ...(deltas ? { target: { op: '<=' as const, value: 2 } } : {}), note: 'same, all demoted to zstd packs' });
          metrics.push({ name: `${sets.length} releases put (${series.name}), ${how}`, value: putMBps, unit: 'MB/s' });
          metrics.push({ name: `${sets.length} releases warm read (${series.name}), ${how}`, value: readMBps, unit: 'MB/s' });
        }
      }
    }
  }
  tables.push({ title: 'Dedup across releases by chunk size (min/avg/max)', columns: ['series', 'releases', 'chunking', 'deltas', 'second release shared %', 'all releases vs one, unique raw ×', 'stored warm ×', 'stored cold ×', 'delta chunks', 'metadata B/chunk', 'series put MB/s', 'series warm read MB/s'], rows });
  return { id: 'cache', title: 'Source cache: chunking, tiers, dedup', metrics, tables };
}
