/**
 * `strata index`'s streaming run (index/headlessIndex.ts), with the real scanner, parser workers and
 * snapshot files: it writes what the server's own save writes; a second run keeps unchanged files
 * and writes nothing; changes, deletions and damage are reconciled; and what it holds per file does
 * not grow with the number of files.
 */
import { OCCURRENCE_FILE_BYTES } from './support/memoryBound.js';
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { indexToSnapshot } from '../../server/src/index/headlessIndex.js';
import type { FolderProgress } from '../../server/src/index/folderIndexer.js';
import { defaultSettings, parseSettings } from '../../server/src/index/settings.js';
import { SnapshotReader } from '../../server/src/index/snapshot/reader.js';
import { StoreReader } from '../../server/src/index/snapshot/store.js';
import { storeFiles } from './snapshot/helpers.js';
import type { SnapshotFile } from '../../server/src/index/snapshot/records.js';
import { Workspace } from '../../server/src/index/workspace.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { collectGarbage } from '../../server/src/syntax/v8Heap.js';
import { Logger } from '../../server/src/base/log.js';

const DEMO = path.resolve(import.meta.dirname, '../../../examples/demo');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-headless-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const quiet: FolderProgress = { begin() {}, report() {}, end() {} };
const log = Logger.silent();

/** A copy of `from` at `to` made of hard links (same bytes, sizes and mtimes, nothing copied). */
function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) linkTree(a, b);
    else if (e.isFile()) fs.linkSync(a, b);
  }
}

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, preserveTimestamps: true });
}

/** Every record of a snapshot store with its text, by key. */
function readAll(file: string, root: string): Map<string, { record: SnapshotFile; text: Buffer }> {
  const reader = StoreReader.open(file, { root }, { touch: false });
  try {
    const out = new Map<string, { record: SnapshotFile; text: Buffer }>();
    for (const f of reader.files()) out.set(f.key, { record: { ...f }, text: Buffer.from(reader.readText(f.key)) });
    assert.equal(reader.damage.blocks, 0);
    return out;
  } finally {
    reader.close();
  }
}

function run(root: string, snapshot: string, progress: FolderProgress = quiet, memoryMB?: number,
  occurrenceMemtableBytes?: number) {
  const { settings } = parseSettings(memoryMB ? { memory: { totalMB: memoryMB } } : {}, defaultSettings());
  return indexToSnapshot({
    root, snapshot, settings, progress, log, ...(occurrenceMemtableBytes ? { occurrenceMemtableBytes } : {}),
  });
}

describe('strata index: a streaming run into a snapshot', () => {
  it('writes the records and texts the server saves for the same tree', async () => {
    const root = path.join(work, 'same');
    copyTree(DEMO, root);
    const mine = path.join(work, 'same-headless.strata');
    const stats = await run(root, mine);

    const theirs = path.join(work, 'same-server.strata');
    const ws = await Workspace.create({ snapshotFile: () => theirs });
    try {
      await ws.indexFolder(root, { begin() {}, report() {}, end() {} });
    } finally {
      await ws.dispose();
    }
    const a = readAll(mine, root);
    const b = readAll(theirs, root);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [key, x] of a) assert.deepEqual(x, b.get(key), key);

    assert.equal(stats.files, a.size);
    assert.equal(stats.bytes, [...a.values()].reduce((n, x) => n + x.text.length, 0));
    assert.ok(stats.parseErrors >= 1, 'broken.js has syntax errors');
    assert.ok(stats.trees.created > 0 && stats.trees.live === 0 && stats.trees.created === stats.trees.deleted);
    assert.equal(stats.persist?.saves, 1);
    assert.equal(stats.tiers.cold.files, stats.files);
    assert.equal(stats.store.rawBytes, stats.bytes);
  });

  it('a second run keeps every file, parses nothing and leaves the snapshot as it was', async () => {
    const root = path.join(work, 'again');
    copyTree(DEMO, root);
    const file = path.join(work, 'again.strata');
    const first = await run(root, file);
    const before = fs.readFileSync(file);
    const second = await run(root, file);
    assert.equal(second.persist?.keptFiles, first.files);
    assert.equal(second.persist?.saves, 0);
    assert.equal(second.trees.created, 0);
    assert.equal(second.files, first.files);
    assert.equal(second.bytes, first.bytes);
    assert.deepEqual(second.languages, first.languages);
    assert.equal(second.parseErrors, first.parseErrors);
    assert.deepEqual(second.store, first.store);
    assert.ok(fs.readFileSync(file).equals(before));
  });

  it('reconciles changed, new and deleted files, and copies the rest with their texts', async () => {
    const root = path.join(work, 'changes');
    copyTree(DEMO, root);
    const file = path.join(work, 'changes.strata');
    await run(root, file);
    const store = path.join(root, 'go/store.go');
    fs.writeFileSync(store, fs.readFileSync(store, 'utf8') + '\nfunc Added() int { return 1 }\n');
    fs.rmSync(path.join(root, 'java/Inventory.java'));
    fs.writeFileSync(path.join(root, 'python/extra.py'), 'def extra():\n    return 2\n');
    const stats = await run(root, file);
    assert.equal(stats.persist?.reindexedFiles, 2);
    assert.equal(stats.persist?.removedFiles, 1);
    assert.equal(stats.persist?.saves, 1);
    const all = readAll(file, root);
    assert.ok(!all.has(path.join(root, 'java/Inventory.java')));
    assert.ok(all.get(store)!.record.symbols.some((s) => s.name === 'Added'));
    assert.ok(all.get(path.join(root, 'python/extra.py'))!.record.symbols.some((s) => s.name === 'extra'));
    for (const [key, x] of all) assert.ok(x.text.equals(fs.readFileSync(key)), key);
    assert.equal(stats.files, all.size);
  });

  it('damaged packs of the old snapshot are counted, never copied: their files come from the disk', async () => {
    const root = path.join(work, 'damaged');
    copyTree(DEMO, root);
    const file = path.join(work, 'damaged.strata');
    await run(root, file);
    const { base } = storeFiles(file, root);
    const reader = SnapshotReader.open(base, { root }, { touch: false });
    const { packOffset, packLength } = reader.end;
    reader.close();
    const bytes = fs.readFileSync(base);
    for (let p = 0; p < packOffset.length; p++) bytes[packOffset[p]! + Math.floor(packLength[p]! / 2)]! ^= 0x40;
    fs.writeFileSync(base, bytes);
    // Unchanged sizes and mtimes: every file is kept, and every copy finds its pack damaged.
    const stats = await run(root, file);
    assert.ok(stats.integrity.crcFailures > 0);
    assert.ok(stats.integrity.fallbacks > 0);
    assert.equal(stats.persist?.saves, 1);
    const all = readAll(file, root);
    for (const [key, x] of all) assert.ok(x.text.equals(fs.readFileSync(key)), key);
    assert.equal(all.size, stats.files);
  });

  it('a tiny --memory still indexes files larger than its share (one at a time)', async () => {
    const root = path.join(work, 'big');
    fs.mkdirSync(root, { recursive: true });
    const body = Array.from({ length: 80_000 }, (_, i) => `export function f${i}(x: number): number { return x + ${i}; }`).join('\n');
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(root, `big${i}.ts`), body);
    const stats = await run(root, path.join(work, 'big.strata'), quiet, 16);
    assert.equal(stats.files, 3);
    assert.ok(body.length > 16 * 1024 * 1024 / 4, 'each file is above the in-flight share');
  });

  it('the occurrence memtable is a share of --memory: more memory, fewer segments, the same index', async () => {
    // 40 files of 2,000 names each of their own: some 10 MB of memtable by its estimate (memtable.ts).
    const root = path.join(work, 'names');
    fs.mkdirSync(root, { recursive: true });
    for (let f = 0; f < 40; f++) {
      const body = Array.from({ length: 2000 }, (_, i) => `int v${f}_${i} = ${i};`).join('\n');
      fs.writeFileSync(path.join(root, `n${f}.c`), `${body}\n`);
    }
    // 128 MB: a 4 MB memtable (the server's); 1024 MB, the default: 32 MB, one flush at the end.
    const small = await run(root, path.join(work, 'names-small.strata'), quiet, 128);
    const large = await run(root, path.join(work, 'names-large.strata'), quiet, 1024);
    assert.ok(small.occurrences!.flushes >= 2, `${small.occurrences!.flushes} flushes with 128 MB`);
    assert.equal(large.occurrences!.flushes, 1);
    for (const s of [small, large]) {
      assert.equal(s.occurrences!.files, 40);
      assert.equal(s.occurrences!.segments, 1, 'merged into one at the end');
    }
    // The same occurrences whichever way they were flushed.
    const occurrencesOf = (snapshot: string, names: string[]): string[] => {
      const occ = new Occurrences({ log, memtableBytes: 1 << 20, blockCacheBytes: 1 << 20 });
      try {
        occ.openRoot(root, `${snapshot}.occ`);
        const out: string[] = [];
        for (const name of names) {
          occ.lookup(name, (key, bytes) => out.push(`${name} ${path.basename(key)} ${Buffer.from(bytes).toString('hex')}`));
        }
        return out.sort();
      } finally {
        occ.close();
      }
    };
    const names = Array.from({ length: 200 }, (_, i) => `v${i % 40}_${(i * 37) % 2000}`).concat(['int', 'missing']);
    const want = occurrencesOf(path.join(work, 'names-small.strata'), names);
    assert.equal(want.length, 200);
    assert.deepEqual(occurrencesOf(path.join(work, 'names-large.strata'), names), want);
  });

  it('holds only the occurrence index\'s entry per file: ten times the files, little more memory', async (t) => {
    // Memory retained at the end of the scan (after a full GC), for n and 10n copies of the demo.
    // The JS heap without compiled code (a longer run optimises more functions; that is not per-file
    // state). ArrayBuffers are left out: the writer's batches (bounded, up to ~2 MiB, snapshot/writer.ts)
    // fill and empty as the run goes, which is noise here, not growth.
    let runs = 0;
    async function retained(copies: number): Promise<{ files: number; bytes: number }> {
      const root = path.join(work, `copies-${copies}`);
      if (!fs.existsSync(root)) for (let i = 0; i < copies; i++) linkTree(DEMO, path.join(root, `copy${i}`));
      // The least of five samples near the end: files in flight come and go, per-file state stays.
      let measured = Infinity;
      const progress: FolderProgress = {
        begin() {},
        report(done, total) {
          if (done < total - 40 || (total - done) % 10 !== 0) return;
          collectGarbage();
          const heap = v8.getHeapSpaceStatistics().filter((sp) => sp.space_name !== 'code_space' && sp.space_name !== 'code_large_object_space');
          measured = Math.min(measured, heap.reduce((n, sp) => n + sp.space_used_size, 0));
        },
        end() {},
      };
      // A small memtable: what it holds is budgeted, not per file, and here it would look like growth.
      const stats = await run(root, path.join(work, `copies-${copies}-${runs++}.strata`), progress, undefined, 64 * 1024);
      assert.ok(Number.isFinite(measured));
      return { files: stats.files, bytes: measured };
    }
    await retained(8); // warm-up: the code paths compiled and optimised once
    const small = await retained(8);
    const large = await retained(80);
    assert.equal(large.files, small.files * 10);
    const perFile = (large.bytes - small.bytes) / (large.files - small.files);
    // The server keeps ≈ 1.5–5 KB per file (memoryBound.ts); the streaming run keeps the occurrence
    // index's entry (OCCURRENCE_FILE_BYTES + its path's copy) and the scanner's ≈ 140 B per directory
    // (the demo has 1.5 files per directory): the device:inode of each one scanned, so that one reached
    // again through a link is not scanned twice.
    const pathUnits = path.join(work, 'copies-80', 'copy79', 'web', 'checkout.ts').length;
    const allowed = 200 + OCCURRENCE_FILE_BYTES + 2 * pathUnits;
    t.diagnostic(`retained ${perFile.toFixed(0)} B per added file (${small.files} → ${large.files} files), allowed ${allowed} B`);
    assert.ok(perFile < allowed, `retained ${perFile.toFixed(0)} B per added file (${small.bytes} → ${large.bytes} B)`);
  });
});
