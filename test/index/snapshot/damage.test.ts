/**
 * Damage is detected, never served: for a flipped byte anywhere, a truncation at any point, a zeroed
 * 4 KiB page, two blocks swapped, a wrong version, magic or root, either `open` throws
 * SnapshotFormatError, or the damaged records are missing from `files()` (and `damage.blocks > 0`),
 * or `readText` throws SnapshotFormatError (and `damage.blocks > 0`). Every record and text that is
 * served equals the original. Damage to one block costs only that block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { SnapshotReader, SnapshotFormatError } from '../../../server/src/index/snapshot/reader.js';
import { SNAPSHOT_FORMAT_VERSION } from '../../../server/src/index/snapshot/location.js';
import { fileFor, readAll, sourceText, tempDir, writeSnapshot } from './helpers.js';
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
