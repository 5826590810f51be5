/**
 * The persistent cache's saves over a snapshot store (index/persistence.ts, index/snapshot/store.ts),
 * driven directly with the real indexer and parser:
 * - model-based (property): random sequences of files added, changed and removed on disk (and
 *   re-indexed), saves, compactions and reopens (a new index loading the store, as a restart does):
 *   after every save the store holds exactly the disk — every file, its size, mtime, symbols and
 *   text byte-exact, nothing else — a delta save writes exactly the files that changed and the
 *   removals, and after a reopen the index loaded from the store equals the one that saved it;
 * - a one-file change to a workspace of many files writes a delta of its text plus a few KB, and the
 *   base stays as it was; one-file saves in a row keep few deltas (merged as a binary counter), each
 *   larger than all newer ones;
 * - a whole base written while a document is open keeps the store's record of its disk state (never
 *   the editor's text), so closing it unchanged writes nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Logger } from '../../server/src/base/log.js';
import { forgetFile, type IndexTargets } from '../../server/src/index/fileIndexer.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import type { Persistence, PersistenceOptions } from '../../server/src/index/persistence.js';
import { StoreReader } from '../../server/src/index/snapshot/store.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';
import type { SyntaxSymbol } from '../../server/src/syntax/types.js';
import { storeFiles } from './snapshot/helpers.js';
import { indexFromDisk, indexTargets, jsSource as source, loadRoot as load, persistenceOf } from './support/persistence.js';

const occurrences = new Occurrences({ log: Logger.silent(), memtableBytes: 1 << 20, blockCacheBytes: 1 << 20 });

type Op =
  | { kind: 'write'; file: number; body: number; lines: number }
  | { kind: 'remove'; file: number }
  | { kind: 'save' }
  | { kind: 'compact' }
  | { kind: 'reopen' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), file: fc.nat(9), body: fc.nat(1000), lines: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), file: fc.nat(9) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'save' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

describe('persistent cache saves over a snapshot store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-store-saves-'));
  let pool: ParserPool;

  const targets = (): Promise<IndexTargets> => indexTargets(pool, occurrences);
  const persistence = (t: IndexTargets, snapshot: string, extra: Partial<PersistenceOptions> = {}): Persistence =>
    persistenceOf(t, snapshot, extra);

  /** The store holds exactly the disk under `root`: keys, sizes, mtimes, texts; symbols as `t` has them. */
  function assertStoreIsDisk(snapshot: string, root: string, t: IndexTargets, what: string): void {
    const r = StoreReader.open(snapshot, { root }, { touch: false });
    try {
      const onDisk = fs.readdirSync(root).map((n) => path.join(root, n)).sort();
      const stored = [...r.files()];
      assert.deepEqual(stored.map((f) => f.key).sort(), onDisk, `${what}: the files`);
      for (const f of stored) {
        const st = fs.statSync(f.key);
        assert.equal(f.size, st.size, `${what}: ${f.key} size`);
        assert.equal(f.mtimeMs, st.mtimeMs, `${what}: ${f.key} mtime`);
        assert.ok(Buffer.from(r.readText(f.key)).equals(fs.readFileSync(f.key)), `${what}: ${f.key} text`);
        assert.deepEqual(f.symbols, t.symbols.symbolsOf(f.key), `${what}: ${f.key} symbols`);
      }
      assert.equal(r.damage.blocks, 0, r.damage.messages.join('; '));
    } finally {
      r.close();
    }
  }

  before(() => {
    pool = new ParserPool({ size: 1 });
  });

  after(async () => {
    occurrences.close();
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('model-based: changes, saves, compactions and reopens keep the store equal to the disk (property)', async (t0) => {
    let run = 0;
    let deltaChecks = 0;
    let merges = 0;
    let dueCompactions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 12, maxLength: 32 }), fc.constantFrom(0.25, 1000), fc.constantFrom(2, 32), async (ops, deltaFraction, maxDeltas) => {
        const base = path.join(dir, `model${run++}`);
        const root = path.join(base, 'root');
        const snapshot = path.join(base, 'cache', 'snapshot.strata');
        fs.mkdirSync(root, { recursive: true });
        let t = await targets();
        let p = persistence(t, snapshot, { compaction: { maxDeltas, deltaFraction } });
        await load(t, p, root);
        let mtime = 1.7e12;
        /** Keys changed or removed since the last save, and the keys the store held after it. */
        const touched = new Set<string>();
        let stored = new Set<string>();
        /** Saves counted after the last save of the sequence: more means a debounced save ran meanwhile. */
        let known = 0;
        try {
          for (const [i, op] of ops.entries()) {
            const what = `step ${i} (${op.kind})`;
            if (op.kind === 'write') {
              const key = path.join(root, `m${op.file}.js`);
              fs.writeFileSync(key, source(op.body, op.lines));
              mtime += 1000;
              fs.utimesSync(key, mtime / 1000, mtime / 1000);
              await indexFromDisk(t, key);
              p.changed([key]);
              touched.add(key);
              continue;
            }
            if (op.kind === 'remove') {
              const key = path.join(root, `m${op.file}.js`);
              if (!fs.existsSync(key)) continue;
              fs.unlinkSync(key);
              forgetFile(t, key);
              p.changed([key]);
              touched.add(key);
              continue;
            }
            if (op.kind === 'reopen') {
              const symbols = new Map<string, SyntaxSymbol[]>();
              for (const key of t.files.keys()) symbols.set(key, t.symbols.symbolsOf(key));
              await p.flush(Infinity);
              p.close();
              t = await targets();
              p = persistence(t, snapshot, { compaction: { maxDeltas, deltaFraction } });
              await load(t, p, root);
              assert.deepEqual([...t.files.keys()].sort(), [...symbols.keys()].sort(), `${what}: the files loaded`);
              for (const [key, syms] of symbols) {
                assert.deepEqual(t.symbols.symbolsOf(key), syms, `${what}: ${key} symbols`);
                assert.ok(Buffer.from(t.cache.peek(key)).equals(fs.readFileSync(key)), `${what}: ${key} text`);
              }
              assert.equal(p.stats().damagedBlocks, 0);
              // The flush saved every change; the load found nothing to write.
              touched.clear();
              stored = new Set(t.files.keys());
              known = 0;
              continue;
            }
            const before = p.stats();
            // A debounced save (SAVE_DEBOUNCE_MS after a change) may have run during a slow step: then
            // what this one must write is not known, only what the store must hold.
            const exact = before.saves === known;
            if (op.kind === 'save') await p.save(root);
            else await p.compact(root);
            const st = p.stats();
            known = st.saves;
            assert.equal(st.failedSaves, 0);
            if (st.saves === before.saves) {
              if (exact) {
                assert.ok(op.kind === 'save' && [...touched].every((k) => !fs.existsSync(k) && !stored.has(k)),
                  `${what}: nothing written although files changed`);
              }
              touched.clear();
              continue;
            }
            assertStoreIsDisk(snapshot, root, t, what);
            merges += st.deltaMerges! - before.deltaMerges!;
            if (op.kind === 'save') dueCompactions += st.compactions! - before.compactions!;
            if (op.kind === 'compact') assert.equal(st.deltas, 0, `${what}: a compaction leaves no delta`);
            assert.ok(st.deltas! <= maxDeltas, `${what}: ${st.deltas} deltas`);
            if (exact && st.deltaSaves! > before.deltaSaves!) {
              // A delta holds the files changed since the last save and the removals of stored ones, nothing more.
              const expected = [...touched].filter((k) => fs.existsSync(k) || stored.has(k)).length;
              assert.equal(st.lastSaveRecords, expected, `${what}: the delta's records`);
              deltaChecks++;
            }
            assert.equal(st.lastSaveFiles, fs.readdirSync(root).length, `${what}: the files the store holds`);
            touched.clear();
            stored = new Set(t.files.keys());
          }
        } finally {
          p.close();
          fs.rmSync(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 50 },
    );
    t0.diagnostic(`${deltaChecks} delta saves checked exactly, ${merges} merged deltas, ${dueCompactions} compactions when due`);
    assert.ok(deltaChecks >= 10, `${deltaChecks} delta saves checked`);
    assert.ok(merges >= 3, `${merges} merged deltas`);
    assert.ok(dueCompactions >= 3, `${dueCompactions} compactions because the deltas outgrew the base's share`);
  });

  it('a one-file change writes a delta of its text plus a few KB; the base stays', async () => {
    const root = path.join(dir, 'one', 'root');
    const snapshot = path.join(dir, 'one', 'cache', 'snapshot.strata');
    fs.mkdirSync(root, { recursive: true });
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(root, `f${i}.js`), source(i, 150));
    const t = await targets();
    const p = persistence(t, snapshot);
    try {
      await load(t, p, root);
      await p.save(root);
      const first = p.stats();
      const base = storeFiles(snapshot, root).base;
      const baseBytes = fs.statSync(base).size;
      assert.equal(first.lastSaveBytes > baseBytes, true, 'the first save wrote the whole base');
      const key = path.join(root, 'f17.js');
      fs.appendFileSync(key, 'export function appended() { return 1; }\n');
      await indexFromDisk(t, key);
      p.changed([key]);
      await p.save(root);
      const st = p.stats();
      assert.equal(st.saves, 2);
      assert.equal(st.deltaSaves, 1);
      assert.equal(st.lastSaveRecords, 1);
      assert.equal(st.lastSaveFiles, 200);
      const bound = 64 * 1024 + fs.statSync(key).size;
      assert.ok(st.lastSaveBytes < bound, `a one-file save wrote ${st.lastSaveBytes} B (bound ${bound})`);
      assert.ok(st.lastSaveBytes * 20 < baseBytes, `${st.lastSaveBytes} B written, the base has ${baseBytes} B`);
      assert.equal(storeFiles(snapshot, root).base, base);
      assert.equal(fs.statSync(base).size, baseBytes);
      assert.equal(st.storeBytes, baseBytes + fs.statSync(storeFiles(snapshot, root).deltas[0]!).size + fs.statSync(snapshot).size);
      assertStoreIsDisk(snapshot, root, t, 'after the one-file save');
    } finally {
      p.close();
    }
  });

  it('one-file saves one after another merge as a binary counter: few deltas, each larger than the newer ones', async (tc) => {
    const root = path.join(dir, 'counter', 'root');
    const snapshot = path.join(dir, 'counter', 'cache', 'snapshot.strata');
    fs.mkdirSync(root, { recursive: true });
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(root, `c${i}.js`), source(i, 400));
    const t = await targets();
    // No compaction here (the base of 40 look-alike files compresses far better than one file alone).
    const p = persistence(t, snapshot, { compaction: { deltaFraction: 1000 } });
    try {
      await load(t, p, root);
      await p.save(root);
      let written = 0;
      let most = 0;
      for (let i = 0; i < 40; i++) {
        const key = path.join(root, `c${i}.js`);
        fs.writeFileSync(key, source(1000 + i, 400));
        await indexFromDisk(t, key);
        p.changed([key]);
        await p.save(root);
        const st = p.stats();
        written += st.lastSaveBytes;
        most = Math.max(most, st.deltas!);
        const { manifest } = storeFiles(snapshot, root);
        // Each delta outweighs all newer ones together.
        manifest.deltas.forEach((d, k) => {
          const newer = manifest.deltas.slice(k + 1).reduce((n, x) => n + x.bytes, 0);
          assert.ok(d.bytes > newer, `save ${i}: delta ${k} of ${d.bytes} B, ${newer} B newer (${manifest.deltas.map((x) => x.bytes).join(', ')})`);
        });
      }
      const st = p.stats();
      assert.equal(st.compactions, 0);
      assert.equal(st.deltaSaves, 40);
      assert.ok(st.deltaMerges! >= 15, `${st.deltaMerges} merges`);
      assert.ok(most <= 7, `at most ${most} deltas for 40 saves`);
      // About log2(40) rewrites of each saved byte: far from the 40 / 2 of merging every delta every time.
      const oneSave = fs.statSync(storeFiles(snapshot, root).deltas.at(-1)!).size;
      tc.diagnostic(`40 saves: ${written} B written, ${st.deltaMerges} merges, at most ${most} deltas; one save's delta ${oneSave} B`);
      assert.ok(written < 40 * 8 * oneSave, `${written} B written by 40 saves of about ${oneSave} B`);
      assertStoreIsDisk(snapshot, root, t, 'after 40 saves');
    } finally {
      p.close();
    }
  });

  it('a base written while a document is open keeps its stored record; its unchanged close writes nothing', async () => {
    const root = path.join(dir, 'held', 'root');
    const snapshot = path.join(dir, 'held', 'cache', 'snapshot.strata');
    fs.mkdirSync(root, { recursive: true });
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(root, `h${i}.js`), source(i, 5));
    const held = new Set<string>();
    const t = await targets();
    const p = persistence(t, snapshot, { isOpen: (key) => held.has(key) });
    try {
      await load(t, p, root);
      await p.save(root);
      const key = path.join(root, 'h2.js');
      const stored = StoreReader.open(snapshot, { root }, { touch: false });
      const before = stored.record(key);
      stored.close();
      held.add(key);
      // While it is open, another file changes and the store is compacted: a whole new base.
      fs.appendFileSync(path.join(root, 'h4.js'), 'export function more() {}\n');
      await indexFromDisk(t, path.join(root, 'h4.js'));
      await p.compact(root);
      assert.equal(p.stats().compactions, 1);
      const after = StoreReader.open(snapshot, { root }, { touch: false });
      try {
        assert.deepEqual(after.record(key), before, 'the open document\'s disk record was carried over');
        assert.ok(Buffer.from(after.readText(key)).equals(fs.readFileSync(key)));
      } finally {
        after.close();
      }
      held.delete(key);
      p.changed([key]);
      await p.flush(Infinity);
      assert.equal(p.stats().saves, 2, 'closing it unchanged wrote nothing');
      assertStoreIsDisk(snapshot, root, t, 'after the close');
    } finally {
      p.close();
    }
  });
});
