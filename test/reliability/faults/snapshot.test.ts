/**
 * The persistent snapshot store damaged on disk between runs, through the real server over stdio.
 *
 * One cold server indexes a workspace (examples/demo + real sources from node_modules) into a private
 * XDG_CACHE_HOME; two more runs, each after a change on disk (three files edited; one edited and one
 * deleted), add two deltas to the store (snapshot/store.ts), so it holds a manifest, a base and two
 * deltas, one with a GONE block. A last server records the answers: workspace/symbol for fixed queries
 * (as sets), the documentSymbol of a few files, and `strata/debug/text` of EVERY file (so every text,
 * hence every PACK the winning records name, is read back). Then, per damage case (seeded; replay
 * with STRATA_FAULT_SEED), the clean store is restored, damaged, and a fresh server is started on the
 * same folder and cache. Asserted, per case:
 * - the server starts and finishes indexing (progress `end`);
 * - every recorded answer equals the clean one;
 * - detection: damage that changed bytes of the manifest, or of a base's or delta's header, HEAD,
 *   FILE or GONE block, END or trailer (or a file's length, or which file is where) is counted in
 *   integrity.crcFailures right after indexing (those are read at load); damage that changed only PACK
 *   bytes is counted once every text has been read; a case that changed no byte (an identical swap, a
 *   leftover temp file or unlisted delta, a killed writer — the manifest's rename is atomic) counts
 *   nothing (crcFailures === 0);
 * - after the server's shutdown the store opens and verifies whole (every record, every text, equal
 *   to the disk, no damage), a damaged one was replaced by a new base, and leftovers were deleted.
 * Damages: 1 and many flipped bytes anywhere in the base, one flipped byte in each file and inside a
 * block of each kind, truncations, a zeroed 4 KiB page, two same-length runs of two blocks swapped,
 * two 4 KiB pages swapped, two deltas swapped, the base replaced by a delta, another format version,
 * garbage, empty files, a dead writer's temp file beside a clean and beside a damaged store, a
 * crash's unlisted delta; last, writers killed with SIGKILL: a server saving a whole base after every
 * file's mtime changed and one saving a delta after one file's did, each killed at a random delay
 * after its index run, and `strata index` children killed at a random delay.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from '../../../server/src/cache/index.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { StoreReader } from '../../../server/src/index/snapshot/store.js';
import { REPO, startStrata, type StrataSession } from '../../lsp/harness.js';
import { storeFiles } from '../../index/snapshot/helpers.js';
import { filesUnder, populateWorkspace, prng, runSeed, servedText } from './support.js';

await initZstd();

const VENDOR_FILES = 15;
const QUERIES = ['applyTax', 'Store', 'ring', 'Cart', 'deploy', 'Inventory', 'Message', 'Connection', 'create', 'x', 'get'];
const OUTLINES = ['go/store.go', 'web/cart.js', 'c/ring.c', 'python/inventory.py', 'java/Inventory.java'];
const PAGE = 4096;

interface Region { tag: string; start: number; end: number }

/** A snapshot file's parts in file order: header, every streamed block (tag from its header), trailer. */
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

/** The store's files by name (manifest, base, deltas): what a case restores, damages and compares. */
type StoreBytes = Map<string, Buffer>;

/**
 * What a damage changed: any byte, and any byte the load reads (everything but the PACK blocks of
 * the base and deltas; a file's length, presence or place counts).
 */
function changes(clean: StoreBytes, damaged: StoreBytes, regions: Map<string, Region[]>): { changed: boolean; loadRead: boolean } {
  let changed = false;
  for (const name of new Set([...clean.keys(), ...damaged.keys()])) {
    const a = clean.get(name);
    const b = damaged.get(name);
    if (!a || !b || a.length !== b.length) return { changed: true, loadRead: true };
    const parts = regions.get(name);
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      changed = true;
      const r = parts?.find((x) => i >= x.start && i < x.end);
      if (!r || r.tag !== 'PACK') return { changed, loadRead: true };
    }
  }
  return { changed, loadRead: false };
}

type Setup = 'damage' | 'temp' | 'unlisted' | 'kill-server' | 'kill-server-delta' | 'kill-index';
interface Case { name: string; setup: Setup; damage?: (store: StoreBytes) => StoreBytes }

describe('faults: a damaged snapshot store on disk never changes an answer, is counted, and is rewritten whole', () => {
  const seed = runSeed();
  const rnd = prng(seed);
  const base = mkdtempSync(join(tmpdir(), 'strata-fault-snap-'));
  const root = join(base, 'ws');
  const cache = join(base, 'cache');
  const env = { XDG_CACHE_HOME: cache };
  /** The store's manifest (persist.snapshotPath), and the names of its files in the clean store. */
  let snapshot = '';
  let manifestName = '';
  let baseName = '';
  let deltaNames: string[] = [];
  let clean: StoreBytes = new Map();
  const regions = new Map<string, Region[]>();
  let snapRoot = '';
  let files: string[] = [];
  let truth: Answers;
  /** Files in the clean store. */
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

  async function savesReach(s: StrataSession, saves: number): Promise<any> {
    let st: any;
    for (let i = 0; i < 600 && !((st = await stats(s)).persist?.saves >= saves); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(st.persist.saves >= saves, `the server saved ${saves} time(s)`);
    return st;
  }

  /** The store's files now: manifest, base and deltas (not temp files, not the occurrence index). */
  function readStore(): StoreBytes {
    const out: StoreBytes = new Map();
    for (const name of readdirSync(dirname(snapshot)).sort()) {
      if (name === manifestName || (name.startsWith(`${manifestName}.`) && /\.(base|delta)$/.test(name))) out.set(name, readFileSync(join(dirname(snapshot), name)));
    }
    return out;
  }

  /** Makes the folder hold exactly `store` (and the occurrence index): other store files and temps go. */
  function placeStore(store: StoreBytes): void {
    for (const name of readdirSync(dirname(snapshot))) {
      if ((name === manifestName || name.startsWith(`${manifestName}.`)) && !name.endsWith('.occ') && !store.has(name)) rmSync(join(dirname(snapshot), name));
    }
    for (const [name, bytes] of store) writeFileSync(join(dirname(snapshot), name), bytes);
  }

  /** The store opens with no damage, holds every indexed file, and each text equals the disk. */
  function assertWhole(what: string): void {
    const r = StoreReader.open(snapshot, { root: snapRoot }, { touch: false });
    try {
      let n = 0;
      for (const f of r.files()) {
        n++;
        const text = r.readText(f.key);
        assert.ok(Buffer.from(text).equals(readFileSync(f.key)), `${what}: ${f.key}: the store's text is the disk's`);
      }
      assert.equal(r.damage.blocks, 0, `${what}: ${r.damage.messages.join('; ')}`);
      assert.equal(n, truthFiles, `${what}: every file is in the store`);
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
    return readdirSync(dirname(snapshot)).filter((n) => n.startsWith(`${manifestName}.`) && n.endsWith('.tmp'));
  }

  /** Every workspace file gets a new mtime: the next run re-indexes everything and saves a new base. */
  function touch(only?: string): void {
    const t = new Date(Date.now() + 10_000 * ++mtimeStep);
    for (const f of only ? [only] : files) utimesSync(join(root, f), t, t);
  }

  /** A pid that no process has now (a child that has exited). */
  function deadPid(): number {
    return spawnSync(process.execPath, ['-e', '0']).pid!;
  }

  before(async () => {
    console.log(`faults/snapshot: seed ${seed} (replay with STRATA_FAULT_SEED=${seed})`);
    populateWorkspace(root, VENDOR_FILES);
    const s = await start('cold run');
    try {
      const st = await savesReach(s, 1);
      saveMs = st.persist.lastSaveMs;
      snapshot = st.persist.snapshotPath;
    } finally {
      await s.close();
    }
    assert.ok(snapshot.startsWith(join(cache, 'strata')), snapshot);
    manifestName = basename(snapshot);
    // Two runs after changes on disk: each saves a delta (the second, smaller, with a removal: the
    // deltas then stay two, the older outweighing the newer).
    for (const f of ['web/cart.js', 'web/api.ts', 'c/ring.c']) appendFileSync(join(root, f), '\n// changed for the first delta\n');
    appendFileSync(join(root, 'web/cart.js'), '\nexport function addedForTheFirstDelta(x) { return x; }\n');
    for (const edit of [1, 2]) {
      if (edit === 2) {
        appendFileSync(join(root, 'go/store.go'), '\nfunc AddedForTheSecondDelta() int { return 2 }\n');
        unlinkSync(join(root, 'scripts/deploy.sh'));
      }
      const d = await start(`delta run ${edit}`);
      try {
        const st = await savesReach(d, 1);
        assert.equal(st.persist.deltaSaves, 1, `run ${edit} saved a delta`);
      } finally {
        await d.close();
      }
    }
    files = filesUnder(root);
    const t = await start('truth run');
    try {
      truth = await answers(t);
      const st = await stats(t);
      assert.equal(st.persist.saves, 0, 'the truth run loads the store and writes nothing');
      assert.equal(st.persist.deltas, 2);
      truthFiles = st.persist.loadedFiles;
    } finally {
      await t.close();
    }
    const store = storeFiles(snapshot, root);
    baseName = basename(store.base);
    deltaNames = store.deltas.map((d) => basename(d));
    snapRoot = store.manifest.root;
    clean = readStore();
    assert.deepEqual([...clean.keys()].sort(), [manifestName, baseName, ...deltaNames].sort(), 'the store is its manifest, base and deltas');
    for (const name of [baseName, ...deltaNames]) regions.set(name, layout(clean.get(name)!));
    regions.set(manifestName, [{ tag: 'header', start: 0, end: 16 }, { tag: 'LIST', start: 16, end: clean.get(manifestName)!.length }]);
    assert.ok(regions.get(deltaNames[1]!)!.some((r) => r.tag === 'GONE'), 'the second delta has a GONE block');
    assertWhole('clean');
    const tags = new Map<string, number>();
    for (const x of regions.get(baseName)!) tags.set(x.tag, (tags.get(x.tag) ?? 0) + 1);
    console.log(`faults/snapshot: ${files.length} files, base ${clean.get(baseName)!.length} B (${[...tags].map(([t, n]) => `${n} ${t}`).join(', ')}), deltas ${deltaNames.map((n) => `${clean.get(n)!.length} B`).join(', ')}, cold save ${saveMs} ms`);
    assert.ok(clean.get(baseName)!.length >= 2 * PAGE, 'the base spans several pages');
  });

  after(() => {
    console.log(`faults/snapshot: seed ${seed}: ${figures.cases} cases, ${figures.failedStarts} failed starts, ${figures.wrongAnswers} wrong answers; ` +
      `${figures.changedBytes} changed bytes, ${figures.detected} detected (${figures.detectedAtLoad} at load), ${figures.rewritten} rewritten whole; ` +
      `${figures.kills} writers killed (${figures.killsOldKept} left the old store, ${figures.killsNewWritten} after the manifest's rename), ${figures.tempsLeft} temp files left by kills`);
    rmSync(base, { recursive: true, force: true });
  });

  // ---- the cases (drawn from the seed) ----
  const flip = (b: Buffer, at: number) => { b[at]! ^= 1 + rnd.int(255); };
  /** A damage of one file of the store (`which` picks it by role when the case is drawn). */
  const inFile = (which: 'manifest' | 'base' | 'delta', fn: (b: Buffer, name: string) => Buffer) => (store: StoreBytes) => {
    const name = which === 'manifest' ? manifestName : which === 'base' ? baseName : rnd.pick(deltaNames);
    const out = new Map(store);
    out.set(name, fn(store.get(name)!, name));
    return out;
  };
  const flipIn = (which: 'manifest' | 'base' | 'delta') => inFile(which, (b) => { const o = Buffer.from(b); flip(o, rnd.int(o.length)); return o; });
  const inRegion = (which: 'base' | 'delta', tag: string) => inFile(which, (b, name) => {
    const out = Buffer.from(b);
    const list = regions.get(name)!.filter((r) => r.tag === tag);
    const r = rnd.pick(list);
    flip(out, r.start + rnd.int(r.end - r.start));
    return out;
  });
  const swap = (b: Buffer, a: number, c: number, n: number) => {
    const out = Buffer.from(b);
    b.copy(out, a, c, c + n);
    b.copy(out, c, a, a + n);
    return out;
  };
  const otherVersion = (b: Buffer) => {
    const o = Buffer.from(b);
    o.writeUInt32LE(o.readUInt32LE(4) + 1 + rnd.int(5), 4);
    o.writeUInt32LE(crc32(o.subarray(0, 12)), 12);
    return o;
  };
  const cases: Case[] = [
    { name: 'one byte flipped in the base', setup: 'damage', damage: flipIn('base') },
    { name: 'one byte flipped in a delta', setup: 'damage', damage: flipIn('delta') },
    { name: 'one byte flipped in the manifest', setup: 'damage', damage: flipIn('manifest') },
    { name: 'many bytes flipped in the base', setup: 'damage', damage: inFile('base', (b) => { const o = Buffer.from(b); for (let i = 2 + rnd.int(63); i > 0; i--) flip(o, rnd.int(o.length)); return o; }) },
    ...['header', 'HEAD', 'FILE', 'PACK', 'PACK', 'END ', 'trailer'].map((tag): Case => ({ name: `one byte flipped in the base's ${tag.trim()}`, setup: 'damage', damage: inRegion('base', tag) })),
    ...['HEAD', 'FILE', 'PACK', 'END ', 'trailer'].map((tag): Case => ({ name: `one byte flipped in a delta's ${tag.trim()}`, setup: 'damage', damage: inRegion('delta', tag) })),
    { name: 'one byte flipped in the second delta\'s GONE', setup: 'damage', damage: (store) => {
      const name = deltaNames[1]!;
      const out = new Map(store);
      const b = Buffer.from(store.get(name)!);
      const r = regions.get(name)!.find((x) => x.tag === 'GONE')!;
      flip(b, r.start + rnd.int(r.end - r.start));
      out.set(name, b);
      return out;
    } },
    { name: 'the base truncated at a random offset', setup: 'damage', damage: inFile('base', (b) => b.subarray(0, rnd.int(b.length))) },
    { name: 'a delta truncated at a random offset', setup: 'damage', damage: inFile('delta', (b) => b.subarray(0, rnd.int(b.length))) },
    { name: 'the manifest truncated at a random offset', setup: 'damage', damage: inFile('manifest', (b) => b.subarray(0, rnd.int(b.length))) },
    { name: 'a 4 KiB page of the base zeroed', setup: 'damage', damage: inFile('base', (b) => { const o = Buffer.from(b); const p = rnd.int(Math.ceil(b.length / PAGE)) * PAGE; o.fill(0, p, Math.min(p + PAGE, o.length)); return o; }) },
    { name: 'two blocks of the base swapped (same length runs)', setup: 'damage', damage: inFile('base', (b, name) => {
      const blocks = regions.get(name)!.filter((r) => r.tag !== 'header' && r.tag !== 'trailer');
      const x = rnd.pick(blocks);
      let y = rnd.pick(blocks);
      while (y === x && blocks.length > 1) y = rnd.pick(blocks);
      const [p, q] = x.start < y.start ? [x, y] : [y, x];
      return swap(b, p.start, q.start, Math.min(p.end - p.start, q.end - q.start, q.start - p.start));
    }) },
    { name: 'two 4 KiB pages of the base swapped', setup: 'damage', damage: inFile('base', (b) => {
      const pages = Math.floor(b.length / PAGE);
      const a = rnd.int(pages);
      let c = rnd.int(pages);
      while (c === a) c = rnd.int(pages);
      return swap(b, a * PAGE, c * PAGE, PAGE);
    }) },
    { name: 'the two deltas swapped', setup: 'damage', damage: (store) => {
      const out = new Map(store);
      out.set(deltaNames[0]!, store.get(deltaNames[1]!)!);
      out.set(deltaNames[1]!, store.get(deltaNames[0]!)!);
      return out;
    } },
    { name: 'the base replaced by a delta', setup: 'damage', damage: (store) => new Map(store).set(baseName, store.get(rnd.pick(deltaNames))!) },
    { name: 'a delta missing', setup: 'damage', damage: (store) => { const out = new Map(store); out.delete(rnd.pick(deltaNames)); return out; } },
    { name: 'another format version in the base\'s header', setup: 'damage', damage: inFile('base', otherVersion) },
    { name: 'another format version in the manifest\'s header', setup: 'damage', damage: inFile('manifest', otherVersion) },
    { name: 'garbage of the same length as the base', setup: 'damage', damage: inFile('base', (b) => Buffer.from(Array.from({ length: b.length }, () => rnd.int(256)))) },
    { name: 'an empty delta', setup: 'damage', damage: inFile('delta', () => Buffer.alloc(0)) },
    { name: 'an empty manifest', setup: 'damage', damage: inFile('manifest', () => Buffer.alloc(0)) },
    { name: 'a dead writer\'s temp file beside a clean store', setup: 'temp' },
    { name: 'a dead writer\'s temp file beside a damaged store', setup: 'temp', damage: inRegion('base', 'FILE') },
    { name: 'a crash\'s unlisted delta beside a clean store', setup: 'unlisted' },
    { name: 'a server saving a base killed (SIGKILL)', setup: 'kill-server' },
    { name: 'a server saving a base killed (SIGKILL)', setup: 'kill-server' },
    { name: 'a server saving a delta killed (SIGKILL)', setup: 'kill-server-delta' },
    { name: 'a server saving a delta killed (SIGKILL)', setup: 'kill-server-delta' },
    { name: '`strata index` run whole', setup: 'kill-index' },
    { name: '`strata index` killed (SIGKILL)', setup: 'kill-index' },
  ];

  /** A server on the touched workspace (every file, or one), killed with SIGKILL at a random moment of its save. */
  async function killServer(only?: string): Promise<void> {
    touch(only);
    const s = await start('server to kill');
    const delay = rnd.next() * (only ? 100 : 4 * saveMs + 100);
    await new Promise((r) => setTimeout(r, delay));
    const exited = new Promise((r) => (s.client.process.exitCode !== null || s.client.process.signalCode !== null ? r(undefined) : s.client.process.once('exit', r)));
    s.client.process.kill('SIGKILL');
    await exited;
    await s.close();
  }

  /** `strata index ROOT` on the touched workspace; killed at a random moment unless it is the first (timed) run. */
  async function killIndex(whole: boolean): Promise<boolean> {
    touch();
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
      placeStore(clean);
      let expectDamage = { changed: false, loadRead: false };
      if (c.damage) {
        const placed = c.damage(clean);
        placeStore(placed);
        expectDamage = changes(clean, placed, regions);
        if (expectDamage.changed) figures.changedBytes++;
      }
      let leftover = '';
      if (c.setup === 'temp') {
        leftover = join(dirname(snapshot), `${manifestName}.${deadPid()}-0badf00d.tmp`);
        writeFileSync(leftover, clean.get(manifestName)!.subarray(0, rnd.int(clean.get(manifestName)!.length)));
      }
      if (c.setup === 'unlisted') {
        leftover = join(dirname(snapshot), `${manifestName}.999-0badf00d.delta`);
        writeFileSync(leftover, clean.get(deltaNames[0]!)!);
      }
      if (c.setup.startsWith('kill-')) {
        const killed = c.setup === 'kill-index' ? await killIndex(indexRuns++ === 0)
          : (await killServer(c.setup === 'kill-server-delta' ? 'web/api.ts' : undefined), true);
        if (killed) {
          figures.kills++;
          if (temps().length > 0) figures.tempsLeft++;
          if (readFileSync(snapshot).equals(clean.get(manifestName)!)) figures.killsOldKept++;
          else figures.killsNewWritten++;
        }
        // Whatever the kill left is a whole store (old or new): the manifest's rename is atomic.
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
        if (expectDamage.changed) {
          // The rewrite is the save that follows the index run; a shutdown waits for it only a few
          // seconds (SHUTDOWN_SAVE_MS), which a loaded machine can exceed. Its outcome is checked below.
          for (const until = Date.now() + 120_000; Date.now() < until;) {
            const { saves, failedSaves } = (await stats(s)).persist;
            if (saves + failedSaves > 0) break;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        await s.close();
      }
      assertWhole(c.name);
      if (expectDamage.changed) {
        const now = storeFiles(snapshot, snapRoot);
        assert.ok(basename(now.base) !== baseName && now.deltas.length === 0, `${c.name}: the damaged store was replaced by a new base`);
        assert.deepEqual([...readStore().keys()].sort(), [manifestName, basename(now.base)].sort(), `${c.name}: the old files are gone`);
        figures.rewritten++;
      }
      // Leftovers (dead writers' temp files, unlisted files) are deleted when the store is opened.
      if (leftover !== '') assert.ok(!existsSync(leftover), `${c.name}: ${basename(leftover)} was removed`);
    });
  }
});
