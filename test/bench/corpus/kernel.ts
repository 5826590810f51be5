/**
 * The kernel tree of the `kernel` bench section: Debian's linux-source-6.1 tarball (package
 * `linux-source-6.1`, /usr/src/linux-source-6.1.tar.xz) unpacked under `.corpus/kernel/<plan>/`.
 * The full plan takes the whole tree; `small` only `fs/`, `include/` and the files at the top.
 *
 * Idempotent: a marker file beside the tree records the tarball's size and mtime and the tree's
 * counts; while they match, nothing is unpacked or counted again. Unpacking goes to a `.partial`
 * folder renamed into place when complete, so an interrupted run never looks done.
 *
 * Every `.gitignore` is left out of the tree. `.corpus/` lies inside Strata's git work tree, where
 * Strata's scanner applies `.gitignore` files (as ripgrep does), and Debian's top-level one ends in
 * `/*`: it would hide the whole kernel. Left out, Strata and ctags index the files a person gets
 * from the tarball anywhere outside a work tree (e.g. in /usr/src); the rule files are not source.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CorpusSet } from '../types.js';
import { countTree } from './stats.js';

const run = promisify(execFile);

export const KERNEL_PACKAGE = 'linux-source-6.1';
export const KERNEL_TARBALL = `/usr/src/${KERNEL_PACKAGE}.tar.xz`;
/** What `--small` keeps of the tree (beside the files at the top). */
export const SMALL_SUBTREES = ['fs', 'include'];

interface Marker {
  tarball: { path: string; size: number; mtimeMs: number };
  plan: 'full' | 'small';
  set: CorpusSet;
}

/** The tarball's installed version, for the report ('unknown' when dpkg cannot tell). */
async function packageVersion(): Promise<string> {
  try {
    return (await run('dpkg-query', ['-W', '-f', '${Version}', KERNEL_PACKAGE])).stdout.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * tar's member arguments for a plan. For `small`, `--no-recursion` (positional in GNU tar) makes
 * the top-level pattern take only the entries at the top, not the folders' contents.
 */
export function tarMembers(top: string, small: boolean): string[] {
  if (!small) return [];
  return [...SMALL_SUBTREES.map((d) => `${top}/${d}`), '--wildcards', '--no-wildcards-match-slash', '--no-recursion',
    `${top}/*`];
}

/** Unpacks (once) and describes the kernel tree; throws, naming the package to install, when the tarball is missing. */
export async function buildKernelSet(base: string, small: boolean, log: (line: string) => void,
  tarball = KERNEL_TARBALL): Promise<CorpusSet> {
  const st = await stat(tarball).catch(() => undefined);
  if (!st) {
    throw new Error(`${tarball} not found: the kernel section needs Debian's kernel source, `
      + `'apt-get install ${KERNEL_PACKAGE}'`);
  }
  const plan = small ? 'small' : 'full';
  const top = basename(tarball).replace(/\.tar\.xz$/, '');
  const parent = join(base, 'kernel', plan);
  const dir = join(parent, top);
  const markerPath = join(parent, '.unpacked.json');
  const want = { path: tarball, size: st.size, mtimeMs: st.mtimeMs };
  if (existsSync(markerPath) && existsSync(dir)) {
    const m = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
    if (m.plan === plan && JSON.stringify(m.tarball) === JSON.stringify(want)) return m.set;
  }
  log(`corpus: unpacking ${tarball} (${plan === 'small' ? `${SMALL_SUBTREES.join('/, ')}/ and the top` : 'all'})…`);
  const tmp = join(parent, '.partial');
  await rm(markerPath, { force: true });
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await run('tar', ['-xJf', tarball, '-C', tmp, '--no-same-owner', '--exclude=.gitignore', ...tarMembers(top, small)],
    { maxBuffer: 64 * 1024 * 1024 });
  await rm(dir, { recursive: true, force: true });
  await rename(join(tmp, top), dir);
  await rm(tmp, { recursive: true, force: true });
  const counted = await countTree(dir);
  const set: CorpusSet = {
    id: `debian/${KERNEL_PACKAGE}${small ? '-small' : ''}`, source: 'debian', name: KERNEL_PACKAGE,
    version: await packageVersion(), dir, files: counted.files, bytes: counted.bytes,
    languages: counted.languages, languageBytes: counted.languageBytes,
    note: small ? `${SMALL_SUBTREES.map((d) => `${d}/`).join(' + ')} + top-level files; no .gitignore files`
      : 'the whole tree; no .gitignore files',
  };
  await writeFile(markerPath, `${JSON.stringify({ tarball: want, plan, set } satisfies Marker, null, 1)}\n`);
  return set;
}
