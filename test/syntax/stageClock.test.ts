/**
 * stageClock.ts: a lap charges the time since the previous lap to its stage and no other, laps add up
 * to the time between `start` and the last lap, and totals sum jobs by language.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARSE_STAGES, ParseStageTotals, StageClock } from '../../server/src/syntax/stageClock.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin: the time must pass in this thread */ }
}

test('a lap charges the time since the last lap to its stage', () => {
  const clock = new StageClock();
  busy(3); // before start: charged to nothing
  const t0 = performance.now();
  clock.start();
  busy(2);
  clock.lap('parse');
  clock.lap('query');
  busy(4);
  clock.lap('wire');
  const elapsed = performance.now() - t0;
  const ms = Object.fromEntries(PARSE_STAGES.map((s, i) => [s, clock.ms[i]!]));
  assert.ok(ms.parse! >= 2 && ms.parse! < 4, JSON.stringify(ms));
  assert.ok(ms.wire! >= 4, JSON.stringify(ms));
  assert.ok(ms.query! < 1, JSON.stringify(ms));
  const sum = clock.ms.reduce((a, b) => a + b, 0);
  assert.ok(sum <= elapsed + 1e-6 && sum >= 6, `${sum} of ${elapsed}`);
  for (const s of ['read', 'check', 'setup', 'pack', 'diagnostics', 'release']) assert.equal(ms[s], 0, s);
});

test('totals sum jobs by language, in first-seen order', () => {
  const totals = new ParseStageTotals();
  const job = (parse: number): number[] => PARSE_STAGES.map((s) => (s === 'parse' ? parse : 0.25));
  totals.add('c', 100, job(1));
  totals.add('go', 7, job(2));
  totals.add('c', 50, job(3));
  const got = totals.snapshot();
  assert.deepEqual(Object.keys(got), ['c', 'go']);
  assert.equal(got.c!.files, 2);
  assert.equal(got.c!.bytes, 150);
  assert.equal(got.c!.ms.parse, 4);
  assert.equal(got.c!.ms.read, 0.5);
  assert.equal(got.go!.files, 1);
  assert.equal(got.go!.ms.parse, 2);
  assert.deepEqual(Object.keys(got.go!.ms), [...PARSE_STAGES]);
});
