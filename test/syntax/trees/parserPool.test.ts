/**
 * The parser pool: results equal the single-thread results (including skipped files: too large,
 * binary, invalid UTF-8, unreadable) and are the same whatever the number of workers; the pool starts
 * one worker and grows to its size only as work comes; a worker loads only the grammars of the
 * languages it parses; workers are recycled after the configured bytes; memory is
 * returned when workers end; a crashed worker's job is retried on a fresh worker, and a job that
 * keeps crashing is answered, not lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runParseJob, type ParseInput } from '../../../server/src/syntax/parseJob.js';
import { ParserPool } from '../../../server/src/syntax/parserPool.js';
import { PARSE_STAGES } from '../../../server/src/syntax/stageClock.js';
import { largeFile, realFiles, repoRoot } from './helpers.js';
import { parseAll } from './parseAll.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-pool-'));
writeFileSync(join(dir, 'binary.js'), Buffer.from([0x63, 0x6f, 0, 0x73, 0x74]));
writeFileSync(join(dir, 'latin1.js'), Buffer.from('const s = "caf\xe9";\n', 'latin1'));
writeFileSync(join(dir, 'poison.js'), 'let poison = 1;\n');

function inputs(): ParseInput[] {
  const files: ParseInput[] = realFiles().map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const big = largeFile();
  files.push({ path: join(repoRoot, big.path), lang: big.lang }); // over the 200 KB cap used below
  files.push({ path: join(dir, 'binary.js'), lang: 'javascript' });
  files.push({ path: join(dir, 'latin1.js'), lang: 'javascript' });
  files.push({ path: join(dir, 'missing.js'), lang: 'javascript' });
  files.push({ path: 'bytes-label.ts', bytes: new TextEncoder().encode('let x: number = ;'), lang: 'typescript' });
  return files;
}

test('pool results equal single-thread results, skipped files included', async () => {
  const all = inputs();
  const pool = new ParserPool({ size: 2, maxFileBytes: 200_000 });
  try {
    const got = await parseAll(pool, all);
    const want = [];
    for (const i of all) want.push(await runParseJob(i, 200_000));
    // an unreadable file's message names the same path in both; compare everything
    assert.deepEqual(got, want);
    const reasons = got.map((g) => g.reason).filter(Boolean);
    assert.deepEqual(reasons.sort(), ['binary', 'invalid-utf8', 'too-large', 'unreadable']);
    assert.ok(got.filter((g) => g.analysis).length >= 5);
    assert.ok(got.some((g) => (g.analysis?.diagnostics.length ?? 0) > 0), 'a syntax error is reported');
    const st = pool.stats();
    assert.equal(st.trees.live, 0);
    assert.equal(st.trees.created, got.filter((g) => g.analysis).length);
    assert.ok(st.workers <= 2);
    // Every answered job is in the stage sums of its language, with its bytes; every parsed language
    // was set up and parsed, and only a parsed file reaches those stages.
    const byLang = new Map<string, { files: number; bytes: number; parsed: number }>();
    for (const g of got) {
      const l = byLang.get(g.lang) ?? { files: 0, bytes: 0, parsed: 0 };
      byLang.set(g.lang, { files: l.files + 1, bytes: l.bytes + g.bytes, parsed: l.parsed + (g.analysis ? 1 : 0) });
    }
    assert.deepEqual(Object.keys(st.stages).sort(), [...byLang.keys()].sort());
    for (const [lang, want] of byLang) {
      const sums = st.stages[lang]!;
      assert.equal(sums.files, want.files, lang);
      assert.equal(sums.bytes, want.bytes, lang);
      assert.deepEqual(Object.keys(sums.ms), [...PARSE_STAGES], lang);
      for (const stage of PARSE_STAGES) assert.ok(sums.ms[stage] >= 0, `${lang} ${stage}`);
      if (want.parsed > 0) assert.ok(sums.ms.setup > 0 && sums.ms.parse > 0, `${lang}: ${JSON.stringify(sums.ms)}`);
      else assert.equal(sums.ms.parse + sums.ms.query, 0, `${lang}: nothing parsed`);
    }
  } finally {
    await pool.close();
  }
});

test('workers are recycled after the configured parsed bytes', async () => {
  const files = realFiles().map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const pool = new ParserPool({ size: 2, recycleBytes: 20_000 });
  try {
    const out = await parseAll(pool, [...files, ...files, ...files]);
    const parsed = out.reduce((a, o) => a + (o.analysis ? o.bytes : 0), 0);
    const st = pool.stats();
    assert.equal(st.parsedBytes, parsed);
    // a worker retires once it has parsed ≥ 20 KB, so at least floor(parsed / (20 KB + largest file)) retire
    const largest = Math.max(...out.map((o) => o.bytes));
    assert.ok(st.recycled >= Math.floor(parsed / (20_000 + largest)), `recycled ${st.recycled} of ${parsed} bytes`);
    assert.ok(st.recycled >= 2);
    assert.ok(st.workers <= 2);
    assert.equal(st.trees.live, 0);
    assert.equal(st.trees.created, out.filter((o) => o.analysis).length);
  } finally {
    await pool.close();
  }
});

test('memory is returned when a worker ends', async () => {
  const pool = new ParserPool({ size: 1, recycleBytes: Number.MAX_SAFE_INTEGER, maxFileBytes: 10e6 });
  const rss0 = process.memoryUsage().rss;
  const input = { path: join(repoRoot, 'node_modules/typescript/lib/typescript.js'), lang: 'javascript' as const };
  const r = await pool.parse(input);
  assert.ok(r.analysis, r.reason);
  const heap = pool.stats().heapBytes;
  const rss1 = process.memoryUsage().rss;
  assert.ok(heap > 100e6, `worker wasm heap grew (${heap})`);
  await pool.close();
  await new Promise((res) => setTimeout(res, 200));
  const rss2 = process.memoryUsage().rss;
  // at least half of the worker's heap is given back to the system when the thread ends
  assert.ok(rss1 - rss2 > heap / 2, `rss ${rss0} → ${rss1} → ${rss2}, worker heap ${heap}`);
});

test('a crashed worker is replaced and its job retried; a job that always crashes is answered', async () => {
  const files = realFiles().slice(0, 4).map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const poison = { path: join(dir, 'poison.js'), lang: 'javascript' as const };
  const once = new ParserPool({ size: 2, crashOn: 'poison.js', crashTimes: 1 });
  try {
    const out = await parseAll(once, [...files, poison, ...files]);
    assert.equal(out.length, 9);
    assert.ok(out.every((o) => o.analysis), 'every job answered with an analysis');
    assert.deepEqual(out[4]!.analysis, (await runParseJob(poison)).analysis);
    assert.equal(once.stats().crashes, 1);
  } finally {
    await once.close();
  }
  const always = new ParserPool({ size: 2, crashOn: 'poison.js' });
  try {
    const out = await parseAll(always, [poison, ...files]);
    assert.equal(out[0]!.reason, 'worker-crash');
    assert.ok(out.slice(1).every((o) => o.analysis));
    assert.equal(always.stats().crashes, 2);
  } finally {
    await always.close();
  }
});

test('a crash blames only the running job, not the next one already sent to the worker', async () => {
  const files = realFiles().slice(0, 3).map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const poison = { path: join(dir, 'poison.js'), lang: 'javascript' as const };
  // One worker with two jobs in flight: each crash happens while an innocent job waits behind it.
  const pool = new ParserPool({ size: 1, inFlight: 2, crashOn: 'poison.js' });
  try {
    const out = await parseAll(pool, [poison, ...files, poison, ...files]);
    assert.equal(out[0]!.reason, 'worker-crash');
    assert.equal(out[4]!.reason, 'worker-crash');
    assert.ok([...out.slice(1, 4), ...out.slice(5)].every((o) => o.analysis), 'every innocent job answered with an analysis');
    assert.equal(pool.stats().crashes, 4, 'two workers per poisoned job, no more');
    assert.equal(pool.stats().trees.live, 0);
  } finally {
    await pool.close();
  }
});

test('with one job in flight (inFlight: 1) results are the same', async () => {
  const files = realFiles().slice(0, 6).map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const one = new ParserPool({ size: 2, inFlight: 1 });
  const two = new ParserPool({ size: 2, inFlight: 2 });
  try {
    assert.deepEqual(await parseAll(one, files), await parseAll(two, files));
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});

test('an idle worker ends after idleMs, and a new one starts for the next job', async () => {
  const files = realFiles().slice(0, 2).map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const pool = new ParserPool({ size: 1, idleMs: 100 });
  try {
    const first = await pool.parse(files[0]!);
    assert.ok(first.analysis, first.reason);
    assert.equal(pool.stats().workers, 1);
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(pool.stats().workers, 0, 'the idle worker ended');
    assert.equal(pool.stats().idleRetired, 1);
    const second = await pool.parse(files[1]!);
    assert.ok(second.analysis, second.reason);
    const st = pool.stats();
    assert.equal(st.workers, 1, 'a fresh worker took the job');
    assert.equal(st.trees.created, 2, 'the ended worker\'s counts are kept');
    assert.equal(st.trees.live, 0);
  } finally {
    await pool.close();
  }
});

test('endIdleWorkers ends the workers that have no job', async () => {
  const files = realFiles().slice(0, 4).map((f) => ({ path: join(repoRoot, f.path), lang: f.lang }));
  const pool = new ParserPool({ size: 2, idleMs: 60_000 });
  try {
    await parseAll(pool, files);
    assert.equal(pool.stats().workers, 2);
    await pool.endIdleWorkers();
    assert.equal(pool.stats().workers, 0);
    const again = await pool.parse(files[0]!);
    assert.ok(again.analysis, again.reason);
    assert.equal(pool.stats().trees.created, 5);
  } finally {
    await pool.close();
  }
});

/** examples/demo's files, sent as bytes as the indexers send them. */
function demoInputs(): ParseInput[] {
  const encoder = new TextEncoder();
  return realFiles().filter((f) => f.path.startsWith('examples/demo/'))
    .map((f) => ({ path: f.path, lang: f.lang, bytes: encoder.encode(f.text) }));
}

test('a small tree (examples/demo) is parsed by one worker, with the same results as by several', async () => {
  const demo = demoInputs();
  assert.ok(demo.length >= 10);
  const small = new ParserPool({ size: 3 });
  // growBytes: 1 — every job that would wait may start a worker, as under a large tree's load.
  const grown = new ParserPool({ size: 3, growBytes: 1 });
  const single = new ParserPool({ size: 1 });
  try {
    const bySmall = await parseAll(small, demo);
    assert.equal(small.stats().workers, 1, 'one worker for a few kilobytes');
    const byGrown = await parseAll(grown, demo);
    assert.equal(grown.stats().workers, 3);
    const bySingle = await parseAll(single, demo);
    assert.deepEqual(byGrown, bySingle);
    assert.deepEqual(bySmall, bySingle);
  } finally {
    await Promise.all([small.close(), grown.close(), single.close()]);
  }
});

test('jobs below growBytes share one worker; a burst of work grows the pool to its size, no further', async () => {
  const text = new TextEncoder().encode('let a = 1;\n'.repeat(500));
  const job = (i: number): ParseInput => ({ path: `burst-${i}.js`, lang: 'javascript', bytes: text });
  const pool = new ParserPool({ size: 3, growBytes: 3 * text.length });
  try {
    // Two jobs at once, the second waiting: not yet the work a second worker needs.
    const pair = await parseAll(pool, [job(0), job(1)]);
    assert.ok(pair.every((o) => o.analysis));
    assert.equal(pool.stats().workers, 1);
    // Queued at once: the second worker starts at three jobs' worth sent, the third at six.
    const burst = await parseAll(pool, Array.from({ length: 12 }, (_, i) => job(i + 2)));
    assert.ok(burst.every((o) => o.analysis));
    assert.equal(pool.stats().workers, 3);
    assert.equal(pool.stats().trees.created, 14);
  } finally {
    await pool.close();
  }
});

test('a worker loads only the grammars of the languages it has parsed', async () => {
  const encoder = new TextEncoder();
  const pool = new ParserPool({ size: 1 });
  try {
    await pool.parse({ path: 'a.js', lang: 'javascript', bytes: encoder.encode('let a = 1;') });
    assert.equal(pool.stats().grammarLoads, 1);
    await pool.parse({ path: 'b.js', lang: 'javascript', bytes: encoder.encode('let b = 2;') });
    await pool.parse({ path: 'c.json', lang: 'json', bytes: encoder.encode('{"c": 3}') });
    assert.equal(pool.stats().grammarLoads, 2, 'javascript once, json once');
    await pool.endIdleWorkers();
    assert.equal(pool.stats().grammarLoads, 2, 'an ended worker\'s loads are kept');
  } finally {
    await pool.close();
  }
});
