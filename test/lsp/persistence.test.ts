/**
 * The persistent cache through the real server over stdio (index/persistence.ts):
 * - once saved, every text of the first server is backed by its snapshot (persist.backedFiles);
 * - a second server on the same folder with the same cache answers workspace/symbol, documentSymbol
 *   and definition exactly as the first, without parsing anything (no tree created, nothing
 *   re-indexed: persist.keptFiles = every file);
 * - a file changed, one added and one deleted between the runs are picked up (and only they are
 *   indexed again);
 * - a damaged snapshot (bytes flipped, truncated, another format version) never stops the server: it
 *   answers as from a cold index, counts the damage in integrity.crcFailures and says so in its log.
 * Every server gets a private XDG_CACHE_HOME; nothing is written to the real ~/.cache.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from '../../server/src/cache/index.js';
import { DEMO, startStrata, type StrataSession } from './harness.js';

const QUERIES = ['applyTax', 'Store', 'ring', 'Cart', 'deploy', 'Inventory', 'x', 'Sched', 'get'];
const FILES = ['go/store.go', 'web/cart.js', 'web/api.ts', 'web/CartView.tsx', 'python/inventory.py', 'rust/lib.rs', 'c/ring.c',
  'c/ring.h', 'cpp/scheduler.cpp', 'java/Inventory.java', 'config/settings.json', 'scripts/deploy.sh', 'scripts/release', 'web/broken.js'];

/** Every file in `dir` named snapshot.strata. */
function snapshots(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'snapshot.strata') out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

async function stats(s: StrataSession): Promise<any> {
  return s.client.request('strata/stats');
}

/** Waits until the server has written `saves` snapshots (the save runs after progress `end`). */
async function saved(s: StrataSession, saves = 1): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const st = await stats(s);
    if (st.persist?.saves >= saves) return st;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the snapshot was not saved');
}

/** Everything compared between runs: workspace symbols, outlines, and definitions (which read texts). */
async function answers(s: StrataSession): Promise<unknown> {
  const rel = (uri: string) => uri.slice(s.uri('').length);
  const symbols: Record<string, unknown> = {};
  for (const q of QUERIES) {
    const hits = ((await s.client.request('workspace/symbol', { query: q })) ?? []) as any[];
    symbols[q] = hits.map((h) => ({ ...h, location: { ...h.location, uri: rel(h.location.uri) } }));
  }
  const outlines: Record<string, unknown> = {};
  for (const f of FILES) outlines[f] = await s.client.request('textDocument/documentSymbol', { textDocument: { uri: s.uri(f) } });
  const definitions: Record<string, unknown> = {};
  for (const [f, line, character] of [['web/cart.js', 0, 8], ['go/store.go', 10, 6], ['c/ring.c', 3, 6]] as const) {
    const defs = ((await s.client.request('textDocument/definition', { textDocument: { uri: s.uri(f) }, position: { line, character } })) ?? []) as any[];
    definitions[`${f}:${line}:${character}`] = defs.map((d) => ({ ...d, uri: rel(d.uri) }));
  }
  return { symbols, outlines, definitions };
}

function names(hits: any[]): string[] {
  return hits.map((h) => h.name);
}

describe('persistent cache over stdio', () => {
  let root: string;
  let cache: string;
  let cold: unknown;
  let coldStats: any;
  let snapshot: string;

  before(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'strata-persist-')), 'demo');
    cpSync(DEMO, root, { recursive: true });
    cache = mkdtempSync(join(tmpdir(), 'strata-persist-cache-'));
    const s = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
    try {
      coldStats = await saved(s);
      cold = await answers(s);
    } finally {
      await s.close();
    }
    const found = snapshots(cache);
    assert.equal(found.length, 1, `one snapshot under ${cache}`);
    snapshot = found[0]!;
  });

  after(() => {
    rmSync(join(root, '..'), { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('the first server indexes from disk and writes one snapshot into XDG_CACHE_HOME', () => {
    assert.equal(coldStats.persist.enabled, true);
    assert.equal(coldStats.persist.loadedFiles, 0);
    assert.equal(coldStats.persist.lastSaveFiles, coldStats.files);
    assert.ok(snapshot.startsWith(join(cache, 'strata', 'v')), snapshot);
    assert.equal(coldStats.persist.snapshotPath, snapshot);
    assert.ok(coldStats.trees.created > 0, 'the cold run parsed');
    // Once saved, every text is backed by the snapshot: none of them needs a cold copy in memory.
    assert.equal(coldStats.persist.backedFiles, coldStats.files);
    assert.equal(coldStats.tiers.cold.bytes, 0);
    assert.equal(typeof coldStats.tiers.disk?.files, 'number');
  });

  it('a second server answers identically from the snapshot without parsing', async () => {
    const s = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
    try {
      const st = await stats(s);
      assert.equal(st.files, coldStats.files);
      assert.equal(st.persist.loadedFiles, coldStats.files);
      assert.equal(st.persist.keptFiles, coldStats.files);
      assert.equal(st.persist.reindexedFiles, 0);
      assert.equal(st.persist.damagedBlocks, 0);
      assert.equal(st.integrity.crcFailures, 0);
      assert.equal(st.trees.created, 0, 'no tree was made: nothing parsed');
      assert.equal(st.journal.fullParses, 0);
      assert.equal(st.parseErrors, coldStats.parseErrors);
      assert.deepEqual(st.languages, coldStats.languages);
      assert.deepEqual(await answers(s), cold);
      const after = await stats(s);
      assert.equal(after.trees.created, 0, 'outlines and definitions came from the loaded index');
      assert.equal(st.tiers.warm.files + st.tiers.cold.files, 0, 'loaded entries hold no text until read');
      assert.ok(after.tiers.warm.files > 0, 'the texts definition needed were read back (from the snapshot, verified) into the cache');
      assert.equal(after.persist.saves, 0, 'nothing changed: nothing written');
    } finally {
      await s.close();
    }
  });

  it('files changed, added and deleted between runs are picked up', async () => {
    appendFileSync(join(root, 'web/cart.js'), '\nexport function appendedLater(x) { return x; }\n');
    writeFileSync(join(root, 'web/added.js'), 'export function addedBetweenRuns() { return 1; }\n');
    unlinkSync(join(root, 'python/inventory.py'));
    const s = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
    try {
      const st = await saved(s);
      assert.equal(st.files, coldStats.files);
      assert.equal(st.persist.keptFiles, coldStats.files - 2);
      assert.equal(st.persist.reindexedFiles, 2);
      assert.equal(st.persist.removedFiles, 1);
      assert.deepEqual(names(await s.client.request('workspace/symbol', { query: 'appendedLater' })), ['appendedLater']);
      assert.deepEqual(names(await s.client.request('workspace/symbol', { query: 'addedBetweenRuns' })), ['addedBetweenRuns']);
      assert.ok(!names(await s.client.request('workspace/symbol', { query: 'Warehouse' })).includes('Warehouse'), 'the deleted file is forgotten');
      assert.equal(st.persist.lastSaveFiles, st.files);
    } finally {
      await s.close();
    }
    // And the snapshot written by that run is what the next one loads.
    const s2 = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
    try {
      const st = await stats(s2);
      assert.equal(st.persist.keptFiles, st.files);
      assert.equal(st.trees.created, 0);
      assert.deepEqual(names(await s2.client.request('workspace/symbol', { query: 'addedBetweenRuns' })), ['addedBetweenRuns']);
    } finally {
      await s2.close();
    }
    // Back to the demo's content for the damage tests.
    rmSync(root, { recursive: true, force: true });
    cpSync(DEMO, root, { recursive: true });
  });

  const damages: [string, (bytes: Buffer) => Buffer][] = [
    ['bytes flipped all over', (b) => {
      const out = Buffer.from(b);
      for (let i = 1; i <= 16; i++) out[Math.floor((out.length * i) / 17)]! ^= 0x5a;
      return out;
    }],
    ['truncated to half', (b) => b.subarray(0, Math.floor(b.length / 2))],
    ['another format version', (b) => {
      const out = Buffer.from(b);
      out.writeUInt32LE(out.readUInt32LE(4) + 1, 4);
      out.writeUInt32LE(crc32(out.subarray(0, 12)), 12);
      return out;
    }],
  ];

  for (const [what, damage] of damages) {
    it(`a damaged snapshot (${what}) is detected, counted, logged, and the server answers as from disk`, async () => {
      // A good snapshot of the current content, then damaged.
      const good = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
      try { await good.client.request('strata/stats'); } finally { await good.close(); }
      const goodBytes = readFileSync(snapshot);
      // Reset the snapshot to the cold run's content (the folder is the demo again).
      writeFileSync(snapshot, damage(goodBytes));
      const mtime = statSync(snapshot).mtimeMs;
      const s = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
      try {
        // Pack damage is found when texts are read: answers() reads some; read every text too.
        assert.deepEqual(await answers(s), cold);
        for (const f of FILES) await s.client.request('textDocument/foldingRange', { textDocument: { uri: s.uri(f) } });
        const st = await stats(s);
        assert.ok(st.integrity.crcFailures > 0, `crcFailures ${st.integrity.crcFailures}`);
        assert.ok(st.persist.damagedBlocks > 0);
        assert.equal(st.files, coldStats.files);
        const logs = s.client.logs.map((n: any) => String(n.params?.message));
        assert.ok(logs.some((m) => /persistent cache .*(damage|ignored)/.test(m)), `a log line says so:\n${logs.filter((m) => /persistent/.test(m)).join('\n')}`);
        // The damaged snapshot is replaced by a whole one.
        await saved(s);
        assert.ok(statSync(snapshot).mtimeMs >= mtime);
      } finally {
        await s.close();
      }
      const again = await startStrata({ root, env: { XDG_CACHE_HOME: cache } });
      try {
        const st = await stats(again);
        assert.equal(st.persist.damagedBlocks, 0);
        assert.equal(st.persist.keptFiles, st.files);
      } finally {
        await again.close();
      }
    });
  }
});
