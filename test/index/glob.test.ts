/**
 * Exclude globs: the documented syntax on examples (including the settings' defaults), directory
 * exclusion of `dir/**` patterns, and a property that literal names always match themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileGlobs } from '../../server/src/index/glob.js';

test('glob syntax', () => {
  const g = compileGlobs(['**/node_modules/**', '*.min.js', '/build', 'docs/**/*.{md,txt}', 'tmp?/', 'x[0-9].c', 'y[!a].c']);
  assert.ok(g.matchesDirectory('node_modules'));
  assert.ok(g.matchesDirectory('pkg/a/node_modules'));
  assert.ok(g.matchesFile('pkg/node_modules/x/index.js'));
  assert.ok(!g.matchesDirectory('node_modules_extra'));
  assert.ok(g.matchesFile('a.min.js') && g.matchesFile('deep/er/a.min.js'));
  assert.ok(!g.matchesFile('a.min.jsx'));
  assert.ok(g.matchesDirectory('build') && !g.matchesDirectory('src/build'));
  assert.ok(g.matchesFile('docs/a.md') && g.matchesFile('docs/x/y/b.txt') && !g.matchesFile('docs/a.rs'));
  assert.ok(g.matchesDirectory('tmp1') && !g.matchesFile('tmp1'), 'trailing slash: directories only');
  assert.ok(g.matchesFile('x5.c') && !g.matchesFile('xa.c'));
  assert.ok(g.matchesFile('yb.c') && !g.matchesFile('ya.c'));
  assert.ok(!g.matchesFile('src/index.ts'));
});

test('unclosed brackets and braces are literal, never throw', () => {
  const g = compileGlobs(['a[b', 'c{d', 'e.(f)+']);
  assert.ok(g.matchesFile('a[b'));
  assert.ok(g.matchesFile('c{d'));
  assert.ok(g.matchesFile('e.(f)+') && !g.matchesFile('ee(f)'));
});

test('a literal name matches itself at any depth and nothing else', () => {
  fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9._()+$^-]{1,12}$/), fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 3 }), (name, dirs) => {
    const g = compileGlobs([name]);
    assert.ok(g.matchesFile([...dirs, name].join('/')));
    assert.ok(!g.matchesFile([...dirs, `${name}x`].join('/')));
  }));
});
