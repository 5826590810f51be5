/**
 * The snapshot store (index/snapshot/store.ts): a base, deltas and a manifest.
 * - Model-based (property): random sequences of file puts (new or changed records and texts) and
 *   removals, with saves as deltas, merges of the newest deltas (or all) and whole bases
 *   (compactions), and reopens (fresh, or taking over the previous reader's files): after every step
 *   the store read back equals the model —
 *   every record and every text byte-exact, no key more or less, no damage — and the folder holds
 *   exactly the manifest and the files it lists.
 * - A one-file change to a store of many files writes a delta of its text plus a few KB, not the store.
 * - Leftovers a crash can leave (unlisted files, dead writers' temp files) are swept; a live writer's
 *   temp file is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { StoreReader, StoreWriter, sweepStore, type StoreWriteKind } from '../../../server/src/index/snapshot/store.js';
import { entryPath, readManifest } from '../../../server/src/index/snapshot/manifest.js';
import type { SnapshotFile } from '../../../server/src/index/snapshot/records.js';
import { fastText, fileFor, sourceText, tempDir, textArb } from './helpers.js';
import type { Original } from './helpers.js';

await initZstd();

const ROOT = '/ws';

type Op =
  | { kind: 'put'; key: number; text: Uint8Array; mtimeMs: number; symbols: number }
  | { kind: 'remove'; key: number }
  | { kind: 'save'; as: StoreWriteKind; from: number }
  | { kind: 'reopen'; from: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.nat(11), text: textArb(), mtimeMs: fc.nat(1e6), symbols: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), key: fc.nat(11) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('save' as const), as: fc.constantFrom<StoreWriteKind>('delta', 'delta', 'merge', 'base'), from: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), from: fc.boolean() }) },
);

function original(key: number, text: Uint8Array, mtimeMs: number, symbols: number): Original {
  const file = fileFor(`/ws/d${key % 3}/f${key}.ts`, text, {
    mtimeMs,
    symbols: Array.from({ length: symbols }, (_, i) => ({ name: `s${i}_${mtimeMs}`, kind: 12 as const, span: [i, 0, i + 1, 0] as const, nameSpan: [i, 0, i, 3] as const })),
  });
  return { file, text };
}

/** Everything the store serves, checked against `model`: same keys, records, texts; no damage. */
function assertStoreIs(reader: StoreReader, model: Map<string, Original>, what: string): void {
  const seen = new Map<string, SnapshotFile>();
  for (const f of reader.files()) {
    assert.ok(!seen.has(f.key), `${what}: ${f.key} served twice`);
    seen.set(f.key, f);
  }
  assert.deepEqual([...seen.keys()].sort(), [...model.keys()].sort(), `${what}: the keys`);
  for (const [key, o] of model) {
    assert.deepEqual(seen.get(key), o.file, `${what}: the record of ${key}`);
    assert.deepEqual(reader.readText(key), o.text, `${what}: the text of ${key}`);
    assert.deepEqual(reader.record(key), o.file, `${what}: the record of ${key} read again`);
  }
  assert.equal(reader.damage.blocks, 0, `${what}: ${reader.damage.messages.join('; ')}`);
}

/** The folder holds the manifest, the files it lists and nothing else of the store. */
function assertNoLeftovers(manifestPath: string, what: string): void {
  const m = readManifest(manifestPath, ROOT)!;
  const listed = [m.base, ...m.deltas].map((e) => path.basename(entryPath(manifestPath, e)));
  const present = fs.readdirSync(path.dirname(manifestPath)).filter((n) => n !== path.basename(manifestPath));
  assert.deepEqual(present.sort(), listed.sort(), `${what}: the folder holds what the manifest lists`);
}

test('model-based: puts, removals, delta / merge / base saves and reopens read back as the model (property)', async () => {
  const dir = tempDir('strata-store-');
  let run = 0;
  let steps = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const file = path.join(dir, `r${run++}`, 'snapshot.strata');
        const model = new Map<string, Original>();
        /** Changes since the last save: the record, or undefined for a removal. */
        const pending = new Map<string, Original | undefined>();
        /** The model as of the last save: what the store holds. */
        let saved = new Map<string, Original>();
        let reader: StoreReader | undefined;
        let deltas = 0;
        try {
          for (const [i, op] of ops.entries()) {
            const what = `step ${i} (${op.kind}${op.kind === 'save' ? ` as ${op.as}` : ''})`;
            if (op.kind === 'put') {
              const o = original(op.key, op.text, op.mtimeMs, op.symbols);
              model.set(o.file.key, o);
              pending.set(o.file.key, o);
              continue;
            }
            if (op.kind === 'remove') {
              const key = `/ws/d${op.key % 3}/f${op.key}.ts`;
              if (model.delete(key)) pending.set(key, undefined);
              continue;
            }
            if (op.kind === 'reopen') {
              if (!reader) continue;
              const next = StoreReader.open(file, { root: ROOT }, op.from ? { from: reader } : {});
              if (!op.from) reader.close();
              reader = next;
              assertStoreIs(reader, saved, what);
              continue;
            }
            // A save: a delta or merge needs a store; the first save is always a base.
            const as: StoreWriteKind = reader ? op.as : 'base';
            // A merge replaces the deltas from `mergeFrom` on (0: all of them).
            const mergeFrom = op.from % (deltas + 1);
            const w = await StoreWriter.create(file, ROOT, as, reader?.manifest, { packBytes: 4096, filesPerBlock: 3, mergeFrom });
            if (as === 'base') {
              for (const o of model.values()) await w.add(o.file, o.text);
            } else {
              for (const [key, o] of pending) {
                if (o) await w.add(o.file, o.text);
                else await w.remove(key);
              }
              if (as === 'merge') await reader!.copyDeltas(w, (key) => pending.has(key), mergeFrom);
            }
            const done = await w.commit();
            pending.clear();
            saved = new Map(model);
            const next = StoreReader.open(file, { root: ROOT }, as === 'base' || !reader ? {} : { from: reader });
            if (as === 'base') reader?.close();
            reader = next;
            assert.equal(sweepStore(file, done.manifest) >= 0, true);
            deltas = as === 'base' ? 0 : as === 'merge' ? mergeFrom + 1 : deltas + 1;
            assert.equal(reader.deltaCount, deltas, `${what}: deltas`);
            assertStoreIs(reader, model, what);
            assertNoLeftovers(file, what);
            steps++;
          }
        } finally {
          reader?.close();
          fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
      }),
      { numRuns: 120 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(steps > 100, `${steps} saves checked`);
});

test('a one-file change writes a delta of its text plus a few KB, not the store', async () => {
  const dir = tempDir('strata-store-one-');
  const file = path.join(dir, 'snapshot.strata');
  try {
    const files = Array.from({ length: 300 }, (_, i) => original(i, fastText(i + 1, 16_000), 1, 4));
    const w = await StoreWriter.create(file, ROOT, 'base', undefined);
    for (const o of files) await w.add(o.file, o.text);
    const base = await w.commit();
    const reader = StoreReader.open(file, { root: ROOT });
    const text = sourceText(7, 20_000);
    const changed = original(17, text, 2, 6);
    const d = await StoreWriter.create(file, ROOT, 'delta', reader.manifest);
    await d.add(changed.file, changed.text);
    await d.remove(files[3]!.file.key);
    const delta = await d.commit();
    // The delta holds one text (compressed) and one record; the manifest a few dozen bytes.
    const bound = 64 * 1024 + text.length;
    assert.ok(delta.writtenBytes < bound, `a one-file delta wrote ${delta.writtenBytes} B (bound ${bound})`);
    assert.ok(delta.writtenBytes * 50 < base.writtenBytes, `delta ${delta.writtenBytes} B, base ${base.writtenBytes} B`);
    assert.equal(fs.statSync(entryPath(file, readManifest(file, ROOT)!.base)).size, base.bytes, 'the base is untouched');
    const after = StoreReader.open(file, { root: ROOT }, { from: reader });
    try {
      const model = new Map(files.map((o) => [o.file.key, o]));
      model.set(changed.file.key, changed);
      model.delete(files[3]!.file.key);
      assertStoreIs(after, model, 'after the delta');
    } finally {
      after.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sweepStore deletes unlisted files and dead writers\' temp files, keeps a live writer\'s and other files', async () => {
  const dir = tempDir('strata-store-sweep-');
  const file = path.join(dir, 'snapshot.strata');
  try {
    const text = sourceText(1, 3000);
    const w = await StoreWriter.create(file, ROOT, 'base', undefined);
    await w.add(fileFor('/ws/a.ts', text), text);
    const done = await w.commit();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const put = (name: string) => fs.writeFileSync(path.join(dir, name), 'x');
    put('snapshot.strata.9-0badf00d.delta'); // a crash between a delta's rename and its manifest
    put('snapshot.strata.9-0badf00d.base');
    put(`snapshot.strata.${dead}-abcd.tmp`); // a dead writer's manifest temp file
    put(`snapshot.strata.10-12345678.delta.${dead}-ab12.tmp`); // a dead writer's delta temp file
    put(`snapshot.strata.${process.pid}-beef.tmp`); // a live writer's
    put('snapshot.strata.notes'); // not ours
    put('other.strata.3-0badf00d.delta'); // another store's
    fs.mkdirSync(path.join(dir, 'snapshot.strata.occ'));
    assert.equal(sweepStore(file, done.manifest), 4);
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      'other.strata.3-0badf00d.delta', 'snapshot.strata', path.basename(entryPath(file, done.manifest.base)),
      `snapshot.strata.${process.pid}-beef.tmp`, 'snapshot.strata.notes', 'snapshot.strata.occ',
    ].sort());
    // Without a manifest every store file is a leftover.
    fs.rmSync(file);
    assert.equal(sweepStore(file, undefined), 1);
    assert.ok(!fs.existsSync(entryPath(file, done.manifest.base)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a merge keeps the deltas\' removals and replaces them all (or the newest) by one file', async () => {
  const dir = tempDir('strata-store-merge-');
  const file = path.join(dir, 'snapshot.strata');
  try {
    const a = original(1, sourceText(1, 5000), 1, 1);
    const b = original(2, sourceText(2, 5000), 1, 1);
    let w = await StoreWriter.create(file, ROOT, 'base', undefined);
    await w.add(a.file, a.text);
    await w.add(b.file, b.text);
    await w.commit();
    let reader = StoreReader.open(file, { root: ROOT });
    const a2 = original(1, sourceText(3, 4000), 2, 2);
    for (const step of [0, 1]) {
      w = await StoreWriter.create(file, ROOT, 'delta', reader.manifest);
      if (step === 0) await w.remove(b.file.key);
      else await w.add(a2.file, a2.text);
      await w.commit();
      reader = StoreReader.open(file, { root: ROOT }, { from: reader });
    }
    assert.equal(reader.deltaCount, 2);
    const c = original(3, new Uint8Array([1, 2, 3]), 3, 0);
    w = await StoreWriter.create(file, ROOT, 'merge', reader.manifest);
    await w.add(c.file, c.text);
    await reader.copyDeltas(w, (key) => key === c.file.key);
    const done = await w.commit();
    reader = StoreReader.open(file, { root: ROOT }, { from: reader });
    sweepStore(file, done.manifest);
    try {
      assert.equal(reader.deltaCount, 1);
      assert.equal(done.files, 2, 'the merge holds a2 and c');
      assert.equal(done.removed, 1, 'and the removal of b');
      assertStoreIs(reader, new Map([[a2.file.key, a2], [c.file.key, c]]), 'after the merge');
      assertNoLeftovers(file, 'after the merge');
      assert.equal(crc32(reader.readText(a2.file.key)), a2.file.crc);
      // Then a delta removing c, merged with the next save (d added) while the older merged delta stays.
      w = await StoreWriter.create(file, ROOT, 'delta', reader.manifest);
      await w.remove(c.file.key);
      await w.commit();
      reader = StoreReader.open(file, { root: ROOT }, { from: reader });
      const first = reader.manifest.deltas[0]!;
      const d = original(4, sourceText(4, 3000), 4, 1);
      w = await StoreWriter.create(file, ROOT, 'merge', reader.manifest, { mergeFrom: 1 });
      await w.add(d.file, d.text);
      await reader.copyDeltas(w, (key) => key === d.file.key, 1);
      const suffix = await w.commit();
      reader = StoreReader.open(file, { root: ROOT }, { from: reader });
      sweepStore(file, suffix.manifest);
      assert.equal(suffix.files, 1, 'the suffix merge holds d');
      assert.equal(suffix.removed, 1, 'and the removal of c, not the older delta\'s removal of b');
      assert.deepEqual(reader.manifest.deltas[0], first, 'the older delta stays');
      assert.equal(reader.deltaCount, 2);
      assertStoreIs(reader, new Map([[a2.file.key, a2], [d.file.key, d]]), 'after the suffix merge');
      assertNoLeftovers(file, 'after the suffix merge');
    } finally {
      reader.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
