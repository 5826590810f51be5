/**
 * What a save of the persistent cache costs after one file changed, on a real tree and its store
 * (written by `strata index`): the save a server makes now — a delta of the changed file — and the
 * whole rewrite every save made before (the same index written as a new base, which is also what a
 * compaction costs), one after the other in one process, through index/persistence.ts as the server
 * runs it. Used by the benchmark's persist section and by test/index/snapshot/measureSave.ts.
 *
 * The index is loaded from the store as a server's start loads it (every file kept, nothing parsed);
 * the changed file is the middle one of the tree in key order, whose hard link (the bench's trees are
 * `cp -al` copies) is replaced by a copy with a comment appended, so the corpus is never modified.
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Logger } from '../../server/src/base/log.js';
import { createSourceCache } from '../../server/src/cache/index.js';
import { indexFileFromDisk, type IndexTargets } from '../../server/src/index/fileIndexer.js';
import { FileTable } from '../../server/src/index/fileTable.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { Persistence } from '../../server/src/index/persistence.js';
import { defaultSettings } from '../../server/src/index/settings.js';
import { SymbolIndex } from '../../server/src/index/symbolIndex.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';

const MiB = 1024 * 1024;

export interface OneFileSave {
  files: number;
  /** The store's bytes before the change (manifest, base, deltas). */
  storeBytes: number;
  loadMs: number;
  changedFile: string;
  changedBytes: number;
  /** The delta save: bytes written, milliseconds. */
  deltaBytes: number;
  deltaMs: number;
  /** The whole rewrite (a new base): bytes written, milliseconds. */
  fullBytes: number;
  fullMs: number;
}

/** Measures one file's save on `root`, whose store is at `snapshot` (see header); changes that file on disk. */
export async function measureOneFileSave(root: string, snapshot: string): Promise<OneFileSave> {
  const pool = new ParserPool({ size: 1 });
  const occurrences = new Occurrences({ log: Logger.silent(), memtableBytes: 1 << 20, blockCacheBytes: 1 << 20 });
  const t: IndexTargets = {
    cache: await createSourceCache({ warmBytes: 256 * MiB, coldBytes: 256 * MiB }), pool,
    symbols: new SymbolIndex(), files: new FileTable(), log: Logger.silent(), occurrences,
    enabled: () => true, treeCapBytes: () => 8 * MiB,
  };
  const persist = new Persistence({
    targets: t, settings: () => defaultSettings(), isOpen: () => false, snapshotFile: () => snapshot,
  });
  try {
    const t0 = performance.now();
    const reconcile = await persist.load(root);
    if (!reconcile) throw new Error('persistence is off');
    const keys = [...t.files.keys()].sort();
    for (const key of keys) {
      const st = statSync(key);
      reconcile.keep({ path: key, relativePath: relative(root, key), size: st.size, mtimeMs: st.mtimeMs, tooLarge: false });
    }
    reconcile.finish(0);
    const loadMs = performance.now() - t0;
    const storeBytes = persist.stats().storeBytes ?? 0;
    if (keys.length === 0) throw new Error(`${snapshot}: an empty store`);
    // The change: a comment appended to one file, written as a new file (the old one may be a hard link).
    const key = keys[Math.floor(keys.length / 2)]!;
    const bytes = readFileSync(key);
    unlinkSync(key);
    writeFileSync(key, Buffer.concat([bytes, Buffer.from('\n/* strata bench: one file changed */\n')]));
    const st = statSync(key);
    await indexFileFromDisk(t, key, { size: st.size, mtimeMs: st.mtimeMs });
    persist.changed([key]);
    await persist.save(root);
    const delta = persist.stats();
    if (delta.deltaSaves !== 1) throw new Error(`the one-file save wrote a ${delta.deltaSaves ? 'delta' : 'whole base'}`);
    await persist.compact(root);
    const full = persist.stats();
    if (full.saves !== 2 || full.failedSaves !== 0) throw new Error(`the whole rewrite failed (${JSON.stringify(full)})`);
    return {
      files: keys.length, storeBytes, loadMs, changedFile: key, changedBytes: st.size,
      deltaBytes: delta.lastSaveBytes, deltaMs: delta.lastSaveMs, fullBytes: full.lastSaveBytes, fullMs: full.lastSaveMs,
    };
  } finally {
    persist.close();
    occurrences.close();
    await pool.close();
  }
}
