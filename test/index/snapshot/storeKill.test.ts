/**
 * kill -9 of a store writer (snapshot/store.ts) at random moments of a delta, a merged delta and a
 * base (compaction), many times: the store then opens without damage and holds exactly the state
 * before the write or the state after it — never a mix (every record and text compared) — and once a
 * later write succeeds, no file is left that its manifest does not list.
 *
 * Three sequences (fixed seeds 1, 2 and one random seed, printed), each: a base of 32 files written
 * whole, then rounds cycling through delta, delta, merge, base; each round's child (killStore.ts) is
 * killed after a random number of added records plus a random fraction of a record's writing time,
 * but every fifth round runs to its end. The kill point follows the child's progress lines, so a slow
 * machine shifts the timing but not where in the write the kills land.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initZstd } from '../../../server/src/cache/codecs/zstd-pack.js';
import { StoreReader, StoreWriter } from '../../../server/src/index/snapshot/store.js';
import { entryPath, readManifest } from '../../../server/src/index/snapshot/manifest.js';
import { prng, tempDir } from './helpers.js';
import { applyRound, KILL_ROOT, planRound, recordOf } from './storeKillPlan.js';

await initZstd();

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'killStore.js');
const MODES = ['delta', 'delta', 'merge', 'base'] as const;
const ROUNDS = 12;

/** Runs one round's write to its end, or kills it (SIGKILL) after `afterRecords` records plus `extraMs`. */
function runChild(file: string, mode: string, seed: number, kill?: { afterRecords: number; extraMs: number }): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file, mode, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const reached = kill && (kill.afterRecords === 0 ? out.includes('ready') : out.includes(`added ${kill.afterRecords}\n`) || out.includes('done'));
      if (kill && !armed && reached) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.extraMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const finished = out.includes('done');
      if (!finished && signal !== 'SIGKILL') reject(new Error(`writer exited ${code} ${signal}: ${err}`));
      else resolve(finished);
    });
  });
}

/** What the store holds (key → version), after checking every record and text and that nothing is damaged. */
function load(file: string): Map<string, number> {
  const r = StoreReader.open(file, { root: KILL_ROOT }, { touch: false });
  try {
    const state = new Map<string, number>();
    for (const f of r.files()) {
      assert.ok(!state.has(f.key), `${f.key} twice`);
      const want = recordOf(f.key, f.mtimeMs);
      assert.deepEqual(f, want.file, `the record of ${f.key}`);
      assert.ok(Buffer.compare(r.readText(f.key), want.text) === 0, `the text of ${f.key}`);
      state.set(f.key, f.mtimeMs);
    }
    assert.equal(r.damage.blocks, 0, r.damage.messages.join('; '));
    return state;
  } finally {
    r.close();
  }
}

function same(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** Store files beside the manifest that it does not list (temp files included). */
function leftovers(file: string): string[] {
  const m = readManifest(file, KILL_ROOT)!;
  const listed = new Set([m.base, ...m.deltas].map((e) => path.basename(entryPath(file, e))));
  return fs.readdirSync(path.dirname(file)).filter((n) => n !== path.basename(file) && !listed.has(n));
}

async function sequence(sequenceSeed: number): Promise<{ kills: number; midWrite: number; byMode: Record<string, number> }> {
  const dir = tempDir('strata-store-kill-');
  const file = path.join(dir, 'snapshot.strata');
  const random = prng(sequenceSeed * 0x9e3779b1 + 4242);
  for (let i = 0; i < 8; i++) random();
  const byMode: Record<string, number> = { delta: 0, merge: 0, base: 0 };
  let kills = 0;
  let midWrite = 0;
  try {
    // The starting base: 32 files.
    let state = new Map<string, number>();
    const w = await StoreWriter.create(file, KILL_ROOT, 'base', undefined);
    for (let i = 0; i < 32; i++) {
      const o = recordOf(`/ws/k${i}.ts`, sequenceSeed * 1_000_000 + i);
      await w.add(o.file, o.text);
      state.set(o.file.key, o.file.mtimeMs);
    }
    await w.commit();
    for (let round = 1; round <= ROUNDS; round++) {
      const seed = sequenceSeed * 1000 + round;
      const mode = MODES[(round - 1) % MODES.length]!;
      const next = applyRound(seed, state);
      assert.ok(!same(next, state), 'every round changes something');
      const whole = round % 5 === 0;
      const records = planRound(seed, state).puts.size + (mode === 'base' ? state.size : 0);
      const kill = whole ? undefined : { afterRecords: random() % (records + 1), extraMs: (random() % 800) / 100 };
      const finished = await runChild(file, mode, seed, kill);
      if (!whole) {
        kills++;
        byMode[mode]!++;
        if (fs.readdirSync(dir).some((n) => n.endsWith('.tmp'))) midWrite++;
      }
      let got: Map<string, number>;
      try {
        got = load(file);
      } catch (e) {
        throw new Error(`round ${round} (${mode}${kill ? `, killed after ${kill.afterRecords} records + ${kill.extraMs} ms` : ''}): ${(e as Error).message}`, { cause: e });
      }
      // The old state or the new one, never a mix (the manifest's rename may beat the kill).
      if (same(got, next)) state = next;
      else assert.ok(same(got, state) && !finished, `round ${round} (${mode}): the store holds neither the state before nor after the write`);
      if (whole) assert.deepEqual(leftovers(file), [], `round ${round}: files left after a successful write`);
    }
    return { kills, midWrite, byMode };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('kill -9 during a delta, a merge or a base write leaves the store before or after it, whole', async (t) => {
  const randomSeed = 3 + Math.floor(Math.random() * 1e6);
  t.diagnostic(`kill sequences: fixed seeds 1, 2 and random seed ${randomSeed}`);
  let kills = 0;
  let midWrite = 0;
  const byMode: Record<string, number> = { delta: 0, merge: 0, base: 0 };
  for (const s of [1, 2, randomSeed]) {
    const r = await sequence(s).catch((e: Error) => { throw new Error(`kill sequence seed ${s}: ${e.message}`, { cause: e }); });
    kills += r.kills;
    midWrite += r.midWrite;
    for (const [m, n] of Object.entries(r.byMode)) byMode[m]! += n;
  }
  t.diagnostic(`${kills} kills (${Object.entries(byMode).map(([m, n]) => `${n} during a ${m}`).join(', ')}), ${midWrite} of them while a temp file existed`);
  assert.ok(kills >= 30);
  for (const [m, n] of Object.entries(byMode)) assert.ok(n >= 3, `${n} kills during a ${m}`);
  // Most kills must land inside the write, or the test proves nothing.
  assert.ok(midWrite >= kills / 2, `${midWrite} of ${kills} kills landed mid-write`);
});
