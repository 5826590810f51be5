/**
 * Saves of the persistent cache (index/persistence.ts) driven directly, so that every request lands
 * while a save is known to run (right after `save` was called, before its first await returns):
 * - saves, flushes and changes requested during a save never start a second write of the same
 *   snapshot file (`mostSavesAtOnce`), also when the root is removed and added again meanwhile, and
 *   they coalesce into at most one follow-up save;
 * - `changed(keys)` schedules a save only when a record would differ from the snapshot's: keys that
 *   changed nothing never write, a file edited on disk and re-indexed writes once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '../../server/src/base/log.js';
import { createSourceCache } from '../../server/src/cache/index.js';
import { forgetFile, indexFileFromDisk, type IndexTargets } from '../../server/src/index/fileIndexer.js';
import { FileTable } from '../../server/src/index/fileTable.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { Persistence } from '../../server/src/index/persistence.js';
import { defaultSettings } from '../../server/src/index/settings.js';
import { SymbolIndex } from '../../server/src/index/symbolIndex.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';

const FILE_COUNT = 24;

const occurrences = new Occurrences({ log: Logger.silent(), memtableBytes: 1 << 20, blockCacheBytes: 1 << 20 });

describe('persistent cache saves: one at a time, and only for what changed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-saves-'));
  const root = path.join(dir, 'root');
  const snapshot = path.join(dir, 'cache', 'snapshot.strata');
  const keys = Array.from({ length: FILE_COUNT }, (_, i) => path.join(root, `file${i}.js`));
  let pool: ParserPool;
  let targets: IndexTargets;

  async function emptyTargets(): Promise<IndexTargets> {
    return {
      cache: await createSourceCache({ warmBytes: 16 << 20, coldBytes: 16 << 20 }), pool,
      symbols: new SymbolIndex(), files: new FileTable(), log: Logger.silent(), occurrences,
      enabled: () => true, treeCapBytes: () => 1 << 20,
    };
  }

  /** A persistence of `root` whose snapshot is `snapshot`; nothing is open in an editor. */
  function persistence(into = targets): Persistence {
    return new Persistence({
      targets: into, settings: () => defaultSettings(), isOpen: () => false, snapshotFile: () => snapshot,
    });
  }

  async function indexFromDisk(key: string): Promise<void> {
    const st = fs.statSync(key);
    await indexFileFromDisk(targets, key, { size: st.size, mtimeMs: st.mtimeMs });
  }

  before(async () => {
    fs.mkdirSync(root, { recursive: true });
    fs.mkdirSync(path.dirname(snapshot), { recursive: true });
    keys.forEach((key, i) => fs.writeFileSync(key, `export function f${i}(x) { return x + ${i}; }\n`));
    pool = new ParserPool({ size: 1 });
    targets = await emptyTargets();
    for (const key of keys) await indexFromDisk(key);
  });

  after(async () => {
    occurrences.close();
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('requests during a save wait for it, and a root added again meanwhile saves after it', async () => {
    const persist = persistence();
    // No snapshot yet: the root's first save is due.
    await persist.load(root);
    const first = persist.save(root);
    // The first save is running now. The root leaves and comes back (a new state, the same file), and
    // its load finds no snapshot yet, so another save is due at once.
    persist.removeRoot(root);
    const reload = persist.load(root);
    const requests = [persist.save(root), persist.flush(Infinity), persist.save(root), persist.save(root)];
    await Promise.all([first, reload, ...requests]);
    const st = persist.stats();
    assert.equal(st.mostSavesAtOnce, 1, 'two saves of one snapshot file ran at once');
    assert.equal(st.saves, 2, 'the first save and one follow-up');
    assert.equal(st.failedSaves, 0);
    persist.close();
  });

  it('changes during a save are decided against what that save wrote', async () => {
    const persist = persistence();
    await persist.load(root);
    // Every file is current in the snapshot: marking them all changed writes nothing.
    persist.changed(keys);
    await persist.flush(Infinity);
    assert.equal(persist.stats().saves, 0, 'nothing changed, nothing written');

    // A file edited on disk and re-indexed: its record differs, one save.
    fs.appendFileSync(keys[0]!, 'export function appended() {}\n');
    await indexFromDisk(keys[0]!);
    persist.changed([keys[0]!]);
    const save = persist.save(root);
    // During that save: a file deleted (before the save reaches it), keys that changed nothing, more requests.
    fs.unlinkSync(keys[1]!);
    forgetFile(targets, keys[1]!);
    persist.changed([keys[1]!, ...keys.slice(2)]);
    await Promise.all([save, persist.save(root), persist.flush(Infinity), persist.save(root)]);
    let st = persist.stats();
    assert.equal(st.saves, 1, 'the deletion was written by the running save: no follow-up');
    assert.equal(st.mostSavesAtOnce, 1);

    // Re-reading unchanged files (as a freshness check or a watched-file event does) changes no record.
    for (const key of keys.slice(2, 6)) await indexFromDisk(key);
    persist.changed(keys.slice(2, 6));
    await persist.flush(Infinity);
    st = persist.stats();
    assert.equal(st.saves, 1, 're-indexing unchanged files wrote nothing');
    persist.close();

    // What was written is the disk: a new load finds the edit and not the deleted file.
    const loadedInto = await emptyTargets();
    const fresh = persistence(loadedInto);
    await fresh.load(root);
    assert.equal(fresh.stats().loadedFiles, FILE_COUNT - 1);
    assert.equal(loadedInto.files.has(keys[1]!), false, 'the deleted file is not in the snapshot');
    assert.ok(loadedInto.symbols.search('appended', 10).some((m) => m.path === keys[0]), 'the edit was saved');
    fresh.close();
  });
});
