/**
 * The persistent cache's settings: `cacheDir` ('' = default, 'off' = no persistent cache, else a
 * folder) and `cacheDiskMB` (disk budget), in nested and dotted form; wrong values fall back to the
 * default with a problem naming the setting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings, parseSettings, persistenceEnabled } from '../../server/src/index/settings.js';

test('cacheDir and cacheDiskMB: defaults, nested and dotted forms, off', () => {
  const d = defaultSettings();
  assert.equal(d.cacheDir, '');
  assert.equal(d.cacheDiskMB, 2048);
  assert.ok(persistenceEnabled(d));
  const a = parseSettings({ strata: { cacheDir: '/tmp/x', cacheDiskMB: 64 } });
  assert.deepEqual(a.problems, []);
  assert.equal(a.settings.cacheDir, '/tmp/x');
  assert.equal(a.settings.cacheDiskMB, 64);
  assert.ok(persistenceEnabled(a.settings));
  const b = parseSettings({ 'cacheDiskMB': 10, 'cacheDir': 'off' });
  assert.deepEqual(b.problems, []);
  assert.equal(b.settings.cacheDiskMB, 10);
  assert.equal(persistenceEnabled(b.settings), false);
  assert.equal(persistenceEnabled(parseSettings({ cacheDir: ' OFF ' }).settings), false);
});

test('bad cacheDir / cacheDiskMB values keep the previous value and are reported', () => {
  for (const bad of [0, -5, 'big', Number.NaN, 2 ** 30]) {
    const r = parseSettings({ cacheDiskMB: bad });
    assert.equal(r.settings.cacheDiskMB, 2048);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, /strata\.cacheDiskMB/);
  }
  const r = parseSettings({ cacheDir: 42 });
  assert.equal(r.settings.cacheDir, '');
  assert.match(r.problems[0]!, /strata\.cacheDir/);
});
