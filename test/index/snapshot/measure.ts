/**
 * Measures a snapshot of real files: on-disk size vs raw bytes, writer and reader throughput.
 * Symbols are left empty (the texts are what dominates the size). Run alone on a quiet machine:
 *   node dist/test/index/snapshot/measure.js PATH...   (files or folders, walked recursively)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import { SnapshotWriter } from '../../../server/src/index/snapshot/writer.js';
import { SnapshotReader } from '../../../server/src/index/snapshot/reader.js';

function* walk(p: string): Generator<string> {
  const st = fs.statSync(p);
  if (st.isFile()) yield p;
  else if (st.isDirectory()) for (const n of fs.readdirSync(p).sort()) yield* walk(path.join(p, n));
}

const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  process.stderr.write('usage: measure PATH...\n');
  process.exit(2);
}
const texts = new Map<string, Uint8Array>();
for (const input of inputs) for (const f of walk(path.resolve(input))) texts.set(f, fs.readFileSync(f));
const raw = [...texts.values()].reduce((s, t) => s + t.length, 0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-measure-'));
const file = path.join(dir, 'snapshot.strata');
try {
  const t0 = performance.now();
  const w = await SnapshotWriter.create(file, { root: '/measure' });
  for (const [key, text] of texts) {
    await w.add({ key, size: text.length, mtimeMs: 0, language: 'javascript', length: text.length, crc: crc32(text), hasErrors: false, symbols: [] }, text);
  }
  const done = await w.commit();
  const writeMs = performance.now() - t0;
  const t1 = performance.now();
  const r = SnapshotReader.open(file, { root: '/measure' });
  let n = 0;
  for (const f of r.files()) n += r.readText(f.key).length;
  r.close();
  const readMs = performance.now() - t1;
  if (n !== raw) throw new Error(`read ${n} bytes of ${raw}`);
  const mb = raw / 1e6;
  console.log(JSON.stringify({
    files: done.files, rawBytes: raw, uniqueBytes: done.uniqueBytes, snapshotBytes: done.bytes,
    ratio: +(done.bytes / raw).toFixed(4), writeMBps: +(mb / (writeMs / 1000)).toFixed(1), readMBps: +(mb / (readMs / 1000)).toFixed(1),
  }));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
