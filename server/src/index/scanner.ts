/**
 * The workspace walk: an async generator of the files to index (size, mtime, a `tooLarge` flag);
 * when done it returns a ScanReport: files found, and what each rule source left out.
 *
 * Design: depth-first over an explicit stack of directories (memory grows with the directories
 * waiting, never with the files); each directory is listed once, its files stat'ed a bounded batch
 * at a time and yielded in name order. The scanner never reads a file; the caller does.
 *
 * Skipped: `.git` entries; what ignore rules leave out, as ripgrep decides it (see `verdict` and the
 * walk: `.ignore` everywhere, `.gitignore` and `info/exclude` only inside a git work tree); the
 * `exclude` globs (glob.ts), whatever the rule files say; symbolic links leaving the root (unless
 * `followSymlinksOutsideRoot`) and directories reached twice; anything that cannot be listed or
 * stat'ed, and sockets, FIFOs, devices, each with one log line. Only an unreadable root throws.
 * What the rules leave out is counted per source and rule, an ignored directory as one entry.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { Logger } from '../base/log.js';
import { compileGlobs } from './glob.js';
import { DEFAULT_EXCLUDES } from './settings.js';

/** The `exclude` setting's default (settings.ts), so a scan without settings skips the same things. */
const DEFAULT_SCAN_EXCLUDES: readonly string[] = DEFAULT_EXCLUDES;
const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;
/** The rule source of entries the `exclude` globs left out, in a ScanReport. */
export const EXCLUDE_SETTING = 'the exclude setting';
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

/** What one rule source left out of a scan. */
interface IgnoredBySource {
  /** The rule file's path (the root as given, joined with the file's relative path), or EXCLUDE_SETTING. */
  source: string;
  /** Entries it left out; an ignored directory counts as one. */
  entries: number;
  /** The rule (pattern as written) that left out the most of them, and how many it did. */
  topRule: string;
  topRuleEntries: number;
}

/** What a whole scan found: plain data, returned by the generator when it is done. */
export interface ScanReport {
  /** Files yielded. */
  files: number;
  /** The root is inside a git work tree, so its `.gitignore` files apply. */
  rootInGitWorkTree: boolean;
  /** Every source that left something out, most entries first. */
  ignored: IgnoredBySource[];
}

export interface ScanOptions {
  /** Exclude globs (glob.ts); default DEFAULT_SCAN_EXCLUDES. */
  exclude?: readonly string[];
  /** Bytes; default DEFAULT_MAX_FILE_SIZE. */
  maxFileSize?: number;
  /** Honour .gitignore and .git/info/exclude inside git work trees; default true. `.ignore` always applies. */
  gitignore?: boolean;
  /** Match rule-file patterns ignoring case; default: true except on Linux (git's core.ignorecase). */
  ignoreCase?: boolean;
  followSymlinks?: boolean;
  followSymlinksOutsideRoot?: boolean;
  /** The scanner writes as its child 'scan': skipped entries at info, each ignored entry at debug. */
  log?: Logger;
  signal?: AbortSignal;
}

interface RuleLevel {
  /** Folder of the rules, relative to the root, '' or ending in '/'. */
  base: string;
  rules: Ignore;
  /** The rule file, as a ScanReport names it. */
  source: string;
}

interface PendingDir {
  abs: string;
  rel: string;
  /** `.ignore` rules in force here, shallowest first. */
  ignoreLevels: RuleLevel[];
  /** `.gitignore` and `info/exclude` rules in force here (only inside a work tree), shallowest first. */
  gitLevels: RuleLevel[];
  inWorkTree: boolean;
  /** "dev:ino" of this directory. */
  id: string;
  /** "dev:ino" of this directory and its ancestors on the walk. */
  chain: Set<string>;
}

/** The verdict of the deepest level with an opinion: ignored (by which rule), re-included, or none. */
type Verdict = { ignored: true; level: RuleLevel; rule: string } | { ignored: false } | undefined;

function identity(s: Stats): string {
  return `${s.dev}:${s.ino}`;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && e.code ? `${e.code}${e.message ? ` (${e.message.split(',')[0]})` : ''}` : String(err);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Rules are matched with the `ignore` package relative to their file's folder; the deepest level
 * with an opinion wins, so deeper files override shallower ones, negation included. An ignored
 * directory is never entered (git cannot re-include a file below it either).
 */
function verdict(levels: readonly RuleLevel[], rel: string, isDir: boolean): Verdict {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    const sub = rel.slice(level.base.length) + (isDir ? '/' : '');
    let r: ReturnType<Ignore['test']>;
    try {
      r = level.rules.test(sub);
    } catch {
      continue; // `ignore` rejects some legal names (e.g. "..."): no rule can apply to them
    }
    if (r.ignored) return { ignored: true, level, rule: r.rule?.pattern ?? '' };
    if (r.unignored) return { ignored: false };
  }
  return undefined;
}

/** Whether a directory above `dir` (up to the filesystem root) holds `.git`, as git's discovery looks. */
async function ancestorHoldsGit(dir: string): Promise<boolean> {
  for (let d = dirname(dir); ; d = dirname(d)) {
    try {
      await lstat(join(d, '.git'));
      return true;
    } catch { /* not here */ }
    if (dirname(d) === d) return false;
  }
}

/**
 * The `info/exclude` of the repository whose `.git` is in `dir`: in `.git/` itself, or for a
 * worktree or submodule (`.git` is a file, `gitdir: …`) in the common git directory it names.
 */
async function gitExcludeFile(dir: string, gitEntry: Dirent): Promise<string> {
  if (!gitEntry.isFile()) return join(dir, '.git', 'info', 'exclude');
  const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(join(dir, '.git'), 'utf8'));
  if (!pointer) throw new Error('.git file without a gitdir line');
  const gitDir = resolve(dir, pointer[1]!);
  let common = gitDir;
  try {
    common = resolve(gitDir, (await readFile(join(gitDir, 'commondir'), 'utf8')).trim());
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  return join(common, 'info', 'exclude');
}

/** Counts per rule source and rule; becomes ScanReport.ignored. */
class IgnoreTally {
  readonly #bySource = new Map<string, Map<string, number>>();

  add(source: string, rule: string): void {
    let rules = this.#bySource.get(source);
    if (!rules) this.#bySource.set(source, (rules = new Map<string, number>()));
    rules.set(rule, (rules.get(rule) ?? 0) + 1);
  }

  report(): IgnoredBySource[] {
    const out: IgnoredBySource[] = [];
    for (const [source, rules] of this.#bySource) {
      let entries = 0;
      let topRule = '';
      let topRuleEntries = 0;
      for (const [rule, n] of rules) {
        entries += n;
        if (n > topRuleEntries) { topRule = rule; topRuleEntries = n; }
      }
      out.push({ source, entries, topRule, topRuleEntries });
    }
    return out.sort((a, b) => b.entries - a.entries || (a.source < b.source ? -1 : 1));
  }
}

export async function* scanWorkspace(root: string, options: ScanOptions = {}): AsyncGenerator<ScannedFile, ScanReport> {
  const log = (options.log ?? Logger.silent()).child('scan');
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const useGitignore = options.gitignore ?? true;
  const ignoreCase = options.ignoreCase ?? process.platform !== 'linux';
  const followSymlinks = options.followSymlinks ?? true;
  const outside = options.followSymlinksOutsideRoot ?? false;
  const excludes = compileGlobs(options.exclude ?? DEFAULT_SCAN_EXCLUDES);
  const debug = log.enabled('debug');

  const rootReal = await realpath(root);
  const rootStat = await stat(rootReal);
  if (!rootStat.isDirectory()) throw new Error(`scan: ${root} is not a directory`);

  const tally = new IgnoreTally();
  let yielded = 0;
  let rootInGitWorkTree: boolean | undefined;
  const report = (): ScanReport =>
    ({ files: yielded, rootInGitWorkTree: rootInGitWorkTree ?? false, ignored: tally.report() });
  const ruleLevel = async (dir: PendingDir, file: string, source: string): Promise<RuleLevel | undefined> => {
    try {
      const rules = ignore({ ignorecase: ignoreCase }).add(await readFile(file, 'utf8'));
      return { base: dir.rel === '' ? '' : `${dir.rel}/`, rules, source };
    } catch (err) {
      if (!isMissing(err)) log.info(`cannot read ${source}: ${reason(err)}; its rules are not applied`);
      return undefined;
    }
  };
  const ignored = (v: Verdict, rel: string): boolean => {
    if (!v?.ignored) return false;
    tally.add(v.level.source, v.rule);
    if (debug) log.debug(`ignored ${rel}: ${v.level.source}: rule '${v.rule}'`);
    return true;
  };
  const excluded = (rule: string | undefined, rel: string): boolean => {
    if (rule === undefined) return false;
    tally.add(EXCLUDE_SETTING, rule);
    if (debug) log.debug(`ignored ${rel}: ${EXCLUDE_SETTING}: '${rule}'`);
    return true;
  };

  const visited = new Set<string>();
  const rootId = identity(rootStat);
  const stack: PendingDir[] = [{
    abs: root, rel: '', ignoreLevels: [], gitLevels: [], inWorkTree: await ancestorHoldsGit(rootReal),
    id: rootId, chain: new Set([rootId]),
  }];
  // Directories reached through a link wait until the real tree is done, so that a directory is
  // scanned under its own path rather than under an alias that happens to sort first.
  const linkedDirs: PendingDir[] = [];

  while (stack.length > 0 || linkedDirs.length > 0) {
    if (options.signal?.aborted) return report();
    const dir = stack.pop() ?? linkedDirs.shift()!;
    if (visited.has(dir.id)) {
      log.debug(`skipped ${dir.rel}: directory already scanned by another path`);
      continue;
    }
    visited.add(dir.id);
    let entries: Dirent[];
    try {
      entries = await readdir(dir.abs, { withFileTypes: true });
    } catch (err) {
      log.info(`skipped directory ${dir.rel || '.'}: ${reason(err)}`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    // As ripgrep (require_git): outside a git work tree git applies no `.gitignore`, so neither do
    // we: a source tarball's describes the repository it came from (Debian's kernel source ends in
    // `/*`). A `.git` here (directory, or file as in worktrees and submodules) makes this the top of
    // a work tree, where an enclosing one's rules stop. Not read: rule files above the root, an
    // enclosing repository's info/exclude, core.excludesFile.
    const gitEntry = entries.find((e) => e.name === '.git');
    const inWorkTree = dir.inWorkTree || gitEntry !== undefined;
    if (dir.rel === '') rootInGitWorkTree = inWorkTree;
    let gitLevels = gitEntry ? [] : dir.gitLevels;
    let ignoreLevels = dir.ignoreLevels;
    const prefix = dir.rel === '' ? '' : `${dir.rel}/`;
    if (useGitignore && gitEntry) {
      let file: string | undefined;
      try {
        file = await gitExcludeFile(dir.abs, gitEntry);
      } catch (err) {
        log.info(`cannot find the info/exclude of ${prefix}.git: ${reason(err)}`);
      }
      const level = file && await ruleLevel(dir, file, file);
      if (level) gitLevels = [level];
    }
    if (useGitignore && inWorkTree && entries.some((e) => e.name === '.gitignore')) {
      const level = await ruleLevel(dir, join(dir.abs, '.gitignore'), join(root, prefix, '.gitignore'));
      if (level) gitLevels = [...gitLevels, level];
    }
    if (entries.some((e) => e.name === '.ignore')) {
      const level = await ruleLevel(dir, join(dir.abs, '.ignore'), join(root, prefix, '.ignore'));
      if (level) ignoreLevels = [...ignoreLevels, level];
    }
    // ripgrep's precedence: a `.ignore` verdict, at any depth, over any git one.
    const isIgnored = (rel: string, isDir: boolean): boolean =>
      ignored(verdict(ignoreLevels, rel, isDir) ?? verdict(gitLevels, rel, isDir), rel);

    const subdirs: PendingDir[] = [];
    const files: { abs: string; rel: string; stats?: Stats }[] = [];
    for (const e of entries) {
      if (e.name === '.git') continue;
      const abs = join(dir.abs, e.name);
      const rel = prefix + e.name;
      let kind: 'dir' | 'file' | 'other';
      let linked: Stats | undefined;
      if (e.isSymbolicLink()) {
        if (!followSymlinks) continue;
        try {
          linked = await stat(abs);
          if (!outside) {
            const target = await realpath(abs);
            if (target !== rootReal && !target.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
              log.info(`skipped ${rel}: symbolic link to ${target}, outside the workspace`);
              continue;
            }
          }
        } catch (err) {
          log.info(`skipped ${rel}: ${reason(err)}`);
          continue;
        }
        kind = linked.isDirectory() ? 'dir' : linked.isFile() ? 'file' : 'other';
      } else kind = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';

      if (kind === 'other') { log.info(`skipped ${rel}: not a regular file or directory`); continue; }
      if (kind === 'dir') {
        if (excluded(excludes.directoryRule(rel), rel) || isIgnored(rel, true)) continue;
        let s = linked;
        if (!s) {
          try { s = await lstat(abs); } catch (err) { log.info(`skipped directory ${rel}: ${reason(err)}`); continue; }
        }
        const id = identity(s);
        if (dir.chain.has(id)) { log.info(`skipped ${rel}: symbolic link loop`); continue; }
        const pending = { abs, rel, ignoreLevels, gitLevels, inWorkTree, id, chain: new Set([...dir.chain, id]) };
        if (linked) linkedDirs.push(pending);
        else subdirs.push(pending);
      } else {
        if (excluded(excludes.fileRule(rel), rel) || isIgnored(rel, false)) continue;
        files.push({ abs, rel, stats: linked });
      }
    }

    for (let i = 0; i < files.length; i += STAT_BATCH) {
      const batch = files.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(batch.map((f) => (f.stats ? Promise.resolve(f.stats) : stat(f.abs))
        .catch((err: unknown) => err as Error)));
      for (let j = 0; j < batch.length; j++) {
        const s = stats[j]!;
        const f = batch[j]!;
        if (s instanceof Error) { log.info(`skipped ${f.rel}: ${reason(s)}`); continue; }
        if (!s.isFile()) { log.info(`skipped ${f.rel}: not a regular file`); continue; }
        yielded++;
        yield { path: f.abs, relativePath: f.rel, size: s.size, mtimeMs: s.mtimeMs, tooLarge: s.size > maxFileSize };
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
  return report();
}
