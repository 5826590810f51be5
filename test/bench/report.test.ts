/**
 * The report's rendering and the runner's pure helpers: targets marked met/missed, Markdown tables
 * escape cells, the SVG is well-formed enough to hold one labelled bar per point, percentiles use
 * the nearest rank, query sets are deterministic, arguments parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown, renderSvg, targetMet, machineFacts, type BenchReport } from './report.js';
import { percentile, seeded, shellFunctionNames } from './lspMeasure.js';
import { parseArgs } from './run.js';

const report: BenchReport = {
  machine: machineFacts(),
  corpus: { plan: 'small', sets: 1, files: 2, bytes: 3 },
  missing: ['syntax'], errors: [{ id: 'cache', message: 'boom' }], elapsedMs: 5,
  sections: [{
    id: 'x', title: 'X', metrics: [
      { name: 'rss', value: 120.5, unit: 'MB', target: { op: '<=', value: 100 } },
      { name: 'a|b', value: 3, unit: 'ms', target: { op: '<=', value: 5 } },
    ],
    tables: [{ title: 'T', columns: ['k', 'v'], rows: [['a', 1]] }],
    charts: [
      { title: 'Bars', unit: 'MB', kind: 'bar', series: [{ name: 's', points: [{ x: 'a<b', y: 1 }, { x: 'c', y: 2 }] }] },
      { title: 'Line', unit: 'ms', kind: 'line', series: [{ name: 's', points: [{ x: 1, y: 1 }, { x: 2, y: 3 }] }] },
    ],
  }],
};

test('targets and Markdown', () => {
  assert.equal(targetMet(report.sections[0]!.metrics[0]!), false);
  assert.equal(targetMet({ name: 'n', value: 1, unit: '' }), undefined);
  const md = renderMarkdown(report);
  assert.match(md, /\| rss \| 121 \| MB \| <= 100 \| missed \|/);
  assert.match(md, /\| a\\\|b \| 3 \| ms \| <= 5 \| met \|/);
  assert.match(md, /not present.*syntax/);
  assert.match(md, /cache failed:\*\* boom/);
});

test('SVG has a labelled bar per point and escapes text', () => {
  const svg = renderSvg(report);
  assert.ok(svg.startsWith('<svg'));
  assert.equal((svg.match(/<rect x="260"/g) ?? []).length, 2);
  assert.match(svg, /a&lt;b/);
  assert.match(svg, /2 MB/);
  assert.match(svg, /<polyline/);
});

test('percentiles, seeded sampling, shell names, arguments', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  const a = seeded(1);
  const b = seeded(1);
  assert.deepEqual([a(), a()], [b(), b()]);
  assert.deepEqual(shellFunctionNames('foo() {\n  function bar {\n_baz () { :; }\nx=1\n'), ['foo', 'bar', '_baz']);
  assert.deepEqual(parseArgs(['--small', '--only', 'cache,peer-bash']), { small: true, only: ['cache', 'peer-bash'], out: undefined });
  // A mistyped flag stops before anything runs; --help only prints the usage.
  assert.throws(() => parseArgs(['--smal']), /unknown argument "--smal"/);
  assert.equal(parseArgs(['--help']).help, true);
});
