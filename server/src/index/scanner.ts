/**
 * The workspace walk: an async generator of the files to index, with size and mtime.
 *
 * Design: depth-first over an explicit stack of directories (memory grows with the directories
 * waiting to be listed, never with the number of files); each directory is listed once and its
 * files are stat'ed a bounded batch at a time; files are yielded as they are found, in name order.
 * The scanner only lists and stats: it never reads a file (the caller does), and a file larger
 * than `maxFileSize` is still yielded, flagged `tooLarge`, so the caller can skip reading it.
 *
 * What is skipped, and why:
 *  - `.git` directories, always (repository internals, never source).
 *  - `.gitignore` rules at every level, with the `ignore` package, each file's patterns matched
 *    relative to its own folder; deeper files override shallower ones (negation included), and
 *    `.git/info/exclude` of the root applies below all of them, as in git. A directory that is
 *    ignored is not entered (git cannot re-include a file under an excluded directory either).
 *    The user's global `core.excludesFile` is not read.
 *  - `exclude` globs (glob.ts; default the `exclude` setting's: .git, node_modules, .hg, .svn), applied
 *    whatever .gitignore says: node_modules is excluded by default even without a .gitignore,
 *    because indexing dependency trees costs more than it brings; pass `exclude: []` to keep it.
 *  - Symbolic links are followed (default) but only to targets inside the workspace root unless
 *    `followSymlinksOutsideRoot`; linked directories are walked after the real tree, so a folder is
 *    listed under its own path first. A directory reached twice (same device and inode) is
 *    skipped, logged as a loop when it is an ancestor of the link, else as already scanned.
 *  - Anything that cannot be listed or stat'ed (permissions, dangling links, races with deletion),
 *    sockets, FIFOs and devices: skipped with one line to `log`. The walk never throws for a
 *    single entry; only an unreadable root is an error.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { join, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { compileGlobs } from './glob.js';
import { DEFAULT_EXCLUDES } from './settings.js';

/** The `exclude` setting's default (settings.ts), so a scan without settings skips the same things. */
export const DEFAULT_SCAN_EXCLUDES: readonly string[] = DEFAULT_EXCLUDES;
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;
const STAT_BATCH = 64;

export interface ScannedFile {
  /** Path as reached from the root (symbolic links not resolved). */
  path: string;
  /** Relative to the root, '/'-separated. */
  relativePath: string;
  size: number;
  mtimeMs: number;
  /** Larger than `maxFileSize`: listed, but the caller should not read it. */
  tooLarge: boolean;
}

export interface ScanOptions {
  /** Exclude globs (glob.ts); default DEFAULT_SCAN_EXCLUDES. */
  exclude?: readonly string[];
  /** Bytes; default DEFAULT_MAX_FILE_SIZE. */
  maxFileSize?: number;
  /** Honour .gitignore and .git/info/exclude; default true. */
  gitignore?: boolean;
  /** Match .gitignore patterns ignoring case; default: true except on Linux (git's core.ignorecase). */
  ignoreCase?: boolean;
  followSymlinks?: boolean;
  followSymlinksOutsideRoot?: boolean;
  /** Receives one line per skipped entry that is not simply ignored. */
  log?: (message: string) => void;
  signal?: AbortSignal;
}

interface RuleLevel {
  /** Folder of the rules, relative to the root, '' or ending in '/'. */
  base: string;
  rules: Ignore;
}

interface PendingDir {
  abs: string;
  rel: string;
  levels: RuleLevel[];
  /** "dev:ino" of this directory. */
  id: string;
  /** "dev:ino" of this directory and its ancestors on the walk. */
  chain: Set<string>;
}

function identity(s: Stats): string {
  return `${s.dev}:${s.ino}`;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && e.code ? `${e.code}${e.message ? ` (${e.message.split(',')[0]})` : ''}` : String(err);
}

/** Whether `rel` is ignored by the layered rules (last level with an opinion wins). */
function isIgnored(levels: readonly RuleLevel[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const level of levels) {
    const sub = rel.slice(level.base.length) + (isDir ? '/' : '');
    let r: { ignored: boolean; unignored: boolean };
    try {
      r = level.rules.test(sub);
    } catch {
      continue; // `ignore` rejects some legal names (e.g. "..."): no rule can apply to them
    }
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

export async function* scanWorkspace(root: string, options: ScanOptions = {}): AsyncGenerator<ScannedFile> {
  const log = options.log ?? (() => {});
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const useGitignore = options.gitignore ?? true;
  const ignoreCase = options.ignoreCase ?? process.platform !== 'linux';
  const followSymlinks = options.followSymlinks ?? true;
  const outside = options.followSymlinksOutsideRoot ?? false;
  const excludes = compileGlobs(options.exclude ?? DEFAULT_SCAN_EXCLUDES);

  const rootReal = await realpath(root);
  const rootStat = await stat(rootReal);
  if (!rootStat.isDirectory()) throw new Error(`scan: ${root} is not a directory`);

  const newRules = (text: string): Ignore => ignore({ ignorecase: ignoreCase }).add(text);
  const rootLevels: RuleLevel[] = [];
  if (useGitignore) {
    try {
      rootLevels.push({ base: '', rules: newRules(await readFile(join(root, '.git', 'info', 'exclude'), 'utf8')) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') log(`scan: cannot read .git/info/exclude: ${reason(err)}`);
    }
  }
  const visited = new Set<string>();
  const rootId = identity(rootStat);
  const stack: PendingDir[] = [{ abs: root, rel: '', levels: rootLevels, id: rootId, chain: new Set([rootId]) }];
  // Directories reached through a link wait until the real tree is done, so that a directory is
  // scanned under its own path rather than under an alias that happens to sort first.
  const linkedDirs: PendingDir[] = [];

  while (stack.length > 0 || linkedDirs.length > 0) {
    if (options.signal?.aborted) return;
    const dir = stack.pop() ?? linkedDirs.shift()!;
    if (visited.has(dir.id)) {
      log(`scan: skipped ${dir.rel}: directory already scanned by another path`);
      continue;
    }
    visited.add(dir.id);
    let entries: Dirent[];
    try {
      entries = await readdir(dir.abs, { withFileTypes: true });
    } catch (err) {
      log(`scan: skipped directory ${dir.rel || '.'}: ${reason(err)}`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    let levels = dir.levels;
    if (useGitignore && entries.some((e) => e.name === '.gitignore')) {
      try {
        const text = await readFile(join(dir.abs, '.gitignore'), 'utf8');
        levels = [...levels, { base: dir.rel === '' ? '' : `${dir.rel}/`, rules: newRules(text) }];
      } catch (err) {
        log(`scan: cannot read ${dir.rel ? `${dir.rel}/` : ''}.gitignore: ${reason(err)}`);
      }
    }

    const subdirs: PendingDir[] = [];
    const files: { abs: string; rel: string; stats?: Stats }[] = [];
    for (const e of entries) {
      if (e.name === '.git') continue;
      const abs = join(dir.abs, e.name);
      const rel = dir.rel === '' ? e.name : `${dir.rel}/${e.name}`;
      let kind: 'dir' | 'file' | 'other';
      let linked: Stats | undefined;
      if (e.isSymbolicLink()) {
        if (!followSymlinks) continue;
        try {
          linked = await stat(abs);
          if (!outside) {
            const target = await realpath(abs);
            if (target !== rootReal && !target.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
              log(`scan: skipped ${rel}: symbolic link to ${target}, outside the workspace`);
              continue;
            }
          }
        } catch (err) {
          log(`scan: skipped ${rel}: ${reason(err)}`);
          continue;
        }
        kind = linked.isDirectory() ? 'dir' : linked.isFile() ? 'file' : 'other';
      } else kind = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';

      if (kind === 'other') { log(`scan: skipped ${rel}: not a regular file or directory`); continue; }
      if (kind === 'dir') {
        if (excludes.matchesDirectory(rel) || isIgnored(levels, rel, true)) continue;
        let s = linked;
        if (!s) {
          try { s = await lstat(abs); } catch (err) { log(`scan: skipped directory ${rel}: ${reason(err)}`); continue; }
        }
        const id = identity(s);
        if (dir.chain.has(id)) { log(`scan: skipped ${rel}: symbolic link loop`); continue; }
        const pending = { abs, rel, levels, id, chain: new Set([...dir.chain, id]) };
        if (linked) linkedDirs.push(pending);
        else subdirs.push(pending);
      } else {
        if (excludes.matchesFile(rel) || isIgnored(levels, rel, false)) continue;
        files.push({ abs, rel, stats: linked });
      }
    }

    for (let i = 0; i < files.length; i += STAT_BATCH) {
      const batch = files.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(batch.map((f) => (f.stats ? Promise.resolve(f.stats) : stat(f.abs)).catch((err: unknown) => err as Error)));
      for (let j = 0; j < batch.length; j++) {
        const s = stats[j]!;
        const f = batch[j]!;
        if (s instanceof Error) { log(`scan: skipped ${f.rel}: ${reason(s)}`); continue; }
        if (!s.isFile()) { log(`scan: skipped ${f.rel}: not a regular file`); continue; }
        yield { path: f.abs, relativePath: f.rel, size: s.size, mtimeMs: s.mtimeMs, tooLarge: s.size > maxFileSize };
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}
