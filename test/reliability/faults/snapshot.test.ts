/**
 * The persistent snapshot damaged on disk between runs, through the real server over stdio.
 *
 * One cold server indexes a workspace (examples/demo + real sources from node_modules) into a private
 * XDG_CACHE_HOME and its answers are recorded: workspace/symbol for fixed queries (as sets), the
 * documentSymbol of a few files, and `strata/debug/text` of EVERY file (so every text, hence every
 * PACK the loaded records name, is read back). Then, per damage case (seeded; replay with
 * STRATA_FAULT_SEED), the clean snapshot is restored, damaged, and a fresh server is started on the
 * same folder and cache. Asserted, per case:
 * - the server starts and finishes indexing (progress `end`);
 * - every recorded answer equals the clean one;
 * - detection: damage that changed bytes of the header, HEAD, any FILE block, END or trailer (or the
 *   file's length) is counted in integrity.crcFailures right after indexing (those are read at load);
 *   damage that changed only PACK bytes is counted once every text has been read; a case that
 *   changed no byte (an identical swap, a leftover temp file, a killed writer — the rename is atomic)
 *   counts nothing (crcFailures === 0);
 * - after the server's shutdown the snapshot opens and verifies whole (every record, every text,
 *   equal to the disk, no damage), and a damaged one was rewritten.
 * Damages: 1 and many flipped bytes anywhere, one flipped byte inside a block of each kind, a
 * truncation, a zeroed 4 KiB page, two same-length runs of two blocks swapped, two 4 KiB pages
 * swapped, another format version in the header, garbage, an empty file, a dead writer's temp file
 * beside a clean and beside a damaged snapshot; last, writers killed with SIGKILL: a server saving
 * after every file's mtime changed, killed at a random delay after its index run, and `strata index`
 * children killed at a random delay.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from '../../../server/src/cache/index.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { SnapshotReader } from '../../../server/src/index/snapshot/reader.js';
import { REPO, startStrata, type StrataSession } from '../../lsp/harness.js';
import { filesUnder, populateWorkspace, prng, runSeed, servedText } from './support.js';

await initZstd();

const VENDOR_FILES = 15;
const QUERIES = ['applyTax', 'Store', 'ring', 'Cart', 'deploy', 'Inventory', 'Message', 'Connection', 'create', 'x', 'get'];
const OUTLINES = ['go/store.go', 'web/cart.js', 'c/ring.c', 'python/inventory.py', 'java/Inventory.java'];
const PAGE = 4096;

interface Region { tag: string; start: number; end: number }

/** The snapshot's parts in file order: header, every streamed block (tag from its header), trailer. */
function layout(bytes: Buffer): Region[] {
  const out: Region[] = [{ tag: 'header', start: 0, end: 16 }];
  const stop = bytes.length - 16;
  let pos = 16;
  while (pos < stop) {
    const end = pos + 12 + bytes.readUInt32LE(pos + 8);
    out.push({ tag: bytes.toString('latin1', pos + 4, pos + 8), start: pos, end });
    pos = end;
  }
  assert.equal(pos, stop, 'the blocks end where the trailer starts');
  out.push({ tag: 'trailer', start: stop, end: bytes.length });
  return out;
}

/** What a damage changed: any byte, and any byte the load reads (everything but PACK blocks; a length change counts). */
function changes(clean: Buffer, damaged: Buffer, regions: Region[]): { changed: boolean; loadRead: boolean } {
  if (clean.length !== damaged.length) return { changed: true, loadRead: true };
  let changed = false;
  let loadRead = false;
  for (let i = 0; i < clean.length; i++) {
    if (clean[i] === damaged[i]) continue;
    changed = true;
    const r = regions.find((x) => i >= x.start && i < x.end)!;
    if (r.tag !== 'PACK') { loadRead = true; break; }
  }
  return { changed, loadRead };
}

type Setup = 'damage' | 'temp' | 'kill-server' | 'kill-index';
interface Case { name: string; setup: Setup; damage?: (b: Buffer) => Buffer }

describe('faults: a damaged snapshot on disk never changes an answer, is counted, and is rewritten whole', () => {
  const seed = runSeed();
  const rnd = prng(seed);
  const base = mkdtempSync(join(tmpdir(), 'strata-fault-snap-'));
  const root = join(base, 'ws');
  const cache = join(base, 'cache');
  const env = { XDG_CACHE_HOME: cache };
  let snapshot = '';
  let clean = Buffer.alloc(0);
  let regions: Region[] = [];
  let snapRoot = '';
  let files: string[] = [];
  let truth: Answers;
  /** Files in the clean snapshot. */
  let truthFiles = 0;
  let saveMs = 0;
  let indexMs = 0;
  let mtimeStep = 0;
  const figures = { cases: 0, failedStarts: 0, wrongAnswers: 0, changedBytes: 0, detected: 0, detectedAtLoad: 0, rewritten: 0, kills: 0, killsOldKept: 0, killsNewWritten: 0, tempsLeft: 0 };

  interface Answers { symbols: Record<string, string[]>; outlines: Record<string, unknown>; texts: Record<string, string> }

  async function answers(s: StrataSession): Promise<Answers> {
    const rel = (uri: string) => uri.slice(s.uri('').length);
    const symbols: Record<string, string[]> = {};
    for (const q of QUERIES) {
      const hits = ((await s.client.request('workspace/symbol', { query: q })) ?? []) as any[];
      symbols[q] = hits.map((h) => JSON.stringify({ ...h, location: { ...h.location, uri: rel(h.location.uri) } })).sort();
    }
    const outlines: Record<string, unknown> = {};
    for (const f of [...OUTLINES, ...files.filter((f) => f.startsWith('vendor/')).slice(0, 3)]) {
      outlines[f] = await s.client.request('textDocument/documentSymbol', { textDocument: { uri: s.uri(f) } });
    }
    const texts: Record<string, string> = {};
    for (const f of files) {
      const r = await servedText(s.client, s.uri(f));
      texts[f] = 'text' in r ? r.text : `error: ${r.error.message}`;
    }
    return { symbols, outlines, texts };
  }

  async function stats(s: StrataSession): Promise<any> {
    return s.client.request('strata/stats');
  }

  /** The snapshot opens with no damage, holds every indexed file, and each text equals the disk. */
  function assertWhole(what: string): void {
    const r = SnapshotReader.open(snapshot, { root: snapRoot }, { touch: false });
    try {
      let n = 0;
      for (const f of r.files()) {
        n++;
        const text = r.readText(f.key);
        assert.ok(Buffer.from(text).equals(readFileSync(f.key)), `${what}: ${f.key}: the snapshot's text is the disk's`);
      }
      assert.equal(r.damage.blocks, 0, `${what}: ${r.damage.messages.join('; ')}`);
      assert.equal(n, truthFiles, `${what}: every file is in the snapshot`);
    } finally {
      r.close();
    }
  }

  async function start(what: string): Promise<StrataSession> {
    try {
      return await startStrata({ root, env });
    } catch (err) {
      figures.failedStarts++;
      throw new Error(`${what}: the server did not start or finish indexing: ${(err as Error).message}`, { cause: err });
    }
  }

  function temps(): string[] {
    return readdirSync(dirname(snapshot)).filter((n) => n.startsWith(`${basename(snapshot)}.`) && n.endsWith('.tmp'));
  }

  /** Every workspace file gets a new mtime: the next run re-indexes everything and saves a new snapshot. */
  function touchAll(): void {
    const t = new Date(Date.now() + 10_000 * ++mtimeStep);
    for (const f of files) utimesSync(join(root, f), t, t);
  }

  /** A pid that no process has now (a child that has exited). */
  function deadPid(): number {
    return spawnSync(process.execPath, ['-e', '0']).pid!;
  }

  before(async () => {
    console.log(`faults/snapshot: seed ${seed} (replay with STRATA_FAULT_SEED=${seed})`);
    populateWorkspace(root, VENDOR_FILES);
    files = filesUnder(root);
    const s = await start('cold run');
    try {
      let st: any;
      for (let i = 0; i < 600 && !((st = await stats(s)).persist?.saves >= 1); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(st.persist.saves >= 1, 'the cold run saved a snapshot');
      saveMs = st.persist.lastSaveMs;
      truthFiles = st.persist.lastSaveFiles;
      snapshot = st.persist.snapshotPath;
      truth = await answers(s);
    } finally {
      await s.close();
    }
    assert.ok(snapshot.startsWith(join(cache, 'strata')), snapshot);
    clean = readFileSync(snapshot);
    regions = layout(clean);
    const r = SnapshotReader.open(snapshot, { root }, { touch: false });
    snapRoot = r.head.root;
    r.close();
    assertWhole('clean');
    const tags = new Map<string, number>();
    for (const x of regions) tags.set(x.tag, (tags.get(x.tag) ?? 0) + 1);
    console.log(`faults/snapshot: ${files.length} files, snapshot ${clean.length} B (${[...tags].map(([t, n]) => `${n} ${t}`).join(', ')}), cold save ${saveMs} ms`);
    assert.ok(clean.length >= 2 * PAGE, 'the snapshot spans several pages');
  });

  after(() => {
    console.log(`faults/snapshot: seed ${seed}: ${figures.cases} cases, ${figures.failedStarts} failed starts, ${figures.wrongAnswers} wrong answers; ` +
      `${figures.changedBytes} changed bytes, ${figures.detected} detected (${figures.detectedAtLoad} at load), ${figures.rewritten} rewritten whole; ` +
      `${figures.kills} writers killed (${figures.killsOldKept} left the old snapshot, ${figures.killsNewWritten} after the rename), ${figures.tempsLeft} temp files left by kills`);
    rmSync(base, { recursive: true, force: true });
  });

  // ---- the cases (drawn from the seed) ----
  const flip = (b: Buffer, at: number) => { b[at]! ^= 1 + rnd.int(255); };
  const inRegion = (tag: string) => (b: Buffer) => {
    const out = Buffer.from(b);
    const list = regions.filter((r) => r.tag === tag);
    const r = rnd.pick(list);
    flip(out, r.start + rnd.int(r.end - r.start));
    return out;
  };
  const swap = (b: Buffer, a: number, c: number, n: number) => {
    const out = Buffer.from(b);
    b.copy(out, a, c, c + n);
    b.copy(out, c, a, a + n);
    return out;
  };
  const cases: Case[] = [
    { name: 'one byte flipped', setup: 'damage', damage: (b) => { const o = Buffer.from(b); flip(o, rnd.int(o.length)); return o; } },
    { name: 'many bytes flipped', setup: 'damage', damage: (b) => { const o = Buffer.from(b); for (let i = 2 + rnd.int(63); i > 0; i--) flip(o, rnd.int(o.length)); return o; } },
    ...['header', 'HEAD', 'FILE', 'PACK', 'PACK', 'END ', 'trailer'].map((tag): Case => ({ name: `one byte flipped in ${tag.trim()}`, setup: 'damage', damage: inRegion(tag) })),
    { name: 'truncated at a random offset', setup: 'damage', damage: (b) => b.subarray(0, rnd.int(b.length)) },
    { name: 'a 4 KiB page zeroed', setup: 'damage', damage: (b) => { const o = Buffer.from(b); const p = rnd.int(Math.ceil(b.length / PAGE)) * PAGE; o.fill(0, p, Math.min(p + PAGE, o.length)); return o; } },
    { name: 'a 4 KiB page zeroed', setup: 'damage', damage: (b) => { const o = Buffer.from(b); const p = rnd.int(Math.ceil(b.length / PAGE)) * PAGE; o.fill(0, p, Math.min(p + PAGE, o.length)); return o; } },
    { name: 'two blocks swapped (same length runs)', setup: 'damage', damage: (b) => {
      const blocks = regions.filter((r) => r.tag !== 'header' && r.tag !== 'trailer');
      const x = rnd.pick(blocks);
      let y = rnd.pick(blocks);
      while (y === x && blocks.length > 1) y = rnd.pick(blocks);
      const [p, q] = x.start < y.start ? [x, y] : [y, x];
      return swap(b, p.start, q.start, Math.min(p.end - p.start, q.end - q.start, q.start - p.start));
    } },
    { name: 'two 4 KiB pages swapped', setup: 'damage', damage: (b) => {
      const pages = Math.floor(b.length / PAGE);
      const a = rnd.int(pages);
      let c = rnd.int(pages);
      while (c === a) c = rnd.int(pages);
      return swap(b, a * PAGE, c * PAGE, PAGE);
    } },
    { name: 'another format version in the header', setup: 'damage', damage: (b) => {
      const o = Buffer.from(b);
      o.writeUInt32LE(o.readUInt32LE(4) + 1 + rnd.int(5), 4);
      o.writeUInt32LE(crc32(o.subarray(0, 12)), 12);
      return o;
    } },
    { name: 'garbage of the same length', setup: 'damage', damage: (b) => Buffer.from(Array.from({ length: b.length }, () => rnd.int(256))) },
    { name: 'an empty file', setup: 'damage', damage: () => Buffer.alloc(0) },
    { name: 'a dead writer\'s temp file beside a clean snapshot', setup: 'temp' },
    { name: 'a dead writer\'s temp file beside a damaged snapshot', setup: 'temp', damage: inRegion('FILE') },
    { name: 'a saving server killed (SIGKILL)', setup: 'kill-server' },
    { name: 'a saving server killed (SIGKILL)', setup: 'kill-server' },
    { name: '`strata index` run whole', setup: 'kill-index' },
    { name: '`strata index` killed (SIGKILL)', setup: 'kill-index' },
  ];

  /** A server on the touched workspace, killed with SIGKILL at a random moment of its save. */
  async function killServer(): Promise<void> {
    touchAll();
    const s = await start('server to kill');
    const delay = rnd.next() * (4 * saveMs + 100);
    await new Promise((r) => setTimeout(r, delay));
    const exited = new Promise((r) => (s.client.process.exitCode !== null || s.client.process.signalCode !== null ? r(undefined) : s.client.process.once('exit', r)));
    s.client.process.kill('SIGKILL');
    await exited;
    await s.close();
  }

  /** `strata index ROOT` on the touched workspace; killed at a random moment unless it is the first (timed) run. */
  async function killIndex(whole: boolean): Promise<boolean> {
    touchAll();
    const started = performance.now();
    const child = spawn(process.execPath, [join(REPO, 'bin/strata.js'), 'index', root], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = whole ? undefined : setTimeout(() => child.kill('SIGKILL'), rnd.next() * indexMs);
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('close', (c, sig) => r([c, sig])));
    clearTimeout(timer);
    if (whole) {
      indexMs = performance.now() - started;
      assert.equal(code, 0, `strata index failed: ${err}`);
    }
    return signal === 'SIGKILL';
  }

  let indexRuns = 0;
  for (const [i, c] of cases.entries()) {
    it(`${i + 1}. ${c.name}`, async () => {
      figures.cases++;
      writeFileSync(snapshot, clean);
      for (const t of temps()) rmSync(join(dirname(snapshot), t));
      let placed: Buffer = clean;
      let expectDamage = { changed: false, loadRead: false };
      if (c.damage) {
        placed = c.damage(clean);
        writeFileSync(snapshot, placed);
        expectDamage = changes(clean, placed, regions);
        if (expectDamage.changed) figures.changedBytes++;
      }
      let temp = '';
      if (c.setup === 'temp') {
        temp = `${snapshot}.${deadPid()}-0badf00d.tmp`;
        writeFileSync(temp, clean.subarray(0, rnd.int(clean.length)));
      }
      if (c.setup === 'kill-server' || c.setup === 'kill-index') {
        const killed = c.setup === 'kill-server' ? (await killServer(), true) : await killIndex(indexRuns++ === 0);
        if (killed) {
          figures.kills++;
          if (temps().length > 0) figures.tempsLeft++;
          if (readFileSync(snapshot).equals(clean)) figures.killsOldKept++;
          else figures.killsNewWritten++;
        }
        // Whatever the kill left is a whole snapshot (old or new): the rename is atomic.
        assertWhole(`${c.name}: after the kill`);
      }

      const s = await start(c.name);
      try {
        const atLoad = (await stats(s)).integrity.crcFailures;
        const got = await answers(s);
        try {
          assert.deepEqual(got, truth);
        } catch (err) {
          figures.wrongAnswers++;
          throw new Error(`${c.name} (seed ${seed}): an answer differs from the clean run's: ${(err as Error).message}`, { cause: err });
        }
        const st = await stats(s);
        const counted = st.integrity.crcFailures;
        if (counted > 0) figures.detected++;
        if (atLoad > 0) figures.detectedAtLoad++;
        if (expectDamage.loadRead) assert.ok(atLoad > 0, `${c.name} (seed ${seed}): damage to bytes read at load is counted at load (crcFailures ${atLoad})`);
        if (expectDamage.changed) {
          assert.ok(counted > 0, `${c.name} (seed ${seed}): damage is counted once every text was read (crcFailures ${counted})`);
          assert.ok(st.persist.damagedBlocks > 0);
        } else {
          assert.equal(counted, 0, `${c.name} (seed ${seed}): nothing was damaged, nothing is counted`);
        }
      } finally {
        await s.close();
      }
      assertWhole(c.name);
      if (expectDamage.changed) {
        assert.ok(!readFileSync(snapshot).equals(placed), `${c.name}: the damaged snapshot was rewritten`);
        figures.rewritten++;
      }
      if (temp !== '') {
        // A save (after damage) removes dead writers' temp files; with nothing to save, it stays harmlessly.
        if (expectDamage.changed) assert.ok(!existsSync(temp), `${c.name}: the dead writer's temp file was removed by the save`);
        rmSync(temp, { force: true });
      }
    });
  }
});
