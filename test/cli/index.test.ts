/**
 * `strata index DIR [--json] [--save FILE] [--memory MB] [--workers N]` as a user runs it (the built
 * bin/strata.js in a child process): one JSON object on stdout with --json; the snapshot written to FILE
 * (or to the default location under XDG_CACHE_HOME) and loaded by the next run, which then reads and
 * parses nothing; the same records whatever the number of workers; damage is counted and the run still succeeds; exit 2 on bad usage and 1 when the snapshot
 * cannot be written, each with a message on stderr; a repository whose ignore rules leave out everything
 * gets a warning in the summary. Every run gets a private XDG_CACHE_HOME.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initZstd } from '../../server/src/cache/index.js';
import { StoreReader } from '../../server/src/index/snapshot/store.js';
import type { SnapshotFile } from '../../server/src/index/snapshot/records.js';
import { storeFiles } from '../index/snapshot/helpers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEMO = join(REPO, 'examples/demo');

interface Run { code: number | null; stdout: string; stderr: string }

function strata(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/strata.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', rej);
    child.on('close', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
  });
}

/** stdout must be exactly one JSON object (and a newline). */
function oneObject(r: Run): any {
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.trim();
  assert.ok(text.startsWith('{') && text.endsWith('}') && !text.includes('\n'), `one JSON object on one line:\n${r.stdout}`);
  return JSON.parse(text);
}

function find(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p, name));
    else if (e.name === name) out.push(p);
  }
  return out;
}

/** Every record of a snapshot with its text, by key, in key order. */
function snapshotContents(file: string, root: string): [string, { record: SnapshotFile; text: Buffer }][] {
  const reader = StoreReader.open(file, { root }, { touch: false });
  try {
    const records = [...reader.files()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const contents = records.map((f): [string, { record: SnapshotFile; text: Buffer }] => [f.key, {
      record: { ...f },
      text: Buffer.from(reader.readText(f.key)),
    }]);
    assert.equal(reader.damage.blocks, 0);
    return contents;
  } finally {
    reader.close();
  }
}

describe('strata index and the persistent cache', () => {
  let base: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'strata-cli-'));
    dir = join(base, 'demo');
    cpSync(DEMO, dir, { recursive: true });
    env = { XDG_CACHE_HOME: join(base, 'xdg') };
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('--save FILE --json twice: the first run writes FILE, the second loads it and parses nothing', async () => {
    const file = join(base, 'saved', 'demo.strata');
    const first = oneObject(await strata(['index', dir, '--save', file, '--json'], env));
    assert.ok(existsSync(file));
    assert.equal(first.persist.snapshotPath, file);
    assert.equal(first.persist.saves, 1);
    assert.equal(first.persist.lastSaveFiles, first.files);
    assert.ok(first.trees.created > 0);
    // Where the time went: every parsed file in the workers' stage sums, by language; the run's CPU.
    const staged = Object.values(first.indexing.stages as Record<string, { files: number; bytes: number }>);
    assert.equal(staged.reduce((n, l) => n + l.files, 0), first.trees.created);
    assert.deepEqual(Object.keys(first.indexing.stages).sort(), Object.keys(first.languages).sort());
    assert.ok(first.indexing.run.cpuUserMs > 0 && first.indexing.run.mainBusyMs > 0);
    assert.ok(first.indexing.run.steps.scanMs > 0);
    const second = oneObject(await strata(['index', dir, '--save', file, '--json'], env));
    assert.equal(second.files, first.files);
    assert.deepEqual(second.languages, first.languages);
    assert.equal(second.parseErrors, first.parseErrors);
    assert.equal(second.persist.loadedFiles, first.files);
    assert.equal(second.persist.keptFiles, first.files);
    assert.equal(second.persist.reindexedFiles, 0);
    assert.equal(second.trees.created, 0, 'nothing parsed');
    assert.equal(second.integrity.crcFailures, 0);
    assert.deepEqual(find(join(base, 'xdg'), 'snapshot.strata'), [], 'with --save nothing goes to the default location');
  });

  it('without --save the snapshot goes to $XDG_CACHE_HOME/strata, where the next run finds it', async () => {
    const first = oneObject(await strata(['index', dir, '--json'], env));
    const files = find(join(base, 'xdg', 'strata'), 'snapshot.strata');
    assert.equal(files.length, 1);
    assert.equal(first.persist.snapshotPath, files[0]);
    const second = oneObject(await strata(['index', dir, '--json'], env));
    assert.equal(second.persist.keptFiles, first.files);
    assert.equal(second.trees.created, 0);
  });

  it('a damaged snapshot (its manifest or its base truncated) is counted and rebuilt; the run succeeds', async () => {
    for (const part of ['manifest', 'base'] as const) {
      const file = join(base, `damaged-${part}.strata`);
      oneObject(await strata(['index', dir, '--save', file, '--json'], env));
      const target = part === 'manifest' ? file : storeFiles(file, dir).base;
      const bytes = readFileSync(target);
      writeFileSync(target, bytes.subarray(0, bytes.length - 7));
      const r = oneObject(await strata(['index', dir, '--save', file, '--json'], env));
      assert.ok(r.integrity.crcFailures > 0, part);
      assert.ok(r.persist.damagedBlocks > 0, part);
      assert.equal(r.persist.saves, 1, `${part}: a whole snapshot replaces it`);
      const again = oneObject(await strata(['index', dir, '--save', file, '--json'], env));
      assert.equal(again.persist.keptFiles, again.files, part);
      assert.equal(again.integrity.crcFailures, 0, part);
      const stored = readdirSync(base).filter((n) => n.startsWith(`damaged-${part}.strata.`) && !n.endsWith('.occ'));
      assert.equal(stored.length, 1, `${part}: the store is its manifest and one base, the damaged files gone: ${stored.join(', ')}`);
    }
  });

  it('the summary without --json names the snapshot', async () => {
    const r = await strata(['index', dir, '--save', join(base, 'summary.strata')], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /persistent cache: .*summary\.strata — no earlier snapshot; saved /);
    const again = await strata(['index', dir, '--save', join(base, 'summary.strata')], env);
    assert.match(again.stdout, /persistent cache: .*summary\.strata — of its \d+ files \d+ unchanged, 0 changed or new indexed, 0 removed\n/);
  });

  it('a repository whose .gitignore leaves out everything: the summary warns, naming the rule file', async () => {
    const repo = join(base, 'ignored-repo');
    cpSync(DEMO, repo, { recursive: true });
    mkdirSync(join(repo, '.git'));
    writeFileSync(join(repo, '.gitignore'), '/*\n');
    const r = await strata(['index', repo, '--save', join(base, 'ignored-repo.strata')], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^indexed 0 files, .*\nwarning: .*: no file to index; ignore rules left out \d+ entries/);
    assert.ok(r.stdout.includes(`${join(repo, '.gitignore')}: rule '/*' left out`), r.stdout);
    // The same tree outside a repository: .gitignore does not apply, every file is indexed.
    rmSync(join(repo, '.git'), { recursive: true });
    const plain = await strata(['index', repo, '--save', join(base, 'ignored-repo.strata')], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^indexed [1-9]\d* files/);
    assert.doesNotMatch(plain.stdout, /warning/);
  });

  it('a FILE that cannot be written: exit 1 with the reason', async () => {
    writeFileSync(join(base, 'plain-file'), 'x');
    const underFile = await strata(['index', dir, '--save', join(base, 'plain-file', 'x.strata'), '--json'], env);
    assert.equal(underFile.code, 1);
    assert.equal(underFile.stdout, '');
    assert.match(underFile.stderr, /--save .*plain-file/);
    const aDirectory = await strata(['index', dir, '--save', base, '--json'], env);
    assert.equal(aDirectory.code, 1);
    assert.match(aDirectory.stderr, /is a directory/);
  });

  it('--workers 1 and --workers 3 write the same records and texts and report the same totals', async () => {
    // Copies of the demo, enough work for the pool to grow past one worker (parserPool.ts GROW_BYTES).
    const tree = join(base, 'many-demos');
    for (let i = 0; i < 12; i++) cpSync(DEMO, join(tree, `demo-${i}`), { recursive: true, preserveTimestamps: true });
    const runs: { file: string; stats: any }[] = [];
    for (const workers of ['1', '3']) {
      const file = join(base, `workers-${workers}.strata`);
      runs.push({ file, stats: oneObject(await strata(['index', tree, '--workers', workers, '--save', file, '--json'], env)) });
    }
    const [one, three] = [runs[0]!, runs[1]!];
    await initZstd();
    assert.ok(one.stats.files > 0);
    assert.equal(three.stats.files, one.stats.files);
    assert.deepEqual(three.stats.languages, one.stats.languages);
    assert.equal(three.stats.parseErrors, one.stats.parseErrors);
    assert.deepEqual(snapshotContents(three.file, tree), snapshotContents(one.file, tree));
  });

  it('bad usage: exit 2 with a message', async () => {
    for (const args of [['index'], ['index', dir, '--save'], ['index', dir, '--bogus'], ['index', dir, '--memory', 'lots'], ['index', dir, '--workers', '0'], ['index', dir, '--workers', 'abc'],
      ['index', dir, '--workers', '65'], ['index', dir, '--workers', '1.5'], ['index', join(base, 'nope')], ['frobnicate']]) {
      const r = await strata(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /strata: /);
    }
  });
});
