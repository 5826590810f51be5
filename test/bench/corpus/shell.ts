/**
 * The shell corpus: bash/sh scripts gathered from extracted Debian packages into one folder, the
 * workspace on which Strata is compared with bash-language-server.
 *
 * A file is a shell script when its name has a shell extension, when it lies in a bash-completion
 * `completions/` folder (those have no `#!` line), or when its `#!` line names sh/bash/dash/ash/ksh.
 * Scripts without a shell extension get `.sh` appended, so both servers find them by name alone
 * (bash-language-server's default glob is `**\/*@(.sh|.inc|.bash|.command)`; Strata's scan matches
 * extensions first). Files are hard-linked, not copied: the corpus costs no extra disk.
 *
 * If the distinct scripts weigh less than `minBytes`, they are replicated into `copy-N/` folders
 * until the target is reached. That keeps the workload size comparable with the issue's figure
 * (31 MB); the manifest notes it, because a deduplicating store shares replicated files entirely.
 */
import { open, mkdir, link, copyFile, rm, rename } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { walkFiles } from './stats.js';

const SHELL_EXT = /\.(sh|bash|ksh|bats|command|inc)$/i;
const SHELL_INTERPRETERS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh']);
const MAX_SCRIPT = 2 * 1024 * 1024;

async function head(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Whether a file is a shell script, by name, location or `#!` line; binary files never are. */
export async function isShellScript(path: string): Promise<boolean> {
  const first = await head(path, 512);
  if (first.includes(0)) return false;
  if (SHELL_EXT.test(path) || /\/bash-completion\/completions\//.test(path)) return true;
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first.toString('latin1'));
  if (!m) return false;
  let prog = basename(m[1]!);
  if (prog === 'env' && m[2]) prog = basename(m[2]);
  return SHELL_INTERPRETERS.has(prog);
}

async function place(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  try {
    await link(src, dest);
  } catch {
    await copyFile(src, dest);
  }
}

export interface ShellBuild {
  distinctFiles: number;
  distinctBytes: number;
  copies: number;
}

/**
 * Builds `dest` from the given extracted package folders (name → folder). Replaces any previous
 * content; the caller's cache marker decides whether this runs at all.
 */
export async function buildShellCorpus(sources: Map<string, string>, dest: string, minBytes: number): Promise<ShellBuild> {
  const tmp = `${dest}.partial`;
  await rm(tmp, { recursive: true, force: true });
  const picked: { src: string; rel: string; size: number }[] = [];
  for (const [pkg, dir] of sources) {
    for await (const f of walkFiles(dir)) {
      if (f.size === 0 || f.size > MAX_SCRIPT) continue;
      if (!(await isShellScript(f.path))) continue;
      let rel = join(pkg, relative(dir, f.path));
      if (!/\.(sh|bash|command|inc)$/i.test(rel)) rel += '.sh';
      picked.push({ src: f.path, rel, size: f.size });
    }
  }
  const distinctBytes = picked.reduce((a, p) => a + p.size, 0);
  for (const p of picked) await place(p.src, join(tmp, 'distinct', p.rel));
  let copies = 0;
  for (let total = distinctBytes; distinctBytes > 0 && total < minBytes; total += distinctBytes) {
    copies++;
    for (const p of picked) await place(p.src, join(tmp, `copy-${copies + 1}`, p.rel));
  }
  await rm(dest, { recursive: true, force: true });
  await rename(tmp, dest);
  return { distinctFiles: picked.length, distinctBytes, copies };
}
