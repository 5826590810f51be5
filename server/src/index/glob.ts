/**
 * Exclude globs (the `exclude` setting), compiled to regular expressions once.
 *
 * Syntax, as VS Code's `files.exclude`: paths are workspace-relative with '/' separators; `*` any
 * run of characters but '/', `?` one such character, `**` any number of whole path segments,
 * `[abc]`/`[a-z]`/`[!abc]` a character class, `{a,b}` alternatives. A leading '/' anchors at the
 * root. Unlike VS Code, a pattern without '/' matches a name at any depth (`*.min.js` is
 * `**\/*.min.js`), as in .gitignore — the form people expect from an exclude list.
 * Directories: a directory is excluded when a pattern matches its path, or matches everything
 * under it (`**\/node_modules/**` excludes the folder `node_modules` itself), so the scanner does
 * not even list it. Guarantees: matching is anchored at both ends; no pattern can throw at match
 * time (an unclosed '[' or '{' is taken literally).
 */

export interface GlobSet {
  /** Whether the file at this relative path is excluded. */
  matchesFile(relativePath: string): boolean;
  /** Whether the directory at this relative path (and everything below it) is excluded. */
  matchesDirectory(relativePath: string): boolean;
  /** The first pattern (as given) that excludes this file, or undefined. */
  fileRule(relativePath: string): string | undefined;
  /** The first pattern (as given) that excludes this directory, or undefined. */
  directoryRule(relativePath: string): string | undefined;
}

const REGEX_SPECIAL = /[.+^$()|\\\]{}]/;

/** The regular-expression source for one glob (without anchors). */
function globToRegExpSource(glob: string): string {
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') { i++; out += '(?:[^/]*/)*'; } // "**/": zero or more whole segments
        else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) { out += '\\['; continue; }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{' && glob.indexOf('}', i) > i) { braceDepth++; out += '(?:'; }
    else if (c === '}' && braceDepth > 0) { braceDepth--; out += ')'; }
    else if (c === ',' && braceDepth > 0) out += '|';
    else out += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
  }
  while (braceDepth-- > 0) out += ')';
  return out;
}

/** A compiled pattern and the pattern as it was given (what a log line names). */
interface CompiledGlob { regex: RegExp; pattern: string }

export function compileGlobs(patterns: readonly string[]): GlobSet {
  const files: CompiledGlob[] = [];
  const dirs: CompiledGlob[] = [];
  for (const pattern of patterns) {
    let raw = pattern.trim().replace(/\\/g, '/');
    if (raw === '') continue;
    const anchored = raw.startsWith('/');
    if (anchored) raw = raw.slice(1);
    const dirOnly = raw.endsWith('/');
    if (dirOnly) raw = raw.slice(0, -1);
    if (!anchored && !raw.includes('/')) raw = `**/${raw}`;
    const whole = { regex: new RegExp(`^${globToRegExpSource(raw)}$`), pattern };
    if (!dirOnly) files.push(whole);
    dirs.push(whole);
    if (raw.endsWith('/**')) dirs.push({ regex: new RegExp(`^${globToRegExpSource(raw.slice(0, -3))}$`), pattern });
  }
  const first = (list: CompiledGlob[], p: string) => list.find((g) => g.regex.test(p))?.pattern;
  return {
    matchesFile: (p) => files.some((g) => g.regex.test(p)),
    matchesDirectory: (p) => dirs.some((g) => g.regex.test(p)),
    fileRule: (p) => first(files, p),
    directoryRule: (p) => first(dirs, p),
  };
}
