/**
 * kill -9 of a snapshot writer at random moments, many times: the previous snapshot always opens and
 * verifies fully (every record, every text, no damage), and once a later write succeeds no temp file
 * is left behind.
 *
 * Four sequences (fixed seeds 1, 2, 3 and one random seed, printed), each: a complete write, then
 * rounds that kill the writer at a random point — after a random number of added files (0 … all, so
 * the commit's fsync and rename are hit too) plus a random fraction of one file's writing time —
 * with a complete write every fourth round. The kill point follows the child's own progress lines,
 * so a slow, loaded machine shifts the timing but not where in the write the kills land.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { SnapshotReader } from '../../../server/src/index/snapshot/reader.js';
import { fastText, prng, readAll, tempDir } from './helpers.js';

await initZstd();

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'killWriter.js');
const FILES = 24;
const BYTES = 128_000;
const ROUNDS = 10;

interface Kill {
  /** Kill after this many "added" lines (FILES = during the commit) … */
  afterFiles: number;
  /** … plus this many ms. */
  extraMs: number;
}

/** Runs the writer to its end, or kills it (SIGKILL) at `kill`. Returns whether it printed "done". */
function runWriter(file: string, seed: number, kill?: Kill): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file, String(seed), String(FILES), String(BYTES)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (kill && !armed && (kill.afterFiles === 0 ? out.includes('ready') : out.includes(`added ${kill.afterFiles}\n`))) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.extraMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => { // after stdout ended, so a printed "done" is seen
      const finished = out.includes('done');
      if (!finished && signal !== 'SIGKILL') reject(new Error(`writer exited ${code} ${signal}: ${err}`));
      else resolve(finished);
    });
  });
}

/** The snapshot opens, every record and text verifies, and it is exactly the write of `seed`. */
function verify(file: string, seed: number): void {
  const r = SnapshotReader.open(file, { root: '/ws' });
  try {
    const { files, texts } = readAll(r);
    assert.equal(r.damage.blocks, 0, r.damage.messages.join('; '));
    assert.deepEqual(files.map((f) => f.key), Array.from({ length: FILES }, (_, i) => `/ws/s${seed}/f${i}.ts`));
    for (const [key, t] of texts) assert.ok(t instanceof Uint8Array, `${key}: ${String(t)}`);
    for (const i of [0, FILES - 1]) assert.deepEqual(texts.get(`/ws/s${seed}/f${i}.ts`), fastText(seed * 1000 + i, BYTES));
  } finally {
    r.close();
  }
}

/** The first record's key (the test then checks the whole snapshot against that write). */
function keysOf(file: string): string {
  const r = SnapshotReader.open(file, { root: '/ws' }, { touch: false });
  try {
    for (const f of r.files()) return f.key;
    return '';
  } finally {
    r.close();
  }
}

const temps = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

async function sequence(sequenceSeed: number): Promise<{ kills: number; midWrite: number }> {
  const dir = tempDir('strata-kill-');
  const file = path.join(dir, 'snapshot.strata');
  const random = prng(sequenceSeed * 0x9e3779b1 + 12345);
  for (let i = 0; i < 8; i++) random(); // xorshift's first outputs from a small seed are small
  let kills = 0;
  let midWrite = 0;
  try {
    let seed = sequenceSeed * 100;
    assert.ok(await runWriter(file, seed));
    let previous = seed;
    verify(file, previous);
    for (let round = 1; round <= ROUNDS; round++) {
      seed++;
      if (round % 4 === 0) {
        assert.ok(await runWriter(file, seed));
        previous = seed;
        verify(file, previous);
        assert.deepEqual(temps(dir), [], `round ${round}: temp files left after a successful write`);
        continue;
      }
      const kill = { afterFiles: random() % (FILES + 1), extraMs: (random() % 1000) / 100 };
      const finished = await runWriter(file, seed, kill);
      kills++;
      if (temps(dir).length > 0) midWrite++;
      // The commit may have won the race (renamed before the kill, even if "done" was not printed):
      // then the snapshot is the new one, whole. Either way it is one of the two, never a mix.
      if (finished || keysOf(file).startsWith(`/ws/s${seed}/`)) previous = seed;
      try {
        verify(file, previous);
      } catch (e) {
        throw new Error(`round ${round}: killed after ${kill.afterFiles} files + ${kill.extraMs} ms: ${(e as Error).message}`, { cause: e });
      }
    }
    return { kills, midWrite };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('kill -9 at random moments always leaves the previous snapshot whole; temp files do not accumulate', async (t) => {
  const randomSeed = 4 + Math.floor(Math.random() * 1e6);
  t.diagnostic(`kill sequences: fixed seeds 1, 2, 3 and random seed ${randomSeed}`);
  let kills = 0;
  let midWrite = 0;
  for (const s of [1, 2, 3, randomSeed]) {
    const r = await sequence(s).catch((e: Error) => { throw new Error(`kill sequence seed ${s}: ${e.message}`); });
    kills += r.kills;
    midWrite += r.midWrite;
  }
  t.diagnostic(`${kills} kills, ${midWrite} of them while a temp file existed`);
  assert.ok(kills >= 28);
  // Most kills must land inside the write, or the test proves nothing.
  assert.ok(midWrite >= kills / 2, `${midWrite} of ${kills} kills landed mid-write`);
});
