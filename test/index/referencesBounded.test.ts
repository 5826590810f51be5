/**
 * Find-references over many candidate files (issue 16): closed files answer from the occurrence index
 * without a parse; texts it must parse (open documents, files the index is missing) are bounded in
 * count (twice the pool's workers) and in bytes (a quarter of the warm budget, one larger file alone),
 * it reads closed files without reordering or refilling the cache's tiers, a damaged chunk is still
 * detected and never served, and its answer is the one every candidate at once gave: the same set, in
 * the same order, cut at the same count; a cancelled search stops parsing and throws CancelledError.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '../../server/src/base/log.js';
import { createSourceCache, debugStorage, type SourceCache } from '../../server/src/cache/index.js';
import { CancelledError, type IndexProgress, type Location } from '../../server/src/index/api.js';
import { ReferenceSearch } from '../../server/src/index/references.js';
import { defaultSettings, parseSettings } from '../../server/src/index/settings.js';
import { Workspace } from '../../server/src/index/workspace.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';
import type { ParseInput, ParseOutcome } from '../../server/src/syntax/parseJob.js';

const quiet: IndexProgress = { begin() {}, report() {}, end() {} };
const NAME = 'sharedName';
/** Files of the generated tree, and uses of NAME in each: more references than are ever returned. */
const FILES = 200;
const USES = 60;
const MAX_REFERENCES = 10_000;

/** File `i` of a generated tree: `uses` calls of NAME, one a line. */
function source(i: number, uses: number): string {
  const lines = [`export function use${i}(x) {`, '  let total = 0;'];
  for (let j = 0; j < uses; j++) lines.push(`  total += ${NAME}(x + ${j});`);
  lines.push('  return total;', '}', '');
  return lines.join('\n');
}

/** Where NAME occurs in `text`, as spans of (line, column) pairs. */
function occurrences(key: string, text: string): Location[] {
  const found: Location[] = [];
  text.split('\n').forEach((line, row) => {
    for (const m of line.matchAll(new RegExp(`\\b${NAME}\\b`, 'g'))) {
      found.push({ key, span: [row, m.index, row, m.index + NAME.length] });
    }
  });
  return found;
}

/** The answer every candidate parsed at once gave: the asking file first, then by path and position, capped. */
function expected(current: string, texts: Map<string, string>): Location[] {
  const keys = [...texts.keys()].sort((a, b) => (a === current ? -1 : b === current ? 1 : a < b ? -1 : 1));
  return keys.flatMap((k) => occurrences(k, texts.get(k)!)).slice(0, MAX_REFERENCES);
}

/** The parse jobs in flight while `fn` runs, at their largest: files and bytes (every ParserPool sees the spy). */
async function parsesDuring<T>(fn: () => Promise<T>): Promise<{ result: T; peak: { files: number; bytes: number } }> {
  const original = ParserPool.prototype.parse;
  const now = { files: 0, bytes: 0 };
  const peak = { files: 0, bytes: 0 };
  ParserPool.prototype.parse = async function (this: ParserPool, input: ParseInput): Promise<ParseOutcome> {
    const n = input.bytes?.length ?? 0;
    now.files++;
    now.bytes += n;
    peak.files = Math.max(peak.files, now.files);
    peak.bytes = Math.max(peak.bytes, now.bytes);
    try {
      return await original.call(this, input);
    } finally {
      now.files--;
      now.bytes -= n;
    }
  };
  try {
    return { result: await fn(), peak };
  } finally {
    ParserPool.prototype.parse = original;
  }
}

describe('find-references over a tree of many candidate files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-refs-bounded-'));
  const texts = new Map<string, string>();
  const WORKERS = 2;
  /** What the search reported holding, each time it changed. */
  const reported: { files: number; bytes: number }[] = [];
  let ws: Workspace;
  before(async () => {
    for (let i = 0; i < FILES; i++) {
      // Sizes differ, so the byte limit is met at different counts.
      const key = path.join(root, `f${String(i).padStart(3, '0')}.js`);
      texts.set(key, source(i, USES - (i % 7)));
      fs.writeFileSync(key, texts.get(key)!);
    }
    ws = await Workspace.create({ workers: WORKERS, onReferenceTexts: (held) => reported.push({ ...held }) });
    await ws.indexFolder(root, quiet);
  });
  after(async () => {
    await ws?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const asking = () => path.join(root, 'f100.js');
  const at = { line: 2, character: '  total += '.length + 3 };

  it('answers as before: every use, the asking file first, then by path, cut at the limit', async () => {
    assert.ok(FILES * (USES - 6) > MAX_REFERENCES, 'more uses than are returned');
    const refs = await ws.references(asking(), at, false);
    assert.equal(refs.length, MAX_REFERENCES);
    assert.deepEqual(refs, expected(asking(), texts));
  });

  it('answers closed files from the occurrence index, parsing none', async () => {
    const { result, peak } = await parsesDuring(() => ws.references(asking(), at, false));
    assert.deepEqual(result, expected(asking(), texts));
    assert.equal(peak.files, 0, 'nothing parsed');
    assert.ok((ws.stats().occurrences?.files ?? 0) >= FILES);
  });

  /**
   * Opens every file and edits it (an empty insertion: the text stays the disk's), so each is searched
   * in its live text (parsed), as an editor's edited buffers are; unedited, the index would answer.
   */
  const openAll = () => {
    const nothing = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '' };
    for (const [k, t] of texts) {
      ws.openDocument(k, 'javascript', 1, t);
      ws.changeDocument(k, 2, [nothing], 'utf-16');
    }
  };
  const closeAll = () => { for (const k of texts.keys()) ws.closeDocument(k); };

  it('holds at most twice the workers\' candidate texts at once', async () => {
    openAll();
    reported.length = 0;
    const { result, peak } = await parsesDuring(() => ws.references(asking(), at, false));
    assert.deepEqual(result, expected(asking(), texts));
    assert.ok(peak.files >= 1 && peak.files <= 2 * WORKERS, `${peak.files} parses in flight`);
    assert.ok(reported.length >= 2 * FILES, 'every candidate was reported taken up and let go');
    for (const held of reported) assert.ok(held.files <= 2 * WORKERS, JSON.stringify(held));
    assert.deepEqual(reported.at(-1), { files: 0, bytes: 0 }, 'nothing is held after the search');
    closeAll();
  });

  it('holds at most a quarter of the warm budget in bytes (a larger file alone)', async () => {
    const largest = Math.max(...[...texts.values()].map((t) => t.length));
    // A warm budget whose quarter fits two of the largest files, not the four the workers would take.
    const limit = 2 * largest + 1;
    openAll();
    const warmMB = (4 * limit) / (1024 * 1024);
    const { settings, problems } = parseSettings({ memory: { warmMB } }, defaultSettings());
    assert.deepEqual(problems, []);
    ws.configure(settings);
    reported.length = 0;
    const { result, peak } = await parsesDuring(() => ws.references(asking(), at, false));
    assert.deepEqual(result, expected(asking(), texts));
    assert.ok(peak.bytes <= limit, `${peak.bytes} bytes parsed at once, limit ${limit}`);
    for (const held of reported) assert.ok(held.files <= 1 || held.bytes <= limit, JSON.stringify(held));

    // A limit below every file: they go one at a time, and every one is still searched.
    const tiny = parseSettings({ memory: { warmMB: 4 / (1024 * 1024) } }, defaultSettings()).settings;
    ws.configure(tiny);
    const one = await parsesDuring(() => ws.references(asking(), at, false));
    assert.deepEqual(one.result, expected(asking(), texts));
    assert.equal(one.peak.files, 1);
    ws.configure(defaultSettings());
    closeAll();
  });

  it('stops once its request is cancelled: parses no further text and answers nothing', async () => {
    const cancelled = new AbortController();
    cancelled.abort();
    await assert.rejects(ws.references(asking(), at, false, cancelled.signal), CancelledError);
    await assert.rejects(ws.definition(asking(), at, cancelled.signal), CancelledError);
    await assert.rejects(ws.workspaceSymbols(NAME, 10, cancelled.signal), CancelledError);

    // Cancelled while its first texts parse: the lanes stop at their next text.
    openAll();
    const midway = new AbortController();
    let started = 0;
    const original = ParserPool.prototype.parse;
    ParserPool.prototype.parse = function (this: ParserPool, input: ParseInput): Promise<ParseOutcome> {
      if (++started === 1) midway.abort();
      return original.call(this, input);
    };
    try {
      await assert.rejects(ws.references(asking(), at, false, midway.signal), CancelledError);
    } finally {
      ParserPool.prototype.parse = original;
    }
    assert.ok(started <= 2 * WORKERS, `${started} of ${FILES} texts parsed after the cancel`);
    // And the next request is answered in full.
    assert.deepEqual(await ws.references(asking(), at, false), expected(asking(), texts));
    closeAll();
  });
});

/** The shape of the tiers: which tier each key is in, and the tier and store stats. */
function tiersOf(cache: SourceCache, keys: readonly string[]): unknown {
  const { tiers, store } = cache.stats();
  return { each: keys.map((k) => `${k}:${cache.tier(k)}`), tiers, store };
}

describe('find-references reads closed files without churning the cache tiers', () => {
  const keys = Array.from({ length: 24 }, (_, i) => `/virtual/t${String(i).padStart(2, '0')}.js`);
  const texts = new Map(keys.map((k, i) => [k, source(i, 3 + (i % 5))]));
  const encoder = new TextEncoder();
  const bytesOf = (k: string) => encoder.encode(texts.get(k)!);
  let pool: ParserPool;
  before(() => { pool = new ParserPool({ size: 1 }); });
  after(async () => { await pool?.close(); });

  /** A cache whose warm tier holds about a third of the files, its cold tier another third, the rest evicted. */
  async function filledCache(): Promise<SourceCache> {
    const cache = await createSourceCache();
    // Put in order: each entry's recency is its place in `keys`, the first the least recent.
    for (const k of keys) cache.put(k, bytesOf(k), () => bytesOf(k));
    cache.setBudgets({ warmBytes: Math.floor(cache.stats().tiers.warm.bytes / 3) });
    cache.setBudgets({ coldBytes: Math.floor(cache.stats().tiers.cold.bytes / 2) });
    return cache;
  }

  function searchOver(cache: SourceCache): ReferenceSearch {
    return new ReferenceSearch({
      files: { get: (k) => ({ bytes: bytesOf(k).length }) as never },
      // Files the occurrence index is missing are read and parsed; asked in an order unlike the entries'
      // recency, so a read that touched them would reorder them.
      occurrences: { lookup: () => {}, missing: new Set([...keys].reverse()), generation: 0, record: () => {} },
      openKeys: () => [],
      symbols: { lookup: () => [], version: 0 },
      cache, pool,
      settle: async () => {},
      settleAll: async () => {},
      languageOf: () => 'javascript',
      openText: () => undefined,
      asIndexed: () => false,
      treeCapBytes: () => 1 << 20,
      limits: () => ({ files: 2, bytes: 1 << 20 }),
      log: Logger.silent(),
    });
  }

  it('leaves every entry in its tier, and the tiers\' recency as it was', async () => {
    const searched = await filledCache();
    const untouched = await filledCache();
    const before = tiersOf(searched, keys);
    assert.deepEqual(before, tiersOf(untouched, keys), 'two caches filled alike are alike');
    const count = (tier: string) => keys.filter((k) => searched.tier(k) === tier).length;
    const counts = { warm: count('warm'), cold: count('cold'), evicted: count('evicted') };
    assert.ok(counts.warm > 0 && counts.cold > 0 && counts.evicted > 0, JSON.stringify(counts));

    // Twice: a second read of a cold entry is what promotes it.
    for (let n = 0; n < 2; n++) {
      const refs = await searchOver(searched).find(keys[5]!, NAME, false);
      assert.deepEqual(refs, expected(keys[5]!, texts));
    }
    assert.deepEqual(tiersOf(searched, keys), before, 'no entry moved, was refilled or was demoted');
    // Recency shows in what a smaller budget pushes out first: the same entries in both caches.
    for (const budgets of [{ warmBytes: 1 }, { coldBytes: 1 }]) {
      searched.setBudgets(budgets);
      untouched.setBudgets(budgets);
      assert.deepEqual(tiersOf(searched, keys), tiersOf(untouched, keys), JSON.stringify(budgets));
    }
  });

  it('still detects a damaged chunk: repaired from its fallback, or the file left out, never served', async () => {
    const cache = await createSourceCache();
    for (const k of keys) cache.put(k, bytesOf(k), () => bytesOf(k));
    const [repaired, lost] = [keys[3]!, keys[7]!];
    cache.setFallback(lost, undefined);
    for (const k of [repaired, lost]) {
      const chunk = debugStorage(cache).regions(k).find((r) => r.name.startsWith('warm-chunk'));
      assert.ok(chunk, `${k} has a warm chunk`);
      const i = chunk.bytes.length >> 1;
      chunk.bytes[i] = chunk.bytes[i]! ^ 0x10;
    }
    const refs = await searchOver(cache).find(keys[0]!, NAME, false);
    const withoutLost = new Map([...texts].filter(([k]) => k !== lost));
    assert.deepEqual(refs, expected(keys[0]!, withoutLost));
    assert.equal(cache.stats().integrity.crcFailures, 2);
    assert.equal(cache.stats().integrity.fallbacks, 1);
    assert.deepEqual(cache.peek(repaired), bytesOf(repaired), 'the repaired entry reads whole');
  });
});
