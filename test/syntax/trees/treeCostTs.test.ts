/**
 * The tree-cost estimate for typescript is within ±25% of measured wasm-heap growth (see treeCostMeasure.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';
import { Worker } from 'node:worker_threads';
import { filesUnder, type measure } from './treeCostMeasure.js';

test('typescript: estimated tree bytes within ±25% of measured heap growth', async (t) => {
  const files = filesUnder(join(repoRoot, 'node_modules'), '.d.ts', 8e6);
  // measured in a fresh worker thread: its own, untouched wasm heap
  const w = new Worker(new URL('./treeCostWorker.js', import.meta.url), { workerData: { lang: 'typescript', files } });
  const r = await new Promise<Awaited<ReturnType<typeof measure>>>((res, rej) => { w.once('message', res); w.once('error', rej); });
  await w.terminate();
  const ratio = r.measured / r.estimated;
  t.diagnostic(`measured ${(r.measured / 1e6).toFixed(1)} MB, estimated ${(r.estimated / 1e6).toFixed(1)} MB, ratio ${ratio.toFixed(3)}, ${r.events} growth events`);
  assert.ok(ratio > 0.75 && ratio < 1.25, `ratio ${ratio}`);
});
