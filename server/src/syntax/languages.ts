/**
 * The language registry: which languages Strata parses, and how a file is matched to one.
 *
 * A file's language is chosen, in order, by the LSP languageId the client sent, by the file name's
 * extension, and by a `#!` line (for scripts without an extension). Each language names its grammar
 * `.wasm` (pinned in grammars/manifest.json) and its query files (the project's own, in grammars/).
 * Pure data and lookups: no tree-sitter objects live here.
 * Immutable; every thread reads the same registry.
 */

import { LANGUAGE_IDS, type LanguageName } from '../protocol.js';
import { lineText } from './lineIndex.js';

export type { LanguageName };

export interface LanguageInfo {
  readonly name: LanguageName;
  /** Grammar file in grammars/. */
  readonly wasm: string;
  /**
   * The project's own definition/reference query files in grammars/, joined in this order into one
   * query (first pattern wins, so a dialect's own patterns come before the ones it shares).
   */
  readonly queries: readonly string[];
  /** LSP languageIds that VS Code and neovim send for this language. */
  readonly languageIds: readonly string[];
  /** Lower-case file extensions including the dot. */
  readonly extensions: readonly string[];
  /** Exact file names (no extension) that belong to the language. */
  readonly fileNames?: readonly string[];
  /** Interpreters named on a `#!` line. */
  readonly interpreters?: readonly string[];
  /**
   * `$` is part of a name (JavaScript's `$el`, Java's `Outer$Inner`); elsewhere it starts a variable's
   * use (`$HOME` in a shell), and the name is what follows.
   */
  readonly dollarInNames?: boolean;
}

export const LANGUAGES: readonly LanguageInfo[] = [
  { name: 'javascript', wasm: 'tree-sitter-javascript.wasm', queries: ['javascript.scm'],
    languageIds: LANGUAGE_IDS.javascript, extensions: ['.js', '.mjs', '.cjs', '.jsx'],
    interpreters: ['node', 'nodejs', 'deno', 'bun'], dollarInNames: true },
  { name: 'typescript', wasm: 'tree-sitter-typescript.wasm', queries: ['typescript.scm'],
    languageIds: LANGUAGE_IDS.typescript, extensions: ['.ts', '.mts', '.cts'], interpreters: ['ts-node', 'tsx'],
    dollarInNames: true },
  { name: 'tsx', wasm: 'tree-sitter-tsx.wasm', queries: ['tsx.scm', 'typescript.scm'],
    languageIds: LANGUAGE_IDS.tsx, extensions: ['.tsx'], dollarInNames: true },
  { name: 'python', wasm: 'tree-sitter-python.wasm', queries: ['python.scm'],
    languageIds: LANGUAGE_IDS.python, extensions: ['.py', '.pyi', '.pyw'],
    interpreters: ['python', 'python2', 'python3', 'pypy', 'pypy3'] },
  { name: 'go', wasm: 'tree-sitter-go.wasm', queries: ['go.scm'], languageIds: LANGUAGE_IDS.go, extensions: ['.go'] },
  { name: 'rust', wasm: 'tree-sitter-rust.wasm', queries: ['rust.scm'], languageIds: LANGUAGE_IDS.rust,
    extensions: ['.rs'] },
  { name: 'c', wasm: 'tree-sitter-c.wasm', queries: ['c.scm'], languageIds: LANGUAGE_IDS.c, extensions: ['.c', '.h'] },
  { name: 'cpp', wasm: 'tree-sitter-cpp.wasm', queries: ['cpp.scm'], languageIds: LANGUAGE_IDS.cpp,
    extensions: ['.cc', '.cpp', '.cxx', '.c++', '.hh', '.hpp', '.hxx', '.h++', '.ipp', '.inl', '.cu', '.cuh'] },
  { name: 'java', wasm: 'tree-sitter-java.wasm', queries: ['java.scm'], languageIds: LANGUAGE_IDS.java,
    extensions: ['.java'], dollarInNames: true },
  { name: 'json', wasm: 'tree-sitter-json.wasm', queries: ['json.scm'], languageIds: LANGUAGE_IDS.json,
    extensions: ['.json', '.jsonc', '.json5', '.code-workspace'] },
  { name: 'bash', wasm: 'tree-sitter-bash.wasm', queries: ['bash.scm'], languageIds: LANGUAGE_IDS.bash,
    extensions: ['.sh', '.bash', '.zsh', '.ksh', '.bats', '.command'],
    fileNames: [
      '.bashrc', '.bash_profile', '.bash_login', '.bash_logout', '.profile', '.zshrc', 'PKGBUILD', 'APKBUILD',
    ],
    interpreters: ['sh', 'bash', 'zsh', 'ksh', 'dash', 'ash', 'mksh'] },
];

const byName = new Map<string, LanguageInfo>(LANGUAGES.map((l) => [l.name, l]));
const byLanguageId = new Map<string, LanguageInfo>();
const byExtension = new Map<string, LanguageInfo>();
const byFileName = new Map<string, LanguageInfo>();
const byInterpreter = new Map<string, LanguageInfo>();
for (const l of LANGUAGES) {
  for (const id of l.languageIds) byLanguageId.set(id, l);
  for (const ext of l.extensions) byExtension.set(ext, l);
  for (const f of l.fileNames ?? []) byFileName.set(f, l);
  for (const i of l.interpreters ?? []) byInterpreter.set(i, l);
}

export function languageByName(name: string): LanguageInfo | undefined {
  return byName.get(name);
}

/** The interpreter named by a `#!` first line (`#!/bin/bash`, `#!/usr/bin/env -S python3 -u`). */
export function shebangInterpreter(firstLine: string): string | undefined {
  // The line as LSP counts lines: a CRLF or CR script's `#!` line ends before its '\r'.
  const m = /^#!\s*(\S+)(.*)$/.exec(lineText(firstLine, 0));
  if (!m) return undefined;
  let program = m[1]!.split('/').pop()!;
  if (program === 'env') {
    const args = m[2]!.trim().split(/\s+/).filter((a) => a !== '' && !a.startsWith('-') && !a.includes('='));
    if (args.length === 0) return undefined;
    program = args[0]!.split('/').pop()!;
  }
  // python3.11 -> python3, node20 stays node20 (not an interpreter we list), bash5 -> bash5
  return program.replace(/(\d)\.\d+$/, '$1');
}

/**
 * The language of a document: languageId first (what the editor believes), then the file name,
 * then the `#!` line of its first bytes. `undefined` when Strata has no grammar for it.
 */
export function detectLanguage(
  path: string, opts: { languageId?: string; firstLine?: string } = {},
): LanguageInfo | undefined {
  if (opts.languageId) {
    const l = byLanguageId.get(opts.languageId);
    if (l) return l;
  }
  const base = path.replace(/\\/g, '/').split('/').pop() ?? path;
  const named = byFileName.get(base);
  if (named) return named;
  const dot = base.lastIndexOf('.');
  if (dot > 0 || (dot === 0 && base.length > 1 && !byFileName.has(base))) {
    const l = byExtension.get(base.slice(dot).toLowerCase());
    if (l) return l;
  }
  if (opts.firstLine !== undefined) {
    const interp = shebangInterpreter(opts.firstLine);
    if (interp) return byInterpreter.get(interp);
  }
  return undefined;
}
