/**
 * Damage is detected, never served: for a flipped byte anywhere, a truncation at any point, a zeroed
 * 4 KiB page, two blocks swapped, a wrong version, magic or root, either `open` throws
 * SnapshotFormatError, or the damaged records are missing from `files()` (and `damage.blocks > 0`),
 * or `readText` throws SnapshotFormatError (and `damage.blocks > 0`). Every record and text that is
 * served equals the original. Damage to one block costs only that block.
 * The same for a store (a base, two deltas, the manifest): a flipped byte, a truncation or growth in
 * any of its files, files swapped, replaced or missing — the store is refused, or what it serves is
 * records and texts its files hold, and anything but the undamaged store's state comes with damage
 * reported (a damaged delta's keys may fall back to an older file's verified record); damage to
 * packs no winning record uses is found by `verifyPacks`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { SnapshotReader, SnapshotFormatError } from '../../../server/src/index/snapshot/reader.js';
import { SNAPSHOT_FORMAT_VERSION } from '../../../server/src/index/snapshot/location.js';
import { StoreReader, StoreWriter } from '../../../server/src/index/snapshot/store.js';
import { fileFor, readAll, sourceText, storeFiles, tempDir, writeSnapshot } from './helpers.js';
import type { Original } from './helpers.js';

await initZstd();

const ROOT = '/ws';
const dir = tempDir();
const fixture = path.join(dir, 'fixture.strata');
const shared = sourceText(99, 6000);
const originals: Original[] = [];
for (let i = 0; i < 14; i++) {
  let text = i % 5 === 4 ? new Uint8Array(0) : sourceText(i, 1500 + 700 * i);
  if (i % 3 === 0) {
    const t = new Uint8Array(text.length + shared.length);
    t.set(shared);
    t.set(text, shared.length);
    text = t;
  }
  if (i === 7) text = Uint8Array.from({ length: 3000 }, (_, k) => (k * 131 + 7) & 0xff);
  originals.push({
    file: fileFor(`/ws/src/f${i}.ts`, text, {
      symbols: [{ name: `fn${i}`, kind: 12, span: [i, 0, i + 3, 1], nameSpan: [i, 9, i, 12], children: [{ name: 'inner', kind: 13, span: [i + 1, 2, i + 1, 9], nameSpan: [i + 1, 2, i + 1, 7] }] }],
      ...(i === 5 ? { noTreeReason: 'binary' } : {}),
    }),
    text,
  });
}
await writeSnapshot(fixture, ROOT, originals, { packBytes: 4096, filesPerBlock: 3 });
const pristine = new Uint8Array(fs.readFileSync(fixture));
const byKey = new Map(originals.map((o) => [o.file.key, o]));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** Block boundaries [offset, end) from the header to the trailer (walked through the length fields). */
function blocks(bytes: Uint8Array): [number, number][] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number][] = [];
  for (let at = 16; at < bytes.length - 16; ) {
    const end = at + 12 + v.getUint32(at + 8, true);
    out.push([at, end]);
    at = end;
  }
  return out;
}

let probe = 0;
/**
 * Opens `bytes` as a snapshot and reads everything; fails the test if anything served differs from
 * the originals or goes missing without being reported. Returns whether damage was detected.
 */
function check(bytes: Uint8Array, root = ROOT): boolean {
  const file = path.join(dir, `probe${probe++ % 4}.strata`);
  fs.writeFileSync(file, bytes);
  let r: SnapshotReader;
  try {
    r = SnapshotReader.open(file, { root });
  } catch (e) {
    assert.ok(e instanceof SnapshotFormatError, `open threw ${String(e)}`);
    return true;
  }
  try {
    const { files, texts } = readAll(r);
    for (const f of files) {
      const o = byKey.get(f.key);
      assert.ok(o, `unknown record ${f.key}`);
      assert.deepEqual(f, o.file);
      const t = texts.get(f.key)!;
      if (t instanceof Error) assert.ok(t instanceof SnapshotFormatError, `readText threw ${String(t)}`);
      else assert.deepEqual(t, o.text, `text of ${f.key}`);
    }
    const missing = originals.length - new Set(files.map((f) => f.key)).size;
    const failed = [...texts.values()].filter((t) => t instanceof Error).length;
    if (missing > 0 || failed > 0) assert.ok(r.damage.blocks > 0, 'records missing or texts refused without damage reported');
    assert.equal(r.damage.messages.length, Math.min(r.damage.blocks, 100));
    return r.damage.blocks > 0;
  } finally {
    r.close();
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

test('the fixture has several PACK and FILE blocks and reads back whole', () => {
  assert.ok(blocks(pristine).length >= 12, `${blocks(pristine).length} blocks`);
  assert.equal(check(pristine), false);
});

test('a flipped byte anywhere is detected (sweep + property)', () => {
  const flip = (at: number, mask: number) => {
    const b = pristine.slice();
    b[at]! ^= mask;
    assert.ok(check(b), `flip at ${at} (mask ${mask}) not detected`);
  };
  for (let at = 0; at < pristine.length; at += 53) flip(at, 1 << (at % 8));
  for (let at = pristine.length - 40; at < pristine.length; at++) flip(at, 0x80);
  fc.assert(fc.property(fc.nat(pristine.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => flip(at, mask)), { numRuns: 300 });
});

test('truncation at any offset is detected', () => {
  for (let n = 0; n < pristine.length; n += 97) assert.ok(check(pristine.subarray(0, n)), `truncated to ${n}`);
  fc.assert(fc.property(fc.nat(pristine.length - 1), (n) => check(pristine.subarray(0, n))), { numRuns: 100 });
  const longer = new Uint8Array(pristine.length + 5);
  longer.set(pristine);
  assert.ok(check(longer), 'bytes after the trailer');
});

test('a zeroed 4 KiB page is detected', () => {
  for (let page = 0; page * 4096 < pristine.length; page++) {
    const b = pristine.slice();
    b.fill(0, page * 4096, (page + 1) * 4096);
    if (same(b, pristine)) continue;
    assert.ok(check(b), `page ${page}`);
  }
});

test('two blocks swapped are detected', () => {
  const spans = blocks(pristine);
  let tried = 0;
  fc.assert(
    fc.property(fc.nat(spans.length - 1), fc.nat(spans.length - 1), (i, j) => {
      if (i === j) return;
      const [a, b] = i < j ? [spans[i]!, spans[j]!] : [spans[j]!, spans[i]!];
      const out = new Uint8Array(pristine.length);
      const parts = [pristine.subarray(0, a[0]), pristine.subarray(b[0], b[1]), pristine.subarray(a[1], b[0]), pristine.subarray(a[0], a[1]), pristine.subarray(b[1])];
      let o = 0;
      for (const p of parts) { out.set(p, o); o += p.length; }
      if (same(out, pristine)) return;
      tried++;
      assert.ok(check(out), `blocks ${i} and ${j} swapped`);
    }),
    { numRuns: 150 },
  );
  assert.ok(tried > 50);
});

test('a wrong version, magic or root is refused at open', () => {
  const withHeader = (field: number, value: number) => {
    const b = pristine.slice();
    const v = new DataView(b.buffer);
    v.setUint32(field, value, true);
    v.setUint32(12, crc32(b.subarray(0, 12)), true); // a well-formed header of another kind
    return b;
  };
  const open = (b: Uint8Array, root = ROOT) => {
    const file = path.join(dir, 'kind.strata');
    fs.writeFileSync(file, b);
    return () => SnapshotReader.open(file, { root });
  };
  assert.throws(open(withHeader(4, SNAPSHOT_FORMAT_VERSION + 1)),
    (e: Error) => e instanceof SnapshotFormatError && new RegExp(`version ${SNAPSHOT_FORMAT_VERSION + 1}`).test(e.message));
  assert.throws(open(withHeader(4, 0)), SnapshotFormatError);
  assert.throws(open(withHeader(0, 0x12345678)), (e: Error) => e instanceof SnapshotFormatError && /magic/.test(e.message));
  assert.throws(open(pristine, '/elsewhere'), (e: Error) => e instanceof SnapshotFormatError && /expected \/elsewhere/.test(e.message));
  assert.throws(() => SnapshotReader.open(path.join(dir, 'missing.strata'), { root: ROOT }), SnapshotFormatError);
  assert.throws(open(new Uint8Array(0)), SnapshotFormatError);
});

test('damage to one FILE block loses only its records; to one PACK only the texts that use it', () => {
  const spans = blocks(pristine);
  const tags = spans.map(([a]) => String.fromCharCode(...pristine.subarray(a + 4, a + 8)));
  const fileBlock = spans[tags.indexOf('FILE', tags.indexOf('FILE') + 1)]!; // the second one
  const b = pristine.slice();
  b[fileBlock[1] - 1]! ^= 0x40;
  fs.writeFileSync(path.join(dir, 'one.strata'), b);
  let r = SnapshotReader.open(path.join(dir, 'one.strata'), { root: ROOT });
  let { files, texts } = readAll(r);
  assert.equal(files.length, originals.length - 3);
  assert.ok([...texts.values()].every((t) => !(t instanceof Error)));
  assert.equal(r.damage.blocks, 1);
  assert.match(r.damage.messages[0]!, /FILE block 1 .*3 files/);
  r.close();

  const pack = spans[tags.lastIndexOf('PACK')]!;
  const c = pristine.slice();
  c[pack[0] + 30]! ^= 0x01;
  fs.writeFileSync(path.join(dir, 'one.strata'), c);
  r = SnapshotReader.open(path.join(dir, 'one.strata'), { root: ROOT });
  ({ files, texts } = readAll(r));
  const failed = [...texts.values()].filter((t) => t instanceof Error).length;
  assert.equal(files.length, originals.length);
  assert.ok(failed >= 1 && failed < originals.length, `${failed} texts refused`);
  assert.equal(r.damage.blocks, 1);
  // Asking again fails the same way and counts nothing new.
  for (const [key, t] of texts) if (t instanceof Error) assert.throws(() => r.readText(key), SnapshotFormatError);
  assert.equal(r.damage.blocks, 1);
  r.close();
});

// ---- a store: a base, two deltas and the manifest (snapshot/store.ts) ----

/** Every version of each key a store file holds (an older one may stand in for a damaged delta's). */
const versions = new Map<string, Original[]>();
/** What the store holds when nothing is damaged. */
const latest = new Map<string, Original>();
const storeDir = path.join(dir, 'store');
const manifestFile = path.join(storeDir, 'snapshot.strata');

function keep(o: Original): Original {
  versions.set(o.file.key, [...(versions.get(o.file.key) ?? []), o]);
  latest.set(o.file.key, o);
  return o;
}

function changedVersion(i: number, seed: number): Original {
  const text = sourceText(seed, 2000 + 300 * i);
  return { file: fileFor(`/ws/src/f${i}.ts`, text, { mtimeMs: 1.8e12 + seed, symbols: [{ name: `changed${seed}`, kind: 12, span: [0, 0, 1, 0], nameSpan: [0, 0, 0, 7] }] }), text };
}

{
  let w = await StoreWriter.create(manifestFile, ROOT, 'base', undefined, { packBytes: 4096, filesPerBlock: 3 });
  for (const o of originals) await w.add(keep(o).file, o.text);
  await w.commit();
  let reader = StoreReader.open(manifestFile, { root: ROOT });
  // Delta 1: two files changed, one removed, one added; delta 2: one changed again, the added one removed.
  const steps: [Original[], string[]][] = [
    [[changedVersion(1, 101), changedVersion(2, 102), changedVersion(20, 120)], ['/ws/src/f4.ts']],
    [[changedVersion(1, 201)], ['/ws/src/f20.ts']],
  ];
  for (const [puts, removals] of steps) {
    w = await StoreWriter.create(manifestFile, ROOT, 'delta', reader.manifest, { packBytes: 4096, filesPerBlock: 2 });
    for (const o of puts) await w.add(keep(o).file, o.text);
    for (const key of removals) {
      await w.remove(key);
      latest.delete(key);
    }
    await w.commit();
    reader = StoreReader.open(manifestFile, { root: ROOT }, { from: reader });
  }
  reader.close();
}
const storeNames = (() => {
  const { base, deltas } = storeFiles(manifestFile, ROOT);
  return { manifest: 'snapshot.strata', base: path.basename(base), deltas: deltas.map((d) => path.basename(d)) };
})();
const cleanStore = new Map<string, Uint8Array>([storeNames.manifest, storeNames.base, ...storeNames.deltas].map((n) => [n, new Uint8Array(fs.readFileSync(path.join(storeDir, n)))]));

let storeProbe = 0;
/**
 * Places `files` as a store and reads everything: fails the test if a served record or text is not
 * one the store's files hold for its key, or if what is served differs from the undamaged store's
 * (a key more or less, an older version, a refused text) without damage reported. Returns whether
 * damage was detected.
 */
function checkStore(files: Map<string, Uint8Array>): boolean {
  const probeDir = path.join(dir, `store-probe${storeProbe++ % 4}`);
  fs.rmSync(probeDir, { recursive: true, force: true });
  fs.mkdirSync(probeDir);
  for (const [name, bytes] of files) fs.writeFileSync(path.join(probeDir, name), bytes);
  let r: StoreReader;
  try {
    r = StoreReader.open(path.join(probeDir, storeNames.manifest), { root: ROOT });
  } catch (e) {
    assert.ok(e instanceof SnapshotFormatError, `open threw ${String(e)}`);
    return true;
  }
  try {
    let same = true;
    const served = new Set<string>();
    for (const f of r.files()) {
      served.add(f.key);
      const known = versions.get(f.key)?.filter((o) => isDeepStrictEqual(o.file, f)) ?? [];
      assert.ok(known.length > 0, `a record of ${f.key} that no store file holds`);
      if (latest.get(f.key)?.file !== known[0]!.file && !isDeepStrictEqual(latest.get(f.key)?.file, f)) same = false;
      let text: Uint8Array | undefined;
      try {
        text = r.readText(f.key);
      } catch (e) {
        assert.ok(e instanceof SnapshotFormatError, `readText threw ${String(e)}`);
        same = false;
      }
      if (text) assert.ok(known.some((o) => Buffer.compare(o.text, text) === 0), `the text of ${f.key}`);
    }
    if (served.size !== latest.size || [...latest.keys()].some((k) => !served.has(k))) same = false;
    if (!same) assert.ok(r.damage.blocks > 0, 'the store served something else than it holds, without damage reported');
    // Packs only records that no longer win use (delta 1's text of f1, of f20) are never read: their
    // damage is found by a check of every pack, as `strata index` makes before keeping a store.
    r.verifyPacks();
    return r.damage.blocks > 0;
  } finally {
    r.close();
  }
}

function withFile(name: string, bytes: Uint8Array): Map<string, Uint8Array> {
  return new Map(cleanStore).set(name, bytes);
}

test('a store (base, two deltas, manifest) reads back whole; its deltas override, add and remove', () => {
  assert.equal(checkStore(cleanStore), false);
  assert.ok(cleanStore.get(storeNames.deltas[1]!)!.length > 0);
  assert.deepEqual(storeNames.deltas.length, 2);
});

test('a flipped byte anywhere in the base, a delta or the manifest is detected (sweep + property)', () => {
  for (const name of cleanStore.keys()) {
    const clean = cleanStore.get(name)!;
    const flip = (at: number, mask: number) => {
      const b = clean.slice();
      b[at]! ^= mask;
      assert.ok(checkStore(withFile(name, b)), `${name}: flip at ${at} (mask ${mask}) not detected`);
    };
    const step = name === storeNames.base ? 61 : 7;
    for (let at = 0; at < clean.length; at += step) flip(at, 1 << (at % 8));
    fc.assert(fc.property(fc.nat(clean.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => flip(at, mask)), { numRuns: 60 });
  }
});

test('truncation or growth of any file of the store is detected', () => {
  for (const name of cleanStore.keys()) {
    const clean = cleanStore.get(name)!;
    for (let n = 0; n < clean.length; n += name === storeNames.base ? 97 : 11) {
      assert.ok(checkStore(withFile(name, clean.subarray(0, n))), `${name} truncated to ${n}`);
    }
    const longer = new Uint8Array(clean.length + 3);
    longer.set(clean);
    assert.ok(checkStore(withFile(name, longer)), `${name}: bytes after its end`);
  }
});

test('files of the store swapped, replaced or missing are detected', () => {
  const [d1, d2] = [storeNames.deltas[0]!, storeNames.deltas[1]!];
  const swapped = new Map(cleanStore).set(d1, cleanStore.get(d2)!).set(d2, cleanStore.get(d1)!);
  assert.ok(checkStore(swapped), 'the deltas swapped');
  assert.ok(checkStore(withFile(storeNames.base, cleanStore.get(d1)!)), 'the base replaced by a delta');
  assert.ok(checkStore(withFile(d2, cleanStore.get(storeNames.base)!)), 'a delta replaced by the base');
  for (const name of cleanStore.keys()) {
    const missing = new Map(cleanStore);
    missing.delete(name);
    assert.ok(checkStore(missing), `${name} missing`);
  }
});

test('damage to a delta costs only what it holds: the other files still serve', () => {
  const d1 = cleanStore.get(storeNames.deltas[0]!)!;
  const r = checkStore(withFile(storeNames.deltas[0]!, d1.subarray(0, d1.length - 1)));
  assert.ok(r);
  const probe = path.join(dir, `store-probe${(storeProbe - 1) % 4}`, storeNames.manifest);
  const reader = StoreReader.open(probe, { root: ROOT });
  try {
    const keys = new Set([...reader.files()].map((f) => f.key));
    // The base's records stand in for delta 1's; delta 2's changes still win.
    assert.ok(keys.has('/ws/src/f4.ts') && !keys.has('/ws/src/f20.ts'));
    assert.equal(reader.record('/ws/src/f1.ts')?.mtimeMs, latest.get('/ws/src/f1.ts')!.file.mtimeMs);
    assert.equal(reader.damage.blocks, 1);
  } finally {
    reader.close();
  }
});
