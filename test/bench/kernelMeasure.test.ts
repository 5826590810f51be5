/**
 * The kernel section's pure helpers (kernelMeasure.ts, corpus/kernel.ts, run.ts): targets are real
 * identifiers at their exact positions and the same for the same seed, percentiles count timeouts
 * as the timeout, the RSS chart's series share one ascending axis and keep peaks, ctags is asked for
 * Strata's languages, and the kernel corpus is built only for the kernel section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ctagsArgs, identifierTokens, maskCommentsAndStrings, pickTargets, rssChart, summarizeSamples, type Sample,
} from './kernelMeasure.js';
import { positionAt } from './lspMeasure.js';
import { tarMembers } from './corpus/kernel.js';
import { corpusParts } from './run.js';

const C = [
  '#include <linux/fs.h>',
  '#define MAX_LEN 16 /* the most */',
  '// a comment naming fake_name',
  'static int ext2_fill(struct inode *inode, const char *s)',
  '{',
  '\tchar c = \'"\'; printk("not_a_name %d", 0x1fUL);',
  '\treturn do_fill(inode->i_sb, s, MAX_LEN);',
  '}',
  '',
].join('\n');

test('masking keeps offsets and line breaks, and blanks comments, literals and #include lines', () => {
  const masked = maskCommentsAndStrings(C);
  assert.equal(masked.length, C.length);
  assert.deepEqual([...masked].map((c, i) => (c === '\n') === (C[i] === '\n')).every(Boolean), true);
  assert.doesNotMatch(masked, /fake_name|not_a_name|linux|the most/);
  assert.match(masked, /ext2_fill/);
});

test('identifier tokens: no keywords, directive names, short names, comment or string words', () => {
  assert.deepEqual(identifierTokens(C).map((t) => t.name), [
    'MAX_LEN', 'ext2_fill', 'inode', 'inode', 'printk', 'do_fill', 'inode', 'i_sb', 'MAX_LEN',
  ]);
  for (const t of identifierTokens(C)) assert.equal(C.slice(t.offset, t.offset + t.name.length), t.name);
});

test('positions are LSP lines and UTF-16 characters', () => {
  const text = 'ab\né€x = y;\n\nz';
  assert.deepEqual(positionAt(text, 0), { line: 0, character: 0 });
  assert.deepEqual(positionAt(text, text.indexOf('x')), { line: 1, character: 2 });
  assert.deepEqual(positionAt(text, text.indexOf('z')), { line: 3, character: 0 });
});

test('targets: the same seed gives the same identifiers, each at its position, with a 3–8 character prefix', () => {
  const texts = new Map([
    ['/a.c', C], ['/empty.c', '/* nothing */\n'], ['/b.c', 'int main(void) { return helper_function(argc); }\n'],
  ]);
  const files = [...texts.keys()].sort();
  const read = (p: string) => texts.get(p)!;
  const a = pickTargets(files, 40, 7, read);
  assert.equal(a.length, 40);
  assert.deepEqual(pickTargets(files, 40, 7, read), a);
  assert.notDeepEqual(pickTargets(files, 40, 8, read), a);
  assert.ok(a.every((t) => t.path !== '/empty.c'));
  for (const t of a) {
    assert.equal(read(t.path).split('\n')[t.line]!.slice(t.character, t.character + t.name.length), t.name);
    assert.ok(t.name.startsWith(t.query) && t.query.length >= Math.min(3, t.name.length) && t.query.length <= 8);
  }
  assert.ok(new Set(a.map((t) => t.query.length)).size > 1);
  assert.deepEqual(pickTargets(['/empty.c'], 5, 1, read), []);
});

test('latency summary: nearest-rank percentiles, a timeout counted as the timeout', () => {
  const samples: Sample[] = Array.from({ length: 100 }, (_, i) => ({ ms: i + 1, outcome: 'hit' }));
  samples[0] = { ms: 3, outcome: 'timeout' };
  samples[1] = { ms: 2, outcome: 'empty' };
  samples[2] = { ms: 3, outcome: 'error' };
  const s = summarizeSamples(samples, 60_000);
  assert.equal(s.p50, 51);
  assert.equal(s.p90, 91);
  assert.equal(s.p99, 100);
  assert.equal(s.max, 60_000);
  assert.deepEqual([s.n, s.hits, s.empty, s.errors, s.timeouts], [100, 97, 1, 1, 1]);
  assert.ok(Number.isNaN(summarizeSamples([], 1).p50));
});

test('RSS chart: one ascending grid for every series, bucket peaks, gaps repeat the last value', () => {
  const MB = 2 ** 20;
  const chart = rssChart('t', [
    { name: 'long', samples: Array.from({ length: 600 }, (_, i) => ({ t: i, bytes: (i === 301 ? 900 : 100) * MB })) },
    { name: 'short', samples: [{ t: 0, bytes: 10 * MB }, { t: 9, bytes: 30 * MB }] },
  ], 300);
  const [long, short] = chart.series;
  assert.equal(long!.points.length, 300);
  assert.deepEqual(long!.points.slice(0, 2).map((p) => p.x), [0, 2]);
  assert.equal(long!.points[150]!.y, 900);
  assert.equal(Math.max(...long!.points.map((p) => p.y)), 900);
  assert.deepEqual(short!.points.map((p) => [p.x, p.y]), [[0, 10], [2, 10], [4, 10], [6, 10], [8, 30]]);
  assert.deepEqual(short!.points.map((p) => p.x), long!.points.slice(0, 5).map((p) => p.x));
});

test('ctags runs on Strata\'s languages with .h as C; the kernel corpus only for the kernel section', () => {
  const args = ctagsArgs('/k', '/t/tags');
  const langs = args.find((a) => a.startsWith('--languages='))!.slice(12).split(',');
  assert.ok(['C', 'C++', 'Sh', 'Python', 'Rust', 'JSON'].every((l) => langs.includes(l)));
  assert.ok(args.includes('--map-C=+.h') && args.includes('--map-C++=-.h'));
  assert.deepEqual(args.slice(-3), ['-f', '/t/tags', '/k']);
  assert.deepEqual(tarMembers('linux', false), []);
  const small = tarMembers('linux', true);
  // The subtrees come before --no-recursion (whole), the top-level pattern after it (its entries only).
  assert.ok(small.indexOf('linux/fs') < small.indexOf('--no-recursion'));
  assert.ok(small.indexOf('--no-recursion') < small.indexOf('linux/*'));
  assert.deepEqual(corpusParts(['kernel']), { general: false, kernel: true });
  assert.deepEqual(corpusParts(['cache', 'lsp']), { general: true, kernel: false });
  assert.deepEqual(corpusParts(['cache', 'kernel']), { general: true, kernel: true });
});
