/**
 * The persistent cache is rewritten only when something it records changed (index/persistence.ts),
 * through the real server over stdio with a snapshot present:
 * - opening, querying, saving unchanged and closing documents, reading texts back and watched-file
 *   events for untouched files write nothing: `persist.saves` stays 0 and, after the shutdown's
 *   flush, the snapshot file is the very file that was loaded (inode, mtime, bytes);
 * - a file edited on disk, announced by a burst of watched-file events, is saved exactly once — as a
 *   delta beside the untouched base, smaller than the base — and a session like the above after it adds
 *   no save, not even at shutdown.
 * Every server gets a private XDG_CACHE_HOME.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { crc32 } from '../../server/src/cache/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO, startStrata, type StrataSession } from './harness.js';
import { storeFiles } from '../index/snapshot/helpers.js';

const SESSION_FILES = ['web/cart.js', 'go/store.go', 'c/ring.c', 'python/inventory.py', 'rust/lib.rs', 'web/api.ts'];
const QUERIES = ['Cart', 'ring', 'Store', 'get'];
/** File change type "changed" of didChangeWatchedFiles. */
const CHANGED = 2;

function snapshotIn(dir: string): string {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'snapshot.strata') found.push(join(d, e.name));
    }
  };
  walk(dir);
  assert.equal(found.length, 1, `one snapshot under ${dir}`);
  return found[0]!;
}

/** What tells one snapshot file from another: a save writes a new file and renames it over the old. */
function identity(file: string): { ino: number; mtimeMs: number; size: number; crc: number } {
  const st = statSync(file);
  return { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, crc: crc32(readFileSync(file)) };
}

async function persistStats(s: StrataSession): Promise<any> {
  return ((await s.client.request('strata/stats')) as any).persist;
}

async function savesReach(s: StrataSession, saves: number): Promise<any> {
  for (;;) {
    const persist = await persistStats(s);
    if (persist.saves >= saves) return persist;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens, queries, saves without a change and closes every session file; reads texts back; no file changes. */
async function unchangedSession(s: StrataSession): Promise<void> {
  for (const [i, file] of SESSION_FILES.entries()) {
    const uri = s.uri(file);
    const textDocument = { uri };
    const text = readFileSync(join(s.root, file), 'utf8');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: '', version: 1, text } });
    await s.client.request('workspace/symbol', { query: QUERIES[i % QUERIES.length] });
    await s.client.request('textDocument/documentSymbol', { textDocument });
    await s.client.request('textDocument/definition', { textDocument, position: { line: 2, character: 6 } });
    await s.client.request('textDocument/references',
      { textDocument, position: { line: 2, character: 6 }, context: { includeDeclaration: true } });
    s.client.notify('textDocument/didSave', { textDocument });
    s.client.notify('textDocument/didClose', { textDocument });
    // A closed file read back (from the snapshot's packs or the disk), and an outline of a file never opened.
    await s.client.request('strata/debug/text', { uri });
    await s.client.request('textDocument/foldingRange', { textDocument: { uri: s.uri('java/Inventory.java') } });
  }
  // Watched-file events for files nobody touched.
  s.client.notify('workspace/didChangeWatchedFiles',
    { changes: SESSION_FILES.map((file) => ({ uri: s.uri(file), type: CHANGED })) });
  // Answered after the events above were handled (notifications are handled in order).
  await s.client.request('workspace/symbol', { query: 'Cart' });
}

describe('persistent cache: saves cost what changed', () => {
  let root: string;
  let cache: string;

  const start = (): Promise<StrataSession> => startStrata({ root, env: { XDG_CACHE_HOME: cache } });

  before(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'strata-saves-')), 'demo');
    cpSync(DEMO, root, { recursive: true });
    cache = mkdtempSync(join(tmpdir(), 'strata-saves-cache-'));
    const s = await start();
    try {
      await savesReach(s, 1);
    } finally {
      await s.close();
    }
  });

  after(() => {
    rmSync(join(root, '..'), { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('a session that changes no file never rewrites the snapshot, not even at shutdown', async () => {
    const s = await start();
    let loaded: ReturnType<typeof identity>;
    try {
      const persist = await persistStats(s);
      assert.equal(persist.keptFiles, persist.loadedFiles, 'every file kept from the snapshot');
      assert.ok(persist.loadedFiles > SESSION_FILES.length);
      // After the load (which marks the file used): the file as loaded.
      loaded = identity(snapshotIn(cache));
      await unchangedSession(s);
      await unchangedSession(s);
      assert.equal((await persistStats(s)).saves, 0, 'nothing changed: nothing written');
    } finally {
      await s.close();
    }
    assert.deepEqual(identity(snapshotIn(cache)), loaded, 'the shutdown flush wrote nothing either');
  });

  it('a file edited on disk is saved exactly once, however many events announce it', async () => {
    const s = await start();
    let saved: ReturnType<typeof identity>;
    const baseOf = () => storeFiles(snapshotIn(cache), root).base;
    const base = baseOf();
    const baseBefore = identity(base);
    try {
      appendFileSync(join(root, 'web/cart.js'), '\nexport function editedOnDisk(x) { return x; }\n');
      const changes = Array.from({ length: 12 }, () => ({ uri: s.uri('web/cart.js'), type: CHANGED }));
      for (const change of changes) s.client.notify('workspace/didChangeWatchedFiles', { changes: [change] });
      s.client.notify('workspace/didChangeWatchedFiles', { changes });
      const persist = await savesReach(s, 1);
      assert.equal(persist.saves, 1);
      assert.equal(persist.deltaSaves, 1, 'the save wrote a delta');
      assert.equal(persist.deltas, 1);
      assert.equal(persist.lastSaveRecords, 1, 'one record: the edited file');
      assert.equal(baseOf(), base);
      assert.deepEqual(identity(base), baseBefore, 'the base was not rewritten');
      assert.ok(persist.lastSaveBytes < baseBefore.size, `${persist.lastSaveBytes} B written, the base has ${baseBefore.size}`);
      saved = identity(snapshotIn(cache));
      await unchangedSession(s);
      const after = await persistStats(s);
      assert.equal(after.saves, 1, 'the session after the save changed nothing');
      assert.equal(after.failedSaves, 0);
    } finally {
      await s.close();
    }
    assert.deepEqual(identity(snapshotIn(cache)), saved, 'the shutdown flush wrote nothing more');
    // The one save holds the edit: the next server keeps every file and finds the new function.
    const next = await start();
    try {
      const persist = await persistStats(next);
      assert.equal(persist.keptFiles, persist.loadedFiles);
      assert.equal(persist.reindexedFiles, 0);
      const hits = (await next.client.request('workspace/symbol', { query: 'editedOnDisk' })) as any[];
      assert.deepEqual(hits.map((h) => h.name), ['editedOnDisk']);
    } finally {
      await next.close();
    }
  });
});
