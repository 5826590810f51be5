/**
 * v8Heap.ts: the young generation stays at its size once the module is loaded, also after the parser
 * pool has started workers (whose heap configuration resets V8's growth factor); parser workers get
 * their own fixed young generation (WORKER_SEMI_SPACE_MB), and a thread started afterwards without
 * `startWorker` does not; `collectGarbage` frees the backing store of an ArrayBuffer that had reached
 * the old generation; `boundOldGeneration` collects when the old generation has grown by its slack;
 * an old generation grows by OLD_GENERATION_GROWTH_PERCENT past what is live.
 */
/* eslint-disable no-useless-assignment -- the tests drop references on purpose, for the garbage collector */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import {
  boundOldGeneration, collectGarbage, keepYoungGenerationSmall, OLD_GENERATION_GROWTH_PERCENT, WORKER_SEMI_SPACE_MB,
} from '../../../server/src/syntax/v8Heap.js';
import { ParserPool } from '../../../server/src/syntax/parserPool.js';

const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

/** Allocates ~200 MB of short-lived objects while keeping a share alive, which grows an unlimited new space to its maximum. */
function churn(): number {
  const kept: object[] = [];
  let batch: object[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    batch.push({ i, s: `x${i}` });
    if (batch.length > 1000) batch = [];
    if (i % 20 === 0) kept.push({ i });
  }
  return kept.length;
}

test('the new space does not grow, also after parser workers have started', async () => {
  // growBytes: 1, so that the second job, waiting, starts the second worker.
  const pool = new ParserPool({ size: 2, growBytes: 1 });
  try {
    const bytes = new TextEncoder().encode('function f(a) { return a + 1; }\n');
    // Two jobs at once start both workers; the pool re-applies the flag when each is online.
    await Promise.all([pool.parse({ path: 'a.js', lang: 'javascript', bytes }), pool.parse({ path: 'b.js', lang: 'javascript', bytes })]);
    assert.equal(pool.stats().workers, 2);
    const before = newSpace();
    assert.ok(churn() > 0);
    // Unlimited, V8 doubles the semi-spaces up to 32 MiB of new space under this load.
    assert.ok(newSpace() <= before, `new space grew from ${before} to ${newSpace()} bytes`);
    assert.ok(newSpace() <= 8 * 2 ** 20, `new space is ${newSpace()} bytes`);
    // Both workers, started at once, have the workers' young generation: two semi-spaces.
    assert.equal(pool.stats().newSpaceBytes, 2 * WORKER_SEMI_SPACE_MB * 2 ** 20);
    assert.ok(before < pool.stats().newSpaceBytes / 4, `main thread ${before} bytes`);
  } finally {
    await pool.close();
  }
});

test('only threads started by startWorker get the workers\' young generation', async () => {
  const pool = new ParserPool({ size: 1 });
  try {
    await pool.parse({ path: 'a.js', lang: 'javascript', bytes: new TextEncoder().encode('let a = 1;\n') });
    assert.equal(pool.stats().newSpaceBytes, 2 * WORKER_SEMI_SPACE_MB * 2 ** 20);
    // Once the pool's worker is online the size setting is cleared: a plain thread has V8's initial size.
    const src = `require('worker_threads').parentPort.postMessage(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)`;
    const plain = new Worker(src, { eval: true });
    const size = await new Promise<number>((resolve, reject) => {
      plain.once('message', resolve);
      plain.once('error', reject);
    });
    await plain.terminate();
    keepYoungGenerationSmall(); // that thread's heap configuration reset the growth factor
    assert.ok(size < 2 * WORKER_SEMI_SPACE_MB * 2 ** 20 / 4, `plain thread's new space ${size} bytes`);
  } finally {
    await pool.close();
  }
});

test('collectGarbage frees an old-generation ArrayBuffer\'s backing store', async () => {
  let buf: Uint8Array | undefined = new Uint8Array(64 * 2 ** 20).fill(1);
  // Survive two collections: the object is in the old generation, which only a full GC visits.
  collectGarbage();
  collectGarbage();
  await new Promise((r) => setTimeout(r, 50));
  const held = process.memoryUsage().arrayBuffers;
  assert.ok(buf.length > 0);
  buf = undefined;
  collectGarbage();
  // V8 sweeps array buffers on a background thread after the collection: give it a moment.
  let after = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 50 && held - after < 64 * 2 ** 20; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = process.memoryUsage().arrayBuffers;
  }
  assert.ok(held - after >= 64 * 2 ** 20, `arrayBuffers ${held} → ${after}`);
});

test('boundOldGeneration collects once the old generation has grown by its slack, not before', () => {
  const oldUsed = () => getHeapSpaceStatistics()
    .filter((s) => s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space')
    .reduce((n, s) => n + s.space_used_size, 0);
  collectGarbage();
  const check = boundOldGeneration(16 * 2 ** 20);
  // Large arrays go straight to the old generation's large-object space.
  // Measured while still referenced (V8 may collect on its own while allocating), then dropped:
  // nothing allocates between the drop and check(), so only check() can collect.
  let garbage: number[][] = Array.from({ length: 4 }, () => new Array<number>(250_000).fill(1.5));
  const small = oldUsed();
  garbage = [];
  check(); // ≈ 8 MB of garbage: under the slack, nothing is collected
  assert.ok(oldUsed() >= small - 2 ** 20, `collected below the slack: ${small} → ${oldUsed()} bytes`);
  // ≈ 24 MB more: over the slack even if V8 collected the first 8 MB on its own meanwhile.
  garbage = Array.from({ length: 12 }, () => new Array<number>(250_000).fill(2.5));
  const large = oldUsed();
  garbage = [];
  check(); // ≈ 24–32 MB of garbage: over the slack, collected
  assert.ok(oldUsed() < large - 16 * 2 ** 20, `not collected: ${large} → ${oldUsed()} bytes`);
  assert.equal(garbage.length, 0);
});

test('an old generation grows by OLD_GENERATION_GROWTH_PERCENT of what is live, not by V8\'s factor of up to 4', () => {
  const oldGeneration = () => getHeapSpaceStatistics()
    .filter((s) => s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space')
    .reduce((n, s) => n + s.space_size, 0);
  // ~70 MB live for the whole run, then ~600 MB that live long enough to be promoted and die:
  // V8's own factor let this old generation reach ~500 MB.
  let live: object[] | undefined = [];
  for (let i = 0; i < 600_000; i++) live.push({ i, s: `live${i}`, a: [i, i + 1] });
  let ring: object[] | undefined = new Array<object>(200_000);
  let peak = 0;
  for (let i = 0; i < 6_000_000; i++) {
    ring[i % ring.length] = { i, s: `dead${i}`, a: [i] };
    if (i % 10_000 === 0) peak = Math.max(peak, oldGeneration());
  }
  collectGarbage();
  const kept = oldGeneration();
  assert.ok(live.length + ring.length > 0);
  live = undefined;
  ring = undefined;
  const bound = kept * (1 + OLD_GENERATION_GROWTH_PERCENT / 100) + 64 * 2 ** 20;
  assert.ok(peak <= bound, `old generation peaked at ${peak >> 20} MB with ${kept >> 20} MB live (bound ${bound / 2 ** 20} MB)`);
});
