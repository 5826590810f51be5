/**
 * Fetching and extracting registry packages with the ordinary clients: `npm pack` for npm releases,
 * `apt-get download` + `dpkg-deb -x` for Debian binary packages. Each extraction goes to a temporary
 * folder that is renamed into place only when complete, so an interrupted build never leaves a
 * half-extracted set that later looks cached. Downloads are batched (one client start per registry).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const run = promisify(execFile);
const BIG = 64 * 1024 * 1024;

/** Downloads npm tarballs into `cacheDir`; returns spec → tarball path. Already-downloaded ones are reused. */
export async function npmPack(specs: string[], cacheDir: string): Promise<Map<string, string>> {
  await mkdir(cacheDir, { recursive: true });
  const out = new Map<string, string>();
  if (specs.length === 0) return out;
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', cacheDir, ...specs], {
    cwd: cacheDir, maxBuffer: BIG,
  });
  // npm prints one JSON array, in the order of the specs given.
  const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  if (packed.length !== specs.length) throw new Error(`npm pack returned ${packed.length} of ${specs.length} packages`);
  // Scoped tarballs are named without the '@' and with '/' → '-' (types-node-20.14.9.tgz).
  specs.forEach((spec, i) => out.set(spec, join(cacheDir, packed[i]!.filename.replace(/^@/, '').replace('/', '-'))));
  return out;
}

/** Extracts an npm tarball, dropping its top folder (`package/`, or `node/` for @types/node). */
export async function extractTarball(tgz: string, dest: string, only?: string[]): Promise<void> {
  const tmp = `${dest}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const filter = only ? ['--wildcards', ...only] : [];
  await run('tar', ['xzf', tgz, '-C', tmp, '--strip-components=1', '--no-same-owner', ...filter], { maxBuffer: BIG });
  await rm(dest, { recursive: true, force: true });
  await rename(tmp, dest);
}

/** Downloads Debian binary packages into `cacheDir`; returns name → .deb path. */
export async function aptDownload(names: string[], cacheDir: string): Promise<Map<string, string>> {
  await mkdir(cacheDir, { recursive: true });
  const find = async (name: string) => (await readdir(cacheDir)).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
  const missing: string[] = [];
  for (const n of names) if (!(await find(n))) missing.push(n);
  if (missing.length > 0) {
    try {
      await run('apt-get', ['download', ...missing], { cwd: cacheDir, maxBuffer: BIG });
    } catch (err) {
      throw new Error(`apt-get download ${missing.join(' ')} failed (run 'apt-get update' once first?): ${(err as Error).message}`, { cause: err });
    }
  }
  const out = new Map<string, string>();
  for (const n of names) {
    const f = await find(n);
    if (!f) throw new Error(`apt-get download did not produce a .deb for ${n}`);
    out.set(n, join(cacheDir, f));
  }
  return out;
}

export async function debVersion(deb: string): Promise<string> {
  const { stdout } = await run('dpkg-deb', ['-f', deb, 'Version']);
  return stdout.trim();
}

export async function extractDeb(deb: string, dest: string): Promise<void> {
  const tmp = `${dest}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await run('dpkg-deb', ['-x', deb, tmp], { maxBuffer: BIG });
  await rm(dest, { recursive: true, force: true });
  await rename(tmp, dest);
}

export function haveTools(): { npm: boolean; apt: boolean } {
  const onPath = (t: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, t)));
  return { npm: onPath('npm'), apt: onPath('apt-get') && onPath('dpkg-deb') };
}
