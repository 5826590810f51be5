/**
 * The soak's workspace: a private copy of real source, since the session edits and saves files.
 *
 * Default: the JavaScript, TypeScript and JSON files of several installed packages (node_modules is
 * there on any machine that can build the project, so nothing is downloaded), capped per package
 * and in total, plus examples/demo for the other languages. `--corpus DIR` copies DIR instead (a
 * set under `.corpus/`, say). Either way the user's files are never written.
 * The files the session opens are the ones the server indexes, listed by the server's own scanner
 * (.gitignore, default excludes) with a known language, small enough to get a tree: a closed file
 * the server never indexed would rightly be unknown to it.
 */
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { scanWorkspace } from '../../../server/src/index/scanner.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';

/** Packages the default corpus draws from, in this order (missing ones are skipped). */
export const DEFAULT_PACKAGES = [
  'vscode-languageserver', 'vscode-languageserver-protocol', 'vscode-jsonrpc', 'vscode-languageserver-types',
  'fast-check', 'web-tree-sitter', 'ignore', 'commander', 'ajv', 'bash-language-server', 'cli-progress', 'lz4js',
];
const DEFAULT_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.json']);
const MAX_FILE_BYTES = 400 * 1024;
const MAX_PACKAGE_BYTES = 1024 * 1024;
const DEFAULT_TOTAL_BYTES = 5 * 1024 * 1024;
/** Files the session may open: bigger ones get no tree (trees.maxFileSizeMB) and are not edited. */
const MAX_EDITABLE_BYTES = 1024 * 1024;

export interface SoakFile {
  /** Path relative to the workspace root, with '/' separators. */
  path: string;
  bytes: number;
  languageId: string;
}

export interface SoakCorpus {
  /** What was copied: 'node_modules: a, b, …' or the corpus folder. */
  source: string;
  /** Filled by `indexedFiles` once the copy is in place. */
  files: SoakFile[];
  /** Bytes of every file copied (indexed or not). */
  bytes: number;
}

/** Regular files under `dir`, sorted, skipping node_modules and .git below it. */
function walk(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out; // unreadable folder: not part of the corpus
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== '.git') walk(p, out);
    } else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The files of `root` the server indexes and the session may open. */
export async function indexedFiles(root: string): Promise<SoakFile[]> {
  const files: SoakFile[] = [];
  for await (const f of scanWorkspace(root)) {
    const lang = detectLanguage(f.path);
    if (lang && !f.tooLarge && f.size <= MAX_EDITABLE_BYTES) files.push({ path: f.relativePath, bytes: f.size, languageId: lang.languageIds[0] ?? lang.name });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Copies the default corpus into `root` (an empty folder). */
export function populateDefault(root: string, repo: string, totalBytes = DEFAULT_TOTAL_BYTES): SoakCorpus {
  const used: string[] = [];
  let bytes = 0;
  for (const pkg of DEFAULT_PACKAGES) {
    if (bytes >= totalBytes) break;
    const dir = join(repo, 'node_modules', pkg);
    let pkgBytes = 0;
    for (const abs of walk(dir)) {
      if (!DEFAULT_EXTENSIONS.has(extname(abs))) continue;
      const size = statSync(abs).size;
      if (size > MAX_FILE_BYTES || pkgBytes + size > MAX_PACKAGE_BYTES || bytes + size > totalBytes) continue;
      const to = join(root, pkg, relative(dir, abs));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(abs, to);
      pkgBytes += size;
      bytes += size;
    }
    if (pkgBytes > 0) used.push(pkg);
  }
  cpSync(join(repo, 'examples/demo'), join(root, 'demo'), { recursive: true });
  return { source: `node_modules: ${used.join(', ')} + examples/demo`, files: [], bytes: folderBytes(root) };
}

/** Copies `dir` into `root` (an empty folder). */
export function populateFrom(root: string, dir: string): SoakCorpus {
  cpSync(dir, root, { recursive: true, filter: (src) => !src.split(sep).includes('.git') });
  return { source: dir, files: [], bytes: folderBytes(root) };
}

function folderBytes(root: string): number {
  return walk(root).reduce((a, abs) => a + statSync(abs).size, 0);
}
