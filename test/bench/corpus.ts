/**
 * The benchmark corpus builder: `node dist/test/bench/corpus.js [--small] [--quiet] [--kernel|--kernel-only]`.
 *
 * Builds `.corpus/` at the repository root from the npm registry and Debian's packages (the plan,
 * pinned, is in corpus/spec.ts) and writes the manifest (`CorpusManifest`): `.corpus/manifest.json`
 * for the full plan, `.corpus/manifest.small.json` for `--small`. Idempotent and cached: each set,
 * once extracted and counted, has a record in `.corpus/.sets/`, and is neither fetched nor counted
 * again; downloaded archives stay in `.corpus/.cache/`. Sets are shared by both plans.
 *
 * Layout: `.corpus/npm/<name>@<version>/`, `.corpus/debian/<package>/` (the package's file tree as
 * dpkg would install it), `.corpus/shell/<plan>/` (see corpus/shell.ts), and with `--kernel` the
 * kernel tree `.corpus/kernel/<plan>/` (corpus/kernel.ts; only the `kernel` section reads it, so it
 * is built only for that section, and kept out of `sets`). `--kernel-only` builds the kernel tree
 * alone; the manifest file is then not written (it describes the general sets).
 */
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorpusManifest, CorpusSet } from './types.js';
import { FULL_PLAN, SMALL_PLAN, npmDirName, npmSetId, type CorpusPlan } from './corpus/spec.js';
import { countTree } from './corpus/stats.js';
import { npmPack, extractTarball, aptDownload, debVersion, extractDeb } from './corpus/fetch.js';
import { buildShellCorpus } from './corpus/shell.js';
import { buildKernelSet } from './corpus/kernel.js';
import { errorMessage } from '../../server/src/base/errors.js';

export interface BuildOptions {
  small?: boolean;
  /** Repository root; found from this file's location when omitted. */
  root?: string;
  /** Progress lines go here (default: stderr); pass `() => {}` to silence. */
  log?: (line: string) => void;
  /** Build the general sets (npm, Debian, shell); default true. */
  general?: boolean;
  /** Unpack the kernel tree too (a missing tarball is reported in `kernelError`, not thrown). */
  kernel?: boolean;
}

/** The repository root: the nearest folder above this module holding package.json. */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'server'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
}

export function corpusDir(root = findRepoRoot()): string {
  return join(root, '.corpus');
}

export function manifestPath(root = findRepoRoot(), small = false): string {
  return join(corpusDir(root), small ? 'manifest.small.json' : 'manifest.json');
}

/** A set's cache record; stores what is needed to skip it next time. */
interface SetRecord {
  set: CorpusSet;
  /** For derived sets: the inputs they were made from, so a changed plan rebuilds them. */
  key?: string;
}

class SetCache {
  constructor(private readonly dir: string) {}
  private file(id: string): string {
    return join(this.dir, `${id.replace(/[^A-Za-z0-9@._-]+/g, '_')}.json`);
  }
  async get(id: string, key?: string): Promise<CorpusSet | undefined> {
    const f = this.file(id);
    if (!existsSync(f)) return undefined;
    const rec = JSON.parse(await readFile(f, 'utf8')) as SetRecord;
    if (rec.key !== key || !existsSync(rec.set.dir)) return undefined;
    return rec.set;
  }
  async put(set: CorpusSet, key?: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.file(set.id), JSON.stringify({ set, key } satisfies SetRecord, null, 1));
  }
}

async function describe(id: string, source: CorpusSet['source'], name: string, version: string, dir: string): Promise<CorpusSet> {
  const s = await countTree(dir);
  return { id, source, name, version, dir, files: s.files, bytes: s.bytes, languages: s.languages, languageBytes: s.languageBytes };
}

export async function buildCorpus(opts: BuildOptions = {}): Promise<CorpusManifest> {
  const started = performance.now();
  const root = opts.root ?? findRepoRoot();
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const plan: CorpusPlan = opts.small ? SMALL_PLAN : FULL_PLAN;
  const base = corpusDir(root);
  const cache = new SetCache(join(base, '.sets'));
  const byId = new Map<string, CorpusSet>();
  const kernel: Pick<CorpusManifest, 'kernel' | 'kernelError'> = {};
  if (opts.kernel) {
    try {
      kernel.kernel = await buildKernelSet(base, opts.small === true, log);
    } catch (err) {
      kernel.kernelError = errorMessage(err);
      log(`corpus: kernel: ${kernel.kernelError}`);
    }
  }
  const planName = opts.small ? 'small' : 'full';
  if (opts.general === false) {
    return { root: base, sets: [], series: [], plan: planName, builtAt: new Date().toISOString(),
      buildMs: Math.round(performance.now() - started), ...kernel };
  }

  // npm: one `npm pack` for everything not yet extracted.
  const npmTodo = [];
  for (const spec of plan.npm) {
    const id = npmSetId(spec.name, spec.version);
    const hit = await cache.get(id, spec.only?.join(','));
    if (hit) byId.set(id, hit);
    else npmTodo.push(spec);
  }
  if (npmTodo.length > 0) {
    log(`corpus: npm pack ${npmTodo.length} package(s)…`);
    const tarballs = await npmPack(npmTodo.map((s) => `${s.name}@${s.version}`), join(base, '.cache', 'npm'));
    for (const spec of npmTodo) {
      const id = npmSetId(spec.name, spec.version);
      const dir = join(base, 'npm', npmDirName(spec.name, spec.version));
      await extractTarball(tarballs.get(`${spec.name}@${spec.version}`)!, dir, spec.only);
      const set = await describe(id, 'npm', spec.name, spec.version, dir);
      await cache.put(set, spec.only?.join(','));
      byId.set(id, set);
    }
  }

  // Debian: one `apt-get download` for everything not yet extracted.
  const debTodo: string[] = [];
  for (const spec of plan.debian) {
    const hit = await cache.get(`debian/${spec.name}`);
    if (hit) byId.set(hit.id, hit);
    else debTodo.push(spec.name);
  }
  if (debTodo.length > 0) {
    log(`corpus: apt-get download ${debTodo.length} package(s)…`);
    const debs = await aptDownload(debTodo, join(base, '.cache', 'debs'));
    for (const name of debTodo) {
      const deb = debs.get(name)!;
      const dir = join(base, 'debian', name);
      await extractDeb(deb, dir);
      const set = await describe(`debian/${name}`, 'debian', name, await debVersion(deb), dir);
      await cache.put(set);
      byId.set(set.id, set);
    }
  }

  // The shell corpus, derived from the Debian sets above.
  const shellId = opts.small ? 'debian/shell-scripts-small' : 'debian/shell-scripts';
  const derivedFrom = plan.shell.from.map((n) => `debian/${n}`);
  const shellKey = `${derivedFrom.join(',')}|${plan.shell.minBytes}`;
  let shell = await cache.get(shellId, shellKey);
  if (!shell) {
    log('corpus: gathering shell scripts…');
    const dir = join(base, 'shell', planName);
    const built = await buildShellCorpus(new Map(plan.shell.from.map((n) => [n, byId.get(`debian/${n}`)!.dir])), dir, plan.shell.minBytes);
    const versions = derivedFrom.map((id) => `${byId.get(id)!.name}=${byId.get(id)!.version}`).join(' ');
    shell = { ...(await describe(shellId, 'debian', 'shell-scripts', versions, dir)), derivedFrom };
    shell.note = built.copies > 0
      ? `${built.distinctFiles} distinct scripts (${(built.distinctBytes / 1048576).toFixed(1)} MB) in distinct/, replicated in ${built.copies} copy folder(s) to reach ${(plan.shell.minBytes / 1048576).toFixed(0)} MB`
      : `${built.distinctFiles} distinct scripts, no copies`;
    await cache.put(shell, shellKey);
  }
  byId.set(shell.id, shell);

  const sets = [...byId.values()];
  const series = plan.series.map((s) => ({ name: s.name, sets: s.versions.map((v) => npmSetId(s.pkg, v)) }));
  const manifest: CorpusManifest = {
    root: base, sets, series, plan: planName, builtAt: new Date().toISOString(),
    buildMs: Math.round(performance.now() - started), shellSet: shell.id, ...kernel,
  };
  await writeFile(manifestPath(root, opts.small), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/** Reads a manifest built earlier, or undefined when none exists or a set folder has gone. */
export async function loadManifest(root = findRepoRoot(), small = false): Promise<CorpusManifest | undefined> {
  const p = manifestPath(root, small);
  if (!existsSync(p)) return undefined;
  const m = JSON.parse(await readFile(p, 'utf8')) as CorpusManifest;
  for (const s of m.sets) if (!(await stat(s.dir).catch(() => undefined))) return undefined;
  return m;
}

const MB = 1024 * 1024;

/** A plain-text table of the sets, for the terminal. */
export function summarize(m: CorpusManifest): string {
  const lines = [`corpus (${m.plan ?? '?'}) at ${m.root}, built in ${((m.buildMs ?? 0) / 1000).toFixed(1)} s`];
  lines.push(`${'set'.padEnd(44)} ${'files'.padStart(7)} ${'MB'.padStart(8)}  languages`);
  let files = 0;
  let bytes = 0;
  for (const s of m.sets) {
    files += s.files;
    bytes += s.bytes;
    const langs = Object.entries(s.languages).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([l, n]) => `${l}:${n}`).join(' ');
    lines.push(`${s.id.padEnd(44)} ${String(s.files).padStart(7)} ${(s.bytes / MB).toFixed(2).padStart(8)}  ${langs}`);
  }
  lines.push(`${'total'.padEnd(44)} ${String(files).padStart(7)} ${(bytes / MB).toFixed(2).padStart(8)}`);
  for (const s of m.series) lines.push(`series ${s.name}: ${s.sets.length} sets`);
  const shell = m.sets.find((s) => s.id === m.shellSet);
  if (shell?.note) lines.push(`shell corpus: ${shell.note}`);
  if (m.kernel) {
    lines.push(`kernel: ${m.kernel.id} ${m.kernel.version} at ${m.kernel.dir}, ${m.kernel.files} files, `
      + `${(m.kernel.bytes / MB).toFixed(2)} MB (${m.kernel.note ?? ''})`);
  }
  if (m.kernelError) lines.push(`kernel: not built: ${m.kernelError}`);
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  buildCorpus({
    small: args.includes('--small'), log: args.includes('--quiet') ? () => {} : undefined,
    kernel: args.includes('--kernel') || args.includes('--kernel-only'), general: !args.includes('--kernel-only'),
  }).then(
    (m) => { console.log(summarize(m)); if (m.kernelError) process.exitCode = 1; },
    (err) => { console.error(`corpus: ${errorMessage(err)}`); process.exitCode = 1; },
  );
}
