/**
 * Snapshot round trips: whatever files are written (empty, binary, duplicate and chunk-sharing
 * texts; symbol trees; identifier bytes; optional fields), the reader yields every record exactly
 * and every text byte-exact, in small and default block sizes; the writer's memory stays within its
 * stated bound whatever the text size; the reader's pack cache stays within its bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { MAX_CHUNK_SIZE } from '../../../server/src/cache/chunking/index.js';
import { SnapshotReader, SnapshotFormatError } from '../../../server/src/index/snapshot/reader.js';
import { SnapshotWriter, SnapshotInputError } from '../../../server/src/index/snapshot/writer.js';
import { fileFor, filesArb, readAll, sourceText, tempDir, writeSnapshot, prng } from './helpers.js';
import { ByteSink, ByteSource } from '../../../server/src/index/snapshot/bytes.js';
import { decodeRecord, encodeRecord } from '../../../server/src/index/snapshot/records.js';
import { PackedOutline } from '../../../server/src/syntax/packedOutline.js';

await initZstd();

test('every record and every text reads back exactly (property)', async () => {
  const dir = tempDir();
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(filesArb(30), fc.constantFrom(512, 4096, 128 * 1024), fc.integer({ min: 1, max: 300 }), async (originals, packBytes, filesPerBlock) => {
        const file = path.join(dir, `s${n++}`, 'snapshot.strata');
        const done = await writeSnapshot(file, '/ws', originals, { packBytes, filesPerBlock });
        assert.equal(done.files, originals.length);
        assert.equal(done.bytes, fs.statSync(file).size);
        const r = SnapshotReader.open(file, { root: '/ws' });
        try {
          const { files, texts } = readAll(r);
          assert.deepEqual(files, originals.map((o) => o.file));
          for (const o of originals) assert.deepEqual(texts.get(o.file.key), o.text, o.file.key);
          assert.equal(r.damage.blocks, 0);
          assert.ok(r.cachedPacks <= 4);
          // A second pass over the blocks changes nothing.
          assert.equal([...r.files()].length, originals.length);
          for (const o of originals) assert.deepEqual(r.readText(o.file.key), o.text, o.file.key);
        } finally {
          r.close();
        }
        // A read in the middle of the first pass (the server's load yields between files) makes a
        // pass of its own; both passes go on to the end and every text still reads back.
        const r2 = SnapshotReader.open(file, { root: '/ws' });
        try {
          const outer = r2.files()[Symbol.iterator]();
          const first = outer.next();
          if (!first.done) assert.deepEqual(r2.readText(first.value.key), originals[0]!.text);
          let rest = 0;
          while (!outer.next().done) rest++;
          assert.equal(rest, Math.max(0, originals.length - 1));
          for (const o of originals) assert.deepEqual(r2.readText(o.file.key), o.text, o.file.key);
        } finally {
          r2.close();
        }
        fs.rmSync(path.dirname(file), { recursive: true });
      }),
      { numRuns: 40 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a record given its outline packed (as strata index writes it) reads back as the objects (property)', () => {
  fc.assert(fc.property(filesArb(8), (files) => {
    for (const { file } of files) {
      const refs = file.length > 0 ? [1] : [];
      const out = new ByteSink();
      encodeRecord(out, { ...file, symbols: PackedOutline.of(file.symbols) }, refs);
      const back = decodeRecord(new ByteSource(out.written().slice()), 2);
      assert.deepEqual(back.file, file);
      assert.deepEqual([...back.refs], refs);
    }
  }), { numRuns: 100 });
  // A span the record cannot hold as it is: refused with the file named, never written changed.
  const file = fileFor('/ws/w.ts', new Uint8Array(1));
  assert.throws(() => encodeRecord(new ByteSink(), { ...file, symbols: [{ name: 'f', kind: 12, span: [2 ** 32, 0, 0, 1], nameSpan: [0, 0, 0, 1] }] }, [0]), /snapshot record \/ws\/w\.ts: symbol f has a span value 4294967296/);
});

test('duplicate texts and shared chunks are stored once', async () => {
  const dir = tempDir();
  try {
    const a = sourceText(7, 200_000);
    const originals = [0, 1, 2, 3].map((i) => ({ file: fileFor(`/ws/copy${i}.ts`, a), text: a }));
    const once = await writeSnapshot(path.join(dir, 'one.strata'), '/ws', originals.slice(0, 1));
    const four = await writeSnapshot(path.join(dir, 'four.strata'), '/ws', originals);
    assert.equal(four.chunks, once.chunks);
    assert.equal(four.uniqueBytes, a.length);
    assert.equal(four.textBytes, 4 * a.length);
    assert.ok(four.bytes < once.bytes + 1000, `${four.bytes} vs ${once.bytes}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('writer memory stays within one pack + one batch + the id table, whatever the text size', async () => {
  const dir = tempDir();
  try {
    const packBytes = 128 * 1024;
    const w = await SnapshotWriter.create(path.join(dir, 'big.strata'), { root: '/ws' }, { packBytes, filesPerBlock: 4 });
    const next = prng(3);
    let maxPack = 0;
    let maxRecords = 0;
    let maxQueued = 0;
    let maxBatch = 0;
    const big = new Uint8Array(24 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) new DataView(big.buffer).setUint32(i, next());
    const probe = setInterval(() => {
      const m = w.memory();
      maxPack = Math.max(maxPack, m.pendingPackBytes);
      maxRecords = Math.max(maxRecords, m.pendingRecords);
      maxQueued = Math.max(maxQueued, m.queuedBlocks);
      maxBatch = Math.max(maxBatch, m.batchBytes);
    }, 0);
    // One huge text, then many small ones: neither grows the pending state past its bound.
    await w.add(fileFor('/ws/big.bin', big), big);
    for (let i = 0; i < 40; i++) {
      const t = sourceText(i, 3000);
      await w.add(fileFor(`/ws/s${i}.ts`, t), t);
      const m = w.memory();
      maxPack = Math.max(maxPack, m.pendingPackBytes);
      maxRecords = Math.max(maxRecords, m.pendingRecords);
    }
    clearInterval(probe);
    const m = w.memory();
    assert.ok(maxPack < packBytes + MAX_CHUNK_SIZE, `pending pack ${maxPack}`);
    assert.ok(maxRecords < 4, `pending records ${maxRecords}`);
    assert.ok(maxQueued <= 1, `queued blocks ${maxQueued}`);
    assert.ok(maxBatch < 1024 * 1024 + packBytes + MAX_CHUNK_SIZE, `write batch ${maxBatch}`);
    // The stated cost: at most 48 B per unique chunk (12 B slots, load > 1/4 once grown).
    const chunks = (await w.commit()).chunks;
    assert.ok(m.idTableBytes <= 48 * chunks, `id table ${m.idTableBytes} B for ${chunks} chunks`);
    const r = SnapshotReader.open(path.join(dir, 'big.strata'), { root: '/ws' }, { packCacheSize: 2 });
    assert.deepEqual(r.readText('/ws/big.bin'), big);
    assert.ok(r.cachedPacks <= 2);
    r.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a record that does not match its text is refused alone; the writer goes on', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'x.strata');
    const w = await SnapshotWriter.create(file, { root: '/ws' });
    const t = sourceText(1, 5000);
    await assert.rejects(w.add({ ...fileFor('/ws/a.ts', t), crc: (crc32(t) + 1) >>> 0 }, t), SnapshotInputError);
    await assert.rejects(w.add({ ...fileFor('/ws/b.ts', t), length: 3 }, t), SnapshotInputError);
    await assert.rejects(w.add({ ...fileFor('/ws/c.ts', t), symbols: [{ name: '\ud800', kind: 12, span: [0, 0, 0, 0], nameSpan: [0, 0, 0, 0] }] }, t), SnapshotInputError);
    await assert.rejects(w.add({ ...fileFor('/ws/d.ts', t), language: 'cobol' as never }, t), SnapshotInputError);
    await w.add(fileFor('/ws/ok.ts', t), t);
    await w.commit();
    const r = SnapshotReader.open(file, { root: '/ws' });
    assert.deepEqual([...r.files()].map((f) => f.key), ['/ws/ok.ts']);
    assert.deepEqual(r.readText('/ws/ok.ts'), t);
    assert.throws(() => r.readText('/ws/a.ts'), (e: Error) => !(e instanceof SnapshotFormatError));
    r.close();
    r.close();
    assert.throws(() => r.readText('/ws/ok.ts'), /closed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('abort leaves the previous snapshot and no temp file; commit after abort fails', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'ws', 'snapshot.strata');
    const t = sourceText(5, 1000);
    await writeSnapshot(file, '/ws', [{ file: fileFor('/ws/a.ts', t), text: t }]);
    const before = fs.readFileSync(file);
    const w = await SnapshotWriter.create(file, { root: '/ws' });
    await w.add(fileFor('/ws/b.ts', t), t);
    await w.abort();
    await w.abort();
    await assert.rejects(w.commit(), /aborted/);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['snapshot.strata']);
    assert.deepEqual(fs.readFileSync(file), before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
