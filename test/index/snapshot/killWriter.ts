/**
 * Child process of the kill -9 test: writes a snapshot of `files` generated texts (fastText) of
 * `bytes` each to FILE for workspace `/ws`, keys `/ws/s<seed>/f<i>.ts`. Prints "ready" once the
 * temp file exists, "added <n>" after each file and "done" after the commit; the test kills it at
 * random moments in between.
 * Usage: node killWriter.js FILE SEED FILES BYTES
 */
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import { SnapshotWriter } from '../../../server/src/index/snapshot/writer.js';
import { fastText, fileFor } from './helpers.js';

const [file, seedArg, filesArg, bytesArg] = process.argv.slice(2);
if (!file || !seedArg || !filesArg || !bytesArg) {
  process.stderr.write('usage: killWriter FILE SEED FILES BYTES\n');
  process.exit(2);
}
const seed = Number(seedArg);
const w = await SnapshotWriter.create(file, { root: '/ws' }, { filesPerBlock: 16 });
process.stdout.write('ready\n');
for (let i = 0; i < Number(filesArg); i++) {
  const text = fastText(seed * 1000 + i, Number(bytesArg));
  const f = fileFor(`/ws/s${seed}/f${i}.ts`, text, { symbols: [{ name: `f${i}`, kind: 12, span: [0, 0, 1, 0], nameSpan: [0, 9, 0, 11] }] });
  if (f.crc !== crc32(text)) throw new Error('unreachable');
  await w.add(f, text);
  process.stdout.write(`added ${i + 1}\n`);
}
await w.commit();
process.stdout.write('done\n');
