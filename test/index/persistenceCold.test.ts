/**
 * The snapshot store as the cold tier (index/persistence.ts, cache `back`), with real parts:
 * - model-based (property): a workspace indexed from disk under a small warm budget (its texts leave
 *   memory instead of going cold: backed by the files they were read from), then random edits on disk
 *   (re-indexed), saves and reads: the cold tier never holds anything (0 files, 0 bytes), after every
 *   save every file the store holds is backed by the store's copy, and every text reads back
 *   byte-identical to the disk;
 * - a save racing an edit (the cache's text replaced at any point of the save, before the index has
 *   the new analysis) never backs the edited file by the store's older text: after the save every file
 *   backed by the store has its current text there, every file backed by its origin has it on disk,
 *   and the edited text reads back;
 * - a document closed unchanged (its entry given back its disk fallback) is backed by the store again
 *   at once, without a save; while it is open it never is;
 * - delta merges and new bases after the texts left memory keep them readable from the store alone
 *   (the files' mtimes changed, so the disk fallback refuses), and the dropped files are deleted;
 * - a flipped byte in every pack of the store after the texts left memory is detected: while the disk
 *   is unchanged the texts come from it, byte-identical; a file changed on disk raises IntegrityError
 *   (never other bytes) and a re-read (freshness.ts `recover`) serves the disk's text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Logger } from '../../server/src/base/log.js';
import { IntegrityError } from '../../server/src/cache/index.js';
import type { IndexTargets } from '../../server/src/index/fileIndexer.js';
import { diskFallback } from '../../server/src/index/diskFallback.js';
import { Freshness } from '../../server/src/index/freshness.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { SnapshotReader } from '../../server/src/index/snapshot/reader.js';
import { StoreReader } from '../../server/src/index/snapshot/store.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';
import { storeFiles } from './snapshot/helpers.js';
import { indexFromDisk, indexTargets, jsSource, loadRoot, persistenceOf } from './support/persistence.js';

const occurrences = new Occurrences({ log: Logger.silent(), memtableBytes: 1 << 20, blockCacheBytes: 1 << 20 });
/** Small enough that most of a workspace's texts leave the warm tier while it is indexed. */
const WARM_BYTES = 4 * 1024;

describe('the snapshot store is the cold tier', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cold-'));
  let pool: ParserPool;
  let run = 0;

  const targets = (): Promise<IndexTargets> => indexTargets(pool, occurrences, { warmBytes: WARM_BYTES, coldBytes: 64 << 20 });

  /** A root of `files` JavaScript files of various sizes, and where its snapshot goes. */
  function workspace(files: number, seed = 0): { root: string; snapshot: string; keys: string[] } {
    const base = path.join(dir, `ws${run++}`);
    const root = path.join(base, 'root');
    fs.mkdirSync(root, { recursive: true });
    const keys: string[] = [];
    for (let i = 0; i < files; i++) {
      const key = path.join(root, `f${i}.js`);
      fs.writeFileSync(key, jsSource(seed * 1000 + i, 20 + ((i * 37 + seed) % 90)));
      keys.push(key);
    }
    return { root, snapshot: path.join(base, 'cache', 'snapshot.strata'), keys };
  }

  /** Every key's text, read from the cache (peek, then read), equals the disk's. */
  function assertTextsAreDisk(t: IndexTargets, keys: readonly string[], what: string): void {
    for (const key of keys) {
      const disk = fs.readFileSync(key);
      assert.ok(Buffer.from(t.cache.peek(key)).equals(disk), `${what}: ${key} (peek)`);
      assert.ok(Buffer.from(t.cache.read(key)).equals(disk), `${what}: ${key} (read)`);
    }
  }

  /**
   * A file backed by the store has its cache entry's current text there; one backed by its origin, on
   * disk. Returns the count backed by the store.
   */
  function assertBackedAreStored(t: IndexTargets, snapshot: string, root: string, what: string): number {
    const r = StoreReader.open(snapshot, { root }, { touch: false });
    let backed = 0;
    try {
      for (const key of t.files.keys()) {
        if (t.cache.backing(key) === 'origin') {
          assert.ok(fs.readFileSync(key).equals(t.cache.peek(key)), `${what}: ${key} is backed by a file with another text`);
        }
        if (t.cache.backing(key) !== 'copy') continue;
        backed++;
        assert.ok(Buffer.from(r.readText(key)).equals(t.cache.peek(key)), `${what}: ${key} is backed by another text`);
      }
    } finally {
      r.close();
    }
    return backed;
  }

  before(() => {
    pool = new ParserPool({ size: 1 });
  });

  after(async () => {
    occurrences.close();
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('model-based: after every save the cold tier holds nothing and every text reads back exactly (property)', async (tc) => {
    let leftBefore = 0;
    let saves = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 4, max: 24 }), fc.nat(1000),
        fc.array(fc.oneof(
          { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), file: fc.nat(23), body: fc.nat(5000), lines: fc.integer({ min: 1, max: 120 }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), file: fc.nat(23) }) },
          { weight: 2, arbitrary: fc.constant({ kind: 'save' as const }) },
        ), { minLength: 3, maxLength: 16 }),
        async (files, seed, ops) => {
          const { root, snapshot, keys } = workspace(files, seed);
          const t = await targets();
          const p = persistenceOf(t, snapshot);
          let mtime = 1.7e12;
          try {
            await loadRoot(t, p, root);
            const { cold, evicted } = t.cache.stats().tiers;
            assert.deepEqual(cold, { files: 0, bytes: 0 }, 'nothing went cold while indexing');
            leftBefore += evicted.files;
            for (const [i, op] of [{ kind: 'save' as const }, ...ops].entries()) {
              const what = `step ${i} (${op.kind})`;
              if (op.kind === 'edit') {
                const key = keys[op.file % files]!;
                fs.writeFileSync(key, jsSource(op.body, op.lines));
                mtime += 1000;
                fs.utimesSync(key, mtime / 1000, mtime / 1000);
                await indexFromDisk(t, key);
                p.changed([key]);
              } else if (op.kind === 'read') {
                const key = keys[op.file % files]!;
                assert.ok(Buffer.from(t.cache.read(key)).equals(fs.readFileSync(key)), `${what}: ${key}`);
              } else {
                await p.save(root);
                saves++;
                const st = t.cache.stats();
                assert.equal(st.tiers.cold.files, 0, `${what}: cold files after a save`);
                assert.equal(st.tiers.cold.bytes, 0, `${what}: cold bytes after a save`);
                assert.equal(st.backedFiles, files, `${what}: every file is backed by the store`);
                assert.equal(assertBackedAreStored(t, snapshot, root, what), files);
                assertTextsAreDisk(t, keys, what);
              }
            }
            const st = t.cache.stats();
            assert.equal(st.integrity.crcFailures, 0);
            assert.equal(p.stats().damagedBlocks, 0);
            assert.equal(p.stats().failedSaves, 0);
          } finally {
            p.close();
          }
        }),
      { numRuns: 25 },
    );
    tc.diagnostic(`${saves} saves; ${leftBefore} texts left memory while indexing, before the first saves`);
    assert.ok(leftBefore > 0, 'texts left memory while indexing');
  });

  it('a save racing an edit never backs the edited file by the older text (any point of the save)', async (tc) => {
    /** Where the edit landed: before the save committed its file, or after. */
    const landed = { beforeCommit: 0, afterCommit: 0 };
    for (let ticks = 0; ticks < 32; ticks++) {
      for (const kind of ['cache-only', 'reindexed'] as const) {
        const { root, snapshot, keys } = workspace(12, ticks);
        const t = await targets();
        const p = persistenceOf(t, snapshot);
        try {
          await loadRoot(t, p, root);
          await p.save(root);
          // One file changes on disk and is re-indexed: the next save writes it as a delta.
          const key = keys[ticks % keys.length]!;
          fs.writeFileSync(key, jsSource(9000 + ticks, 30));
          await indexFromDisk(t, key);
          p.changed([key]);
          const saving = p.save(root);
          const saves = p.stats().saves;
          // A few turns of the event loop, then milliseconds: the save's awaits are file writes.
          if (ticks < 8) for (let i = 0; i < ticks; i++) await new Promise((r) => setImmediate(r));
          else await new Promise((r) => setTimeout(r, (ticks - 8) * 2));
          if (p.stats().saves > saves) landed.afterCommit++;
          else landed.beforeCommit++;
          // Meanwhile it changes again: the cache's text first (as the indexer puts it before the parse)...
          const edited = Buffer.from(jsSource(7000 + ticks, 25));
          fs.writeFileSync(key, edited);
          if (kind === 'cache-only') t.cache.put(key, edited);
          else await indexFromDisk(t, key); // ...or the whole re-index
          await saving;
          assert.equal(p.stats().failedSaves, 0);
          assertBackedAreStored(t, snapshot, root, `${kind} after ${ticks} ticks`);
          assert.ok(Buffer.from(t.cache.read(key)).equals(edited), `${kind} after ${ticks} ticks: the edited text`);
          // The index never had the cache-only text's analysis: no save may record it as the file's.
          if (kind === 'cache-only') assert.equal(t.cache.isBacked(key), false, `after ${ticks} ticks: backed`);
          // Whatever the save did, the next one makes the store and the cache agree again.
          if (kind === 'cache-only') await indexFromDisk(t, key);
          p.changed([key]);
          await p.save(root);
          assertBackedAreStored(t, snapshot, root, `${kind} after ${ticks} ticks, saved again`);
          assertTextsAreDisk(t, keys, `${kind} after ${ticks} ticks, saved again`);
          assert.equal(t.cache.stats().integrity.crcFailures, 0);
        } finally {
          p.close();
        }
      }
    }
    tc.diagnostic(`edits landed before the save's commit ${landed.beforeCommit} times, after it ${landed.afterCommit} times`);
    assert.ok(landed.beforeCommit > 0 && landed.afterCommit > 0, 'edits landed on both sides of the commit');
  });

  it('a document closed unchanged is backed by the store again without a save; an open one never is', async () => {
    const { root, snapshot, keys } = workspace(8, 11);
    const t = await targets();
    const held = new Set<string>();
    const p = persistenceOf(t, snapshot, { isOpen: (key) => held.has(key) });
    try {
      await loadRoot(t, p, root);
      await p.save(root);
      const key = keys[3]!;
      assert.equal(t.cache.isBacked(key), true);
      // Opened: the editor's copy becomes its fallback (documentSync.ts), so it is backed no more.
      held.add(key);
      t.cache.setFallback(key, () => fs.readFileSync(key));
      p.changed([key]);
      assert.equal(t.cache.isBacked(key), false, 'an open document is not backed');
      // Closed with the disk's text: its fallback is the disk's again, and the close is reported.
      held.delete(key);
      const st = fs.statSync(key);
      t.cache.setFallback(key, diskFallback(key, st.size, st.mtimeMs));
      assert.equal(t.cache.isBacked(key), false);
      p.changed([key]);
      assert.equal(t.cache.isBacked(key), true, 'backed again at its close');
      t.cache.setBudgets({ warmBytes: 0 });
      assert.equal(t.cache.tier(key), 'evicted');
      assert.ok(Buffer.from(t.cache.read(key)).equals(fs.readFileSync(key)));
      assert.equal(p.stats().saves, 1, 'without a save');
    } finally {
      p.close();
    }
  });

  it('merged deltas and a new base keep backed texts readable from the store alone', async () => {
    const { root, snapshot, keys } = workspace(30, 7);
    const t = await targets();
    const p = persistenceOf(t, snapshot, { compaction: { maxDeltas: 2, deltaFraction: 1000 } });
    const expected = new Map(keys.map((k) => [k, fs.readFileSync(k)]));
    try {
      await loadRoot(t, p, root);
      await p.save(root);
      assert.equal(t.cache.stats().tiers.cold.files, 0);
      assert.ok(t.cache.stats().tiers.evicted.files > 0, 'texts left memory');
      // Behind the server's back every file's mtime moves: the disk fallback refuses them all now.
      for (const key of keys) fs.utimesSync(key, 1.6e9, 1.6e9);
      const dropped = new Set<string>();
      for (let i = 0; i < 8; i++) {
        // One file changes per save (known to the index): deltas, merged as they come.
        const key = keys[i]!;
        const before = storeFiles(snapshot, root);
        for (const f of [before.base, ...before.deltas]) dropped.add(f);
        const text = Buffer.from(jsSource(5000 + i, 40));
        fs.writeFileSync(key, text);
        expected.set(key, text);
        await indexFromDisk(t, key);
        p.changed([key]);
        await p.save(root);
        for (const [k, text] of expected) assert.ok(Buffer.from(t.cache.read(k)).equals(text), `save ${i}: ${k}`);
        // Read back, then out of memory again (a zero warm budget demotes them all).
        t.cache.setBudgets({ warmBytes: 0 });
        t.cache.setBudgets({ warmBytes: WARM_BYTES });
      }
      assert.ok(p.stats().deltaMerges! > 0, 'deltas were merged');
      await p.compact(root);
      assert.equal(p.stats().compactions, 1);
      t.cache.setBudgets({ warmBytes: 0 });
      const live = storeFiles(snapshot, root);
      assert.equal(live.deltas.length, 0);
      for (const f of dropped) if (f !== live.base) assert.equal(fs.existsSync(f), false, `${f} was deleted`);
      for (const [k, text] of expected) assert.ok(Buffer.from(t.cache.peek(k)).equals(text), `after the new base: ${k}`);
      for (const [k, text] of expected) assert.ok(Buffer.from(t.cache.read(k)).equals(text), `after the new base: ${k}`);
      const st = t.cache.stats();
      assert.equal(st.integrity.crcFailures, 0);
      assert.equal(st.integrity.fallbacks, 0);
      assert.equal(p.stats().damagedBlocks, 0);
      assert.equal(p.stats().failedSaves, 0);
    } finally {
      p.close();
    }
  });

  it('a flipped byte in the store after the texts left memory is detected: the disk, else an error and a re-read', async () => {
    const { root, snapshot, keys } = workspace(16, 3);
    const t = await targets();
    const p = persistenceOf(t, snapshot);
    try {
      await loadRoot(t, p, root);
      await p.save(root);
      t.cache.setBudgets({ warmBytes: 0 });
      assert.equal(t.cache.stats().tiers.evicted.files, keys.length, 'every text left memory');
      // One byte flipped in the middle of every PACK block of the base.
      const base = storeFiles(snapshot, root).base;
      const r = SnapshotReader.open(base, { root }, { touch: false });
      const packs = [...r.end.packOffset].map((offset, i) => offset + Math.floor(r.end.packLength[i]! / 2));
      r.close();
      assert.ok(packs.length > 0);
      const fd = fs.openSync(base, 'r+');
      for (const at of packs) {
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, at);
        b[0]! ^= 0x10;
        fs.writeSync(fd, b, 0, 1, at);
      }
      fs.closeSync(fd);
      // One file changed on disk behind the server's back (size and mtime differ): no copy verifies.
      const changed = keys[5]!;
      const newer = Buffer.from(jsSource(4242, 33));
      fs.writeFileSync(changed, newer);
      for (const key of keys) {
        if (key === changed) {
          assert.throws(() => t.cache.read(key), IntegrityError);
          continue;
        }
        assert.ok(Buffer.from(t.cache.read(key)).equals(fs.readFileSync(key)), `${key}: from the disk`);
      }
      assert.ok(p.stats().damagedBlocks > 0, 'the damage was counted');
      const fresh = new Freshness({ targets: t, isOpen: () => false, dropTree: () => {} });
      assert.equal(await fresh.recover(changed), true);
      assert.ok(Buffer.from(t.cache.read(changed)).equals(newer), 'the re-read serves the disk\'s text');
      // The next save writes a new base (the damage asks for one), and the texts are backed by it.
      p.changed([changed]);
      await p.save(root);
      assert.equal(p.stats().failedSaves, 0);
      t.cache.setBudgets({ warmBytes: 0 });
      assertBackedAreStored(t, snapshot, root, 'after the new base');
      assertTextsAreDisk(t, keys, 'after the new base');
    } finally {
      p.close();
    }
  });
});
