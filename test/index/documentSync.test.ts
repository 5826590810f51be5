/**
 * Document sync's close, with the disk read held open by the test: the close returns while the read
 * is pending, the file stays held by the editor until it settles, the disk's bytes replace a
 * discarded text once read, and a re-open during the read keeps the re-opened text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '../../server/src/base/log.js';
import { createSourceCache, type SourceCache } from '../../server/src/cache/index.js';
import { DocumentSync } from '../../server/src/index/documentSync.js';
import type { IndexTargets } from '../../server/src/index/fileIndexer.js';
import { FileTable } from '../../server/src/index/fileTable.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { SymbolIndex } from '../../server/src/index/symbolIndex.js';
import { sourceCacheWarmSide } from '../../server/src/syntax/cacheBridge.js';
import { HotTier } from '../../server/src/syntax/hotTier.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';

const decoder = new TextDecoder();
const disk = 'function fromDisk() {}\n';

/** A file read that finishes only when the test says so. */
class HeldReads {
  readonly paths: string[] = [];
  #release: () => void = () => {};
  #held = new Promise<void>((r) => { this.#release = r; });

  read = async (file: string): Promise<Uint8Array> => {
    this.paths.push(file);
    await this.#held;
    return fs.readFileSync(file);
  };

  release(): void {
    this.#release();
  }
}

/** Whether `promise` has settled, after letting every queued callback run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => { settled = true; });
  await new Promise((r) => setImmediate(r));
  return settled;
}

const occurrences = new Occurrences({ log: Logger.silent(), memtableBytes: 1 << 20, blockCacheBytes: 1 << 20 });

describe('document sync: a close reconciled with the disk asynchronously', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-sync-'));
  let cache: SourceCache;
  let pool: ParserPool;
  let hot: HotTier;

  before(async () => {
    cache = await createSourceCache({ warmBytes: 16 << 20, coldBytes: 16 << 20 });
    pool = new ParserPool({ size: 1 });
  });
  after(async () => {
    occurrences.close();
    hot?.dispose();
    await pool?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function documentSync(reads: HeldReads): DocumentSync {
    const files = new FileTable();
    const targets: IndexTargets = {
      cache, pool, symbols: new SymbolIndex(), files, log: Logger.silent(), occurrences,
      enabled: () => true, treeCapBytes: () => 1 << 20, isOpen: (key) => sync.has(key),
    };
    hot?.dispose();
    hot = new HotTier({
      budgetBytes: 16 << 20,
      warm: sourceCacheWarmSide(cache, (key) => sync.get(key)?.lang ?? files.get(key)?.language,
        (key) => sync.get(key)?.text),
    });
    const sync: DocumentSync = new DocumentSync({
      targets, hot, log: Logger.silent(), diskStateChanged: () => {}, readFile: reads.read,
    });
    return sync;
  }

  function fileWith(name: string, text: string): string {
    const key = path.join(root, name);
    fs.writeFileSync(key, text);
    return key;
  }

  it('returns from the close before the read; the disk text replaces the discarded one once read', async () => {
    const reads = new HeldReads();
    const sync = documentSync(reads);
    const key = fileWith('discarded.js', disk);
    sync.open(key, 'javascript', 1, disk);
    const at = { line: 0, character: 9 };
    sync.change(key, 2, [{ range: { start: at, end: { line: 0, character: 17 } }, text: 'unsaved' }], 'utf-16');
    assert.equal(decoder.decode(cache.read(key)), 'function unsaved() {}\n');

    sync.close(key);
    assert.deepEqual(reads.paths, [key]);
    assert.ok(sync.isHeld(key), 'held by the editor until the disk has the last word');
    const settled = sync.settled(key);
    assert.equal(await isSettled(settled), false);

    reads.release();
    await settled;
    assert.equal(sync.isHeld(key), false);
    assert.equal(decoder.decode(cache.read(key)), disk);
  });

  it('a re-open during the read keeps the re-opened text', async () => {
    const reads = new HeldReads();
    const sync = documentSync(reads);
    const key = fileWith('reopened.js', disk);
    sync.open(key, 'javascript', 1, disk);
    sync.change(key, 2, [{ text: 'function unsavedAndLonger() {}\n' }], 'utf-16');
    sync.close(key);
    const reopened = 'function reopened() {}\n';
    sync.open(key, 'javascript', 3, reopened);

    reads.release();
    await sync.settled(key);
    assert.equal(sync.get(key)?.text, reopened);
    assert.equal(decoder.decode(cache.read(key)), reopened, 'the older close changed nothing');
  });
});
