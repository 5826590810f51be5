/**
 * Measures a one-file save on any tree (the benchmark's persist section does the same on its corpus):
 * `strata index` writes the tree's store into a private cache folder, then test/bench/persistSave.ts
 * changes one file and times the delta save and the whole rewrite. The tree is copied as hard links
 * first (`cp -al`), so it is never modified. Run alone on a quiet machine:
 *   node dist/test/index/snapshot/measureSave.js DIR
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { strataIndex } from '../../bench/sections/persist.js';
import { measureOneFileSave } from '../../bench/persistSave.js';
import { findRepoRoot } from '../../bench/corpus.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: measureSave DIR\n');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'strata-measure-save-'));
try {
  const tree = join(work, basename(resolve(dir)));
  mkdirSync(work, { recursive: true });
  const cp = spawnSync('cp', ['-al', resolve(dir), tree], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp -al: ${cp.stderr}`);
  const cache = join(work, 'xdg');
  const index = await strataIndex(findRepoRoot(), tree, cache);
  const snapshot = index.stats.persist.snapshotPath as string;
  const r = await measureOneFileSave(tree, snapshot);
  console.log(JSON.stringify({
    files: r.files, indexMs: Math.round(index.ms), storeBytes: r.storeBytes, loadMs: Math.round(r.loadMs),
    changedFile: r.changedFile.slice(tree.length + 1), changedBytes: r.changedBytes,
    deltaBytes: r.deltaBytes, deltaMs: Math.round(r.deltaMs), fullBytes: r.fullBytes, fullMs: Math.round(r.fullMs),
  }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
