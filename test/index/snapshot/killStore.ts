/**
 * Child process of the store kill -9 test: applies round SEED's changes (storeKillPlan.ts) to the
 * store at FILE (workspace `/ws`) as one write of kind MODE — `delta` (the changes alone), `merge`
 * (the changes and every older delta's records, in place of the deltas) or `base` (the whole new
 * state, texts copied from the store: a compaction). As a server's load does, it first sweeps what no
 * manifest lists. Prints "ready" once its file is being written, "added <n>" after each record and
 * "done" after the manifest is in place; the test kills it at random moments in between.
 * Usage: node killStore.js FILE MODE SEED
 */
import { existsSync } from 'node:fs';
import { StoreReader, StoreWriter, sweepStore, type StoreWriteKind } from '../../../server/src/index/snapshot/store.js';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { planRound, recordOf, KILL_ROOT } from './storeKillPlan.js';

const [file, mode, seedArg] = process.argv.slice(2);
if (!file || !mode || !seedArg || !['delta', 'merge', 'base'].includes(mode)) {
  process.stderr.write('usage: killStore FILE delta|merge|base SEED\n');
  process.exit(2);
}
await initZstd();
const reader = existsSync(file) ? StoreReader.open(file, { root: KILL_ROOT }) : undefined;
sweepStore(file, reader?.manifest);
const before = new Map<string, number>();
for (const f of reader?.files() ?? []) before.set(f.key, f.mtimeMs);
const plan = planRound(Number(seedArg), before);
const kind = (reader ? mode : 'base') as StoreWriteKind;
const w = await StoreWriter.create(file, KILL_ROOT, kind, reader?.manifest, { filesPerBlock: 4 });
process.stdout.write('ready\n');
let n = 0;
const added = () => process.stdout.write(`added ${++n}\n`);
for (const [key, version] of plan.puts) {
  const { file: record, text } = recordOf(key, version);
  await w.add(record, text);
  added();
}
if (kind === 'base') {
  // The rest of the state, copied from the files holding it.
  for (const key of [...before.keys()].sort()) {
    if (plan.puts.has(key) || plan.removals.includes(key)) continue;
    await w.add(reader!.record(key)!, reader!.readText(key));
    added();
  }
} else {
  for (const key of plan.removals) await w.remove(key);
  if (kind === 'merge') await reader!.copyDeltas(w, (key) => plan.puts.has(key) || plan.removals.includes(key));
}
const done = await w.commit();
reader?.close();
sweepStore(file, done.manifest);
process.stdout.write('done\n');
