/**
 * The soak's own parts: the shadow document must track text and lines exactly (its line table is
 * updated incrementally, so it is checked against a full rescan after every edit, and undo must
 * give back the text), and the drift, windows and verdict arithmetic must judge what it claims to.
 * The session itself runs against the real server with `npm run soak`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lineStarts, ShadowDoc } from './shadow.js';
import { latencyByWindow, retainedDrift, rssDrift, soakPlan, verdict, windowsOf } from './metrics.js';

const piece = fc.oneof(
  fc.constantFrom('\n', '\r', '\r\n', 'a', 'bc', '😀', ' ', '\r\r\n\n', 'é'),
  fc.string({ maxLength: 8 }),
);
const textArb = fc.array(piece, { maxLength: 40 }).map((xs) => xs.join(''));
const editArb = fc.record({ a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }), text: textArb });

test('shadow: the incremental line table equals a full rescan after every edit, and undo restores the text', () => {
  fc.assert(
    fc.property(textArb, fc.array(editArb, { maxLength: 30 }), (initial, edits) => {
      const doc = new ShadowDoc('file:///x', 'plaintext', initial);
      const history: { text: string; undo: { start: number; removed: string; inserted: string } }[] = [];
      for (const e of edits) {
        const before = doc.text;
        // Unsnapped offsets too: the table must hold even for edits that split a \r\n.
        const start = Math.floor(Math.min(e.a, e.b) * doc.length);
        const end = Math.floor(Math.max(e.a, e.b) * doc.length);
        const { change, applied } = doc.apply(start, end, e.text);
        assert.deepEqual(doc.starts(), lineStarts(doc.text), `after replacing [${start}, ${end}) of ${JSON.stringify(before)} by ${JSON.stringify(e.text)}`);
        assert.equal(doc.text, before.slice(0, start) + e.text + before.slice(end));
        assert.deepEqual(change.range.start, new ShadowDoc('u', 'p', before).positionAt(start));
        history.push({ text: before, undo: applied });
      }
      while (history.length > 0) {
        const h = history.pop()!;
        doc.apply(h.undo.start, h.undo.start + h.undo.inserted.length, h.undo.removed);
        assert.equal(doc.text, h.text);
        assert.deepEqual(doc.starts(), lineStarts(doc.text));
      }
    }),
    { numRuns: 500 },
  );
});

test('shadow: positions follow LSP line ends, and snap never splits \\r\\n or a surrogate pair', () => {
  const doc = new ShadowDoc('file:///x', 'plaintext', 'ab\r\ncd\ref\n😀x');
  assert.deepEqual(lineStarts(doc.text), [0, 4, 7, 10]);
  assert.deepEqual(doc.positionAt(5), { line: 1, character: 1 });
  assert.equal(doc.lineLength(0), 2);
  assert.equal(doc.snap(3), 2); // between \r and \n
  assert.equal(doc.snap(11), 10); // inside 😀
  assert.equal(doc.snap(12), 12);
  assert.ok(doc.contains({ line: 3, character: 3 }));
  assert.ok(!doc.contains({ line: 3, character: 4 }));
  assert.ok(!doc.contains({ line: 4, character: 0 }));
  assert.ok(!doc.contains({ line: 0, character: 3 })); // past the line's content
});

test('plan: warm-up is a quarter of the run, at least 240 s, at most half; windows of ≥ 5 s after it, at most 8', () => {
  assert.equal(soakPlan(60_000).warmupMs, 30_000);
  assert.equal(soakPlan(180_000).warmupMs, 90_000);
  assert.equal(soakPlan(480_000).warmupMs, 240_000);
  assert.equal(soakPlan(600_000).warmupMs, 240_000);
  assert.equal(soakPlan(1_200_000).warmupMs, 300_000);
  assert.equal(soakPlan(30_000).warmupMs, 15_000);
  assert.equal(soakPlan(600_000).windows, 8);
  assert.equal(soakPlan(30_000).windows, 3);
  const plan = soakPlan(60_000);
  const ws = windowsOf(plan);
  const measured = ws.filter((w) => w.measured);
  assert.equal(measured.length, 6);
  assert.equal(measured[0]!.startMs, 30_000);
  assert.equal(measured[0]!.endMs, 35_000);
  assert.equal(measured[5]!.endMs, Infinity);
  assert.equal(ws[0]!.startMs, 0);
});

test('drift: the largest post-warm-up window median against the first one; spikes inside a window do not count', () => {
  const plan = soakPlan(60_000);
  const ws = windowsOf(plan);
  const samples = [];
  for (let t = 0; t < 60_000; t += 1000) {
    // Growing during the warm-up, then flat at 100 with one GC spike, then 115 in the last window.
    const rss = t < 20_000 ? 50 + t / 1000 : t >= 55_000 ? 115 : t === 30_000 ? 500 : 100;
    samples.push({ atMs: t, rssBytes: rss });
  }
  const d = rssDrift(samples, ws);
  assert.equal(d.baselineBytes, 100);
  assert.equal(d.maxWindowBytes, 115);
  assert.ok(Math.abs(d.drift - 0.15) < 1e-9);
  assert.ok(verdict({ drift: d, hotOverBudget: 0, textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0 }).some((r) => r.startsWith('retained RSS drift 15.0%')));
  const flat = rssDrift(samples.map((s) => ({ ...s, rssBytes: s.atMs >= 55_000 ? 105 : s.rssBytes })), ws);
  assert.deepEqual(verdict({ drift: flat, hotOverBudget: 0, textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0 }), []);
  assert.equal(verdict({ drift: flat, hotOverBudget: 1, textDifferences: 2, unanswered: 3, requestErrors: 0, invalidResults: 0 }).length, 3);
  assert.ok(verdict({ drift: rssDrift([], ws), hotOverBudget: 0, textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0 })[0]!.includes('could not be measured'));
});

test('retained drift: medians of three checkpoints after the warm-up against the first three; the young generation does not count', () => {
  const plan = soakPlan(60_000);
  const MB = 2 ** 20;
  const at = (s: number, rss: number, young = 1) => ({ atMs: s * 1000, rssBytes: rss * MB, youngGenerationBytes: young * MB });
  // Before the warm-up's end: not judged, however low. V8 growing the young generation to 32 MB: not a leak.
  const steady = [at(5, 60), at(30, 101), at(35, 105), at(40, 133, 32), at(45, 103), at(50, 106), at(60, 104)];
  const d = retainedDrift(steady, plan);
  // Retained: 100, 104, 101, 102, 105, 103 → medians of three 101, 102, 102, 103.
  assert.equal(d.baselineBytes, 101 * MB);
  assert.equal(d.maxWindowBytes, 103 * MB);
  assert.ok(Math.abs(d.drift - 2 / 101) < 1e-9 && Math.abs(d.endDrift - 2 / 101) < 1e-9);
  assert.deepEqual(verdict({ drift: d, hotOverBudget: 0, textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0 }), []);
  // One low checkpoint at the warm-up's end, then flat 11% above it: noise, not a leak.
  const lowStart = retainedDrift([at(30, 91), at(35, 101), at(40, 102), at(45, 101), at(50, 103), at(60, 102)], plan);
  assert.equal(lowStart.baselineBytes, 100 * MB);
  assert.deepEqual(verdict({ drift: lowStart, hotOverBudget: 0, textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0 }), []);
  // Memory kept growing: judged, and one high checkpoint alone is not what is judged.
  const leak = retainedDrift([...steady.slice(0, 4), at(45, 111), at(50, 121), at(55, 126), at(60, 123)], plan);
  assert.equal(leak.maxWindowBytes, 122 * MB);
  assert.ok(Math.abs(leak.drift - 21 / 101) < 1e-9);
  assert.ok(verdict({ drift: leak, hotOverBudget: 0, textDifferences: 0, unanswered: 0, requestErrors: 0, invalidResults: 0 })[0]!.startsWith('retained RSS drift 20.8%'));
  assert.ok(!Number.isFinite(retainedDrift([at(5, 60)], plan).drift), 'no checkpoint after the warm-up: not measured');
});

test('latency: nearest-rank percentiles per window and per method', () => {
  const ws = windowsOf(soakPlan(60_000));
  const records = Array.from({ length: 100 }, (_, i) => ({ atMs: 21_000, method: i % 2 ? 'a' : 'b', ms: i + 1 }));
  const w = latencyByWindow(records, ws).find((x) => x.all.n > 0)!;
  assert.equal(w.startMs, 20_000);
  assert.equal(w.all.n, 100);
  assert.equal(w.all.p50, 50);
  assert.equal(w.all.p99, 99);
  assert.equal(w.byMethod['a']!.n, 50);
  assert.equal(w.byMethod['a']!.max, 100);
});
