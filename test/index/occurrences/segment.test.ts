/**
 * Occurrence segments (index/occurrences/segment.ts): what is written reads back byte for byte (file
 * table, every name's postings, absent names absent), raw or compressed, and any flipped or cut byte is
 * detected — the segment refuses to open or a lookup throws SegmentDamageError — or changes no answer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import {
  BlockCache, forEachPosting, PostingsSink, SegmentDamageError, SegmentReader, SegmentWriter,
} from '../../../server/src/index/occurrences/segment.js';
import { compareNames } from '../../../server/src/syntax/occurrences.js';
import { initZstd } from '../../../server/src/cache/index.js';

await initZstd();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-segment-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let serial = 0;

interface Model {
  files: { key: string; bytes: number; crc: number }[];
  /** name → file id → run */
  postings: Map<string, Map<number, Uint8Array>>;
}

const modelArb: fc.Arbitrary<Model> = fc.record({
  files: fc.uniqueArray(fc.record({
    key: fc.string({ minLength: 1, maxLength: 30 }), bytes: fc.nat(2 ** 40), crc: fc.nat(2 ** 32 - 1),
  }, { noNullPrototype: true }), { selector: (f) => f.key, minLength: 1, maxLength: 12 }),
  names: fc.uniqueArray(fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom('a', 'b', 'ä', '𝒳')),
    { maxLength: 200 }),
  // runs of a few bytes, or long repetitive ones (posting lists large enough to be compressed)
  seed: fc.array(fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 12 }),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.integer({ min: 20, max: 120 }))
      .map(([unit, n]) => Uint8Array.from({ length: unit.length * n }, (_, i) => unit[i % unit.length]!)),
  ), { minLength: 1, maxLength: 30 }),
}, { noNullPrototype: true }).map(({ files, names, seed }) => {
  const postings = new Map<string, Map<number, Uint8Array>>();
  names.forEach((name, i) => {
    const m = new Map<number, Uint8Array>();
    files.forEach((_, fid) => { if ((i + fid) % 3 !== 1) m.set(fid, seed[(i * 7 + fid) % seed.length]!); });
    if (m.size > 0) postings.set(name, m);
  });
  return { files, postings };
});

function write(model: Model): string {
  const file = path.join(dir, `s${serial++}.seg`);
  const w = new SegmentWriter(file);
  for (const f of model.files) w.addFile(f.key, { bytes: f.bytes, crc: f.crc });
  const sink = new PostingsSink();
  for (const name of [...model.postings.keys()].sort(compareNames)) {
    for (const [fid, run] of model.postings.get(name)!) sink.add(fid, run);
    const pairs = sink.pairs;
    w.addName(name, sink.take(), pairs);
  }
  w.finish();
  return file;
}

/** Everything a reader answers about the model's names (and one absent name), as plain data. */
function answers(r: SegmentReader, model: Model, cache?: BlockCache): unknown {
  const out: unknown[] = [r.keys, [...r.signatures]];
  for (const name of [...model.postings.keys(), '\u0000absent', '\uffffabsent']) {
    const p = r.postings(name, cache);
    if (!p) {
      out.push([name, null]);
      continue;
    }
    const list: [number, number[]][] = [];
    forEachPosting(p, (fid, run) => list.push([fid, [...run]]));
    out.push([name, list]);
  }
  return out;
}

function expected(model: Model): unknown {
  const out: unknown[] = [model.files.map((f) => f.key), model.files.flatMap((f) => [f.bytes, f.crc])];
  for (const name of [...model.postings.keys(), '\u0000absent', '\uffffabsent']) {
    const m = model.postings.get(name);
    out.push([name, m ? [...m].sort((a, b) => a[0] - b[0]).map(([fid, run]) => [fid, [...run]]) : null]);
  }
  return out;
}

test('a segment reads back what was written', () => {
  fc.assert(fc.property(modelArb, (model) => {
    const file = write(model);
    const r = SegmentReader.open(file);
    try {
      assert.deepEqual(answers(r, model), expected(model));
      // Through a cache too (a block too small for the cache is read again, never served wrong).
      assert.deepEqual(answers(r, model, new BlockCache(1 << 20)), expected(model));
      assert.deepEqual(answers(r, model, new BlockCache(10)), expected(model));
      assert.equal(r.names, model.postings.size);
      const names = [...r.entries()].map((e) => e.name);
      assert.deepEqual(names, [...model.postings.keys()].sort(compareNames));
    } finally {
      r.close();
      fs.rmSync(file);
    }
  }), { numRuns: 60 });
});

test('a flipped or cut byte is detected or changes nothing', () => {
  fc.assert(fc.property(modelArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (model, at, xor, cut) => {
    const file = write(model);
    const bytes = fs.readFileSync(file);
    const pos = at % bytes.length;
    if (cut) fs.writeFileSync(file, bytes.subarray(0, pos));
    else {
      bytes[pos]! ^= xor;
      fs.writeFileSync(file, bytes);
    }
    let r: SegmentReader;
    try {
      r = SegmentReader.open(file);
    } catch (err) {
      assert.ok(err instanceof SegmentDamageError, String(err));
      fs.rmSync(file);
      return;
    }
    try {
      const want = expected(model) as unknown[];
      const got = [r.keys, [...r.signatures]];
      assert.deepEqual(got, want.slice(0, 2), 'the file table verified, so it is the one written');
      for (const name of [...model.postings.keys(), '\u0000absent']) {
        let list: [number, number[]][] | null;
        try {
          const p = r.postings(name);
          list = null;
          if (p) {
            list = [];
            forEachPosting(p, (fid, run) => list!.push([fid, [...run]]));
          }
        } catch (err) {
          assert.ok(err instanceof SegmentDamageError, String(err));
          continue;
        }
        assert.deepEqual([name, list], want.slice(2).find((w) => (w as [string])[0] === name));
      }
    } finally {
      r.close();
      fs.rmSync(file);
    }
  }), { numRuns: 300 });
});

test('large posting lists and dictionary blocks are stored compressed, and read back', () => {
  const files = Array.from({ length: 40 }, (_, i) => ({ key: `/w/src/file${i}.c`, bytes: 1000 + i, crc: i }));
  const run = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 11);
  const postings = new Map<string, Map<number, Uint8Array>>();
  for (let n = 0; n < 300; n++) postings.set(`name_${String(n).padStart(4, '0')}`, new Map(files.map((_, fid) => [fid, run])));
  const model: Model = { files, postings };
  const file = write(model);
  const raw = 300 * 40 * (run.length + 3);
  assert.ok(fs.statSync(file).size < raw / 4, `${fs.statSync(file).size} bytes on disk for ${raw} of postings`);
  const r = SegmentReader.open(file);
  try {
    assert.deepEqual(answers(r, model), expected(model));
  } finally {
    r.close();
    fs.rmSync(file);
  }
});

test('names must come in order, and file ids ascending', () => {
  const file = path.join(dir, 'order.seg');
  const w = new SegmentWriter(file);
  w.addName('b', new Uint8Array(0), 0);
  assert.throws(() => w.addName('a', new Uint8Array(0), 0), /out of order/);
  w.abort();
  fs.rmSync(`${file}.tmp`, { force: true });
  const sink = new PostingsSink();
  sink.add(3, new Uint8Array([1]));
  assert.throws(() => sink.add(3, new Uint8Array([1])), /out of order/);
});
