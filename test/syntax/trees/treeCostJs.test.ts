/**
 * The tree-cost estimate for javascript is within ±25% of measured wasm-heap growth (see treeCostMeasure.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';
import { filesUnder, measure } from './treeCostMeasure.js';

test('javascript: estimated tree bytes within ±25% of measured heap growth', async (t) => {
  const r = await measure('javascript', filesUnder(join(repoRoot, 'node_modules'), '.js', 10e6));
  const ratio = r.measured / r.estimated;
  t.diagnostic(`measured ${(r.measured / 1e6).toFixed(1)} MB, estimated ${(r.estimated / 1e6).toFixed(1)} MB, ratio ${ratio.toFixed(3)}, ${r.events} growth events`);
  assert.ok(ratio > 0.75 && ratio < 1.25, `ratio ${ratio}`);
});
