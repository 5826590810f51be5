/**
 * Snapshot location and disk budget: the path layout (cacheDir, $XDG_CACHE_HOME, ~/.cache; root hash
 * + readable name + format version), cacheRootOf as its inverse, and least-recently-used removal of
 * whole workspace folders until the total is within budget — never the current one, never a folder
 * that is not ours — counting every file of a store (manifest, base, deltas) and its occurrence
 * index. Also: stale temp files of dead writers are removed by the next writer, a live writer's are
 * kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SNAPSHOT_FORMAT_VERSION, cacheRootOf, enforceDiskBudget, snapshotPath } from '../../../server/src/index/snapshot/location.js';
import { SnapshotWriter } from '../../../server/src/index/snapshot/writer.js';
import { SnapshotReader } from '../../../server/src/index/snapshot/reader.js';
import { StoreWriter } from '../../../server/src/index/snapshot/store.js';
import { entryPath } from '../../../server/src/index/snapshot/manifest.js';
import { fileFor, sourceText, tempDir } from './helpers.js';

test('snapshotPath: cacheDir, then $XDG_CACHE_HOME, then ~/.cache; keyed by root hash and format version', () => {
  const env = { HOME: '/home/u', XDG_CACHE_HOME: '/xdg' };
  const p = snapshotPath('/work/my proj', '', env);
  assert.match(p, new RegExp(`^/xdg/strata/v${SNAPSHOT_FORMAT_VERSION}/[0-9a-f]{16}-my_proj/snapshot\\.strata$`));
  assert.equal(path.dirname(snapshotPath('/work/my proj', '/c', env)).replace('/c/', '/xdg/'), path.dirname(p));
  assert.match(snapshotPath('/work/x', '', { HOME: '/home/u' }), /^\/home\/u\/\.cache\/strata\/v\d+\//);
  assert.match(snapshotPath('/work/x', '', { HOME: '/home/u', XDG_CACHE_HOME: 'relative' }), /^\/home\/u\/\.cache\//, 'a relative XDG_CACHE_HOME is ignored');
  // Same basename, different roots: different folders. Same root spelled differently: the same.
  assert.notEqual(path.dirname(snapshotPath('/a/proj', '', env)), path.dirname(snapshotPath('/b/proj', '', env)));
  assert.equal(snapshotPath('/a/proj/', '', env), snapshotPath('/a/x/../proj', '', env));
  assert.match(snapshotPath('/', '', env), /[0-9a-f]{16}-root\/snapshot\.strata$/);
});

test('cacheRootOf inverts the default layout and rejects other paths', () => {
  const p = snapshotPath('/work/proj', '/c', {});
  assert.equal(cacheRootOf(p), '/c/strata');
  assert.equal(cacheRootOf('/tmp/out.strata'), undefined);
  assert.equal(cacheRootOf('/c/strata/v1/notours/snapshot.strata'), undefined);
  assert.equal(cacheRootOf('/c/other/v1/0123456789abcdef-x/snapshot.strata'), undefined);
});

test('disk budget: oldest workspace folders go first until within budget; the current one never', () => {
  const base = tempDir('strata-budget-');
  try {
    const root = path.join(base, 'strata');
    const day = 86_400_000;
    const now = Date.now();
    const make = (name: string, version: string, bytes: number, ageDays: number) => {
      const dir = path.join(root, version, name);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'snapshot.strata');
      fs.writeFileSync(file, new Uint8Array(bytes));
      const t = new Date(now - ageDays * day);
      fs.utimesSync(file, t, t);
      return file;
    };
    const a = make('aaaaaaaaaaaaaaaa-a', 'v1', 3000, 10);
    const b = make('bbbbbbbbbbbbbbbb-b', 'v0', 3000, 20); // older version, oldest use
    const c = make('cccccccccccccccc-c', 'v1', 3000, 5);
    const current = make('dddddddddddddddd-d', 'v1', 5000, 30); // oldest of all, but current
    fs.mkdirSync(path.join(root, 'v1', 'not-ours'), { recursive: true });
    fs.writeFileSync(path.join(root, 'v1', 'not-ours', 'big'), new Uint8Array(50_000));

    // Within budget: nothing removed.
    assert.deepEqual(enforceDiskBudget(root, 20_000, current), { removed: [], totalBytes: 14_000 });
    // 9 000 B allowed: b (oldest) and a must go, c stays, current stays although it is the oldest.
    const r = enforceDiskBudget(root, 9_000, current);
    assert.deepEqual(r.removed, [path.dirname(b), path.dirname(a)]);
    assert.equal(r.totalBytes, 8_000);
    assert.ok(!fs.existsSync(path.join(root, 'v0')), 'an emptied version folder is removed');
    assert.ok(fs.existsSync(c) && fs.existsSync(current) && fs.existsSync(path.join(root, 'v1', 'not-ours', 'big')));
    // A budget below the current snapshot alone: everything else goes, the current stays.
    const r2 = enforceDiskBudget(root, 0, current);
    assert.deepEqual(r2.removed, [path.dirname(c)]);
    assert.equal(r2.totalBytes, 5_000);
    assert.ok(fs.existsSync(current));
    // A folder being written (fresh temp file) counts as recently used.
    const e = make('eeeeeeeeeeeeeeee-e', 'v1', 1000, 40);
    const f = make('ffffffffffffffff-f', 'v1', 1000, 35);
    fs.writeFileSync(path.join(path.dirname(e), 'snapshot.strata.1-ab.tmp'), new Uint8Array(10));
    assert.deepEqual(enforceDiskBudget(root, 6_100, current).removed, [path.dirname(f)]);
    // A cache root that does not exist (yet): nothing to do.
    assert.equal(enforceDiskBudget(path.join(base, 'missing'), 0, current).totalBytes, 0);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a load touches the snapshot (its folder becomes the most recently used)', async () => {
  const base = tempDir('strata-touch-');
  try {
    const file = snapshotPath('/ws', base, {});
    const w = await SnapshotWriter.create(file, { root: '/ws' });
    const t = sourceText(1, 100);
    await w.add(fileFor('/ws/a.ts', t), t);
    await w.commit();
    const old = new Date(Date.now() - 10 * 86_400_000);
    fs.utimesSync(file, old, old);
    SnapshotReader.open(file, { root: '/ws' }, { touch: false }).close();
    assert.ok(fs.statSync(file).mtimeMs < Date.now() - 86_400_000);
    SnapshotReader.open(file, { root: '/ws' }).close();
    assert.ok(fs.statSync(file).mtimeMs > Date.now() - 60_000);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('the next writer removes temp files of dead writers and keeps a live writer\'s', async () => {
  const dir = tempDir('strata-stale-');
  try {
    const file = path.join(dir, 'snapshot.strata');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const deadTemp = `${file}.${dead}-0badf00d.tmp`;
    const liveTemp = `${file}.${process.pid}-0000beef.tmp`;
    const ancientTemp = `${file}.${process.ppid}-00000001.tmp`; // a live pid, but a day old: pid reuse
    const otherFile = path.join(dir, 'other.strata.123-00.tmp');
    for (const p of [deadTemp, liveTemp, ancientTemp, otherFile]) fs.writeFileSync(p, 'x');
    const old = new Date(Date.now() - 2 * 86_400_000);
    fs.utimesSync(ancientTemp, old, old);
    const w = await SnapshotWriter.create(file, { root: '/ws' });
    assert.ok(!fs.existsSync(deadTemp) && !fs.existsSync(ancientTemp));
    assert.ok(fs.existsSync(liveTemp) && fs.existsSync(otherFile));
    await w.commit();
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(otherFile), path.basename(file), path.basename(liveTemp)].sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the disk budget counts every file of a store (manifest, base, deltas) and its occurrence index', async () => {
  const base = tempDir('strata-budget-store-');
  try {
    const file = snapshotPath('/ws', base, {});
    let w = await StoreWriter.create(file, '/ws', 'base', undefined);
    const t = sourceText(1, 40_000);
    await w.add(fileFor('/ws/a.ts', t), t);
    const first = await w.commit();
    w = await StoreWriter.create(file, '/ws', 'delta', first.manifest);
    const u = sourceText(2, 20_000);
    await w.add(fileFor('/ws/b.ts', u), u);
    await w.remove('/ws/a.ts');
    const second = await w.commit();
    fs.mkdirSync(`${file}.occ`);
    fs.writeFileSync(path.join(`${file}.occ`, 'occ-1.seg'), new Uint8Array(777));
    const listed = [second.manifest.base, ...second.manifest.deltas].map((e) => fs.statSync(entryPath(file, e)).size);
    const total = listed.reduce((a, b) => a + b, 0) + fs.statSync(file).size + 777;
    assert.equal(listed.length, 2);
    const cacheRoot = cacheRootOf(file)!;
    assert.deepEqual(enforceDiskBudget(cacheRoot, 1 << 30, file), { removed: [], totalBytes: total });
    // Another workspace over budget with it goes whole; the store's folder is never cut into.
    const other = snapshotPath('/other', base, {});
    fs.mkdirSync(path.dirname(other), { recursive: true });
    fs.writeFileSync(other, new Uint8Array(5000));
    const old = new Date(Date.now() - 86_400_000);
    fs.utimesSync(other, old, old);
    const r = enforceDiskBudget(cacheRoot, total, file);
    assert.deepEqual(r, { removed: [path.dirname(other)], totalBytes: total });
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
