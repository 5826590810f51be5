/**
 * Shared test material: real source files from node_modules and examples/demo (grammars' own
 * node_modules are not installed, so these are the real code at hand), and naive reference
 * implementations the optimized code is compared against.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectLanguage, type LanguageName } from '../../../server/src/syntax/languages.js';

/** The repository root (works from test/ and dist/test/). */
export const repoRoot = (() => {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'grammars'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('repo root not found');
})();

export interface SourceFile {
  path: string;
  lang: LanguageName;
  text: string;
}

function load(rel: string): SourceFile | undefined {
  const path = join(repoRoot, rel);
  if (!existsSync(path)) return undefined;
  const lang = detectLanguage(path);
  if (!lang) return undefined;
  return { path: rel, lang: lang.name, text: readFileSync(path, 'utf8') };
}

/** Small-to-medium real files of several languages (JS, TS, and every examples/demo file). */
export function realFiles(): SourceFile[] {
  const rels = [
    'node_modules/vscode-languageserver/lib/common/api.js',
    'node_modules/vscode-jsonrpc/lib/common/messageWriter.js',
    'node_modules/vscode-languageserver-protocol/lib/common/protocol.progress.d.ts',
    'node_modules/vscode-languageserver-protocol/lib/common/protocol.fileOperations.d.ts',
    'node_modules/typescript/lib/lib.es2015.iterable.d.ts',
  ];
  const out = rels.map(load).filter((f): f is SourceFile => f !== undefined);
  const demo = join(repoRoot, 'examples/demo');
  if (existsSync(demo)) {
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else {
          const f = load(p.slice(repoRoot.length + 1));
          if (f) out.push(f);
        }
      }
    };
    walk(demo);
  }
  return out;
}

/** A large real file (≥ 100 KB) for the few tests that need size. */
export function largeFile(): SourceFile {
  const f = load('node_modules/fast-check/lib/fast-check.js') ?? load('node_modules/typescript/lib/lib.es5.d.ts');
  if (!f) throw new Error('no large file found in node_modules');
  return f;
}

/** Naive tree-sitter point of a UTF-16 offset: rows split at '\n', columns in UTF-16 units. */
export function naivePoint(text: string, offset: number): { row: number; column: number } {
  const before = text.slice(0, offset);
  const rows = before.split('\n').length - 1;
  return { row: rows, column: offset - (before.lastIndexOf('\n') + 1) };
}

/** (line, UTF-16 column) of an offset, lines as LSP counts them ('\r\n', '\r', '\n'), found by splitting. */
export function naiveLspPoint(text: string, offset: number): { row: number; column: number } {
  const lines = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { row: lines.length - 1, column: lines[lines.length - 1]!.length };
}

/** Applies byte-journal records to UTF-8 bytes. */
export function applyBytes(bytes: Uint8Array, edits: readonly { start: number; end: number; text: Uint8Array }[]): Uint8Array {
  let cur = bytes;
  for (const e of edits) {
    const next = new Uint8Array(cur.length - (e.end - e.start) + e.text.length);
    next.set(cur.subarray(0, e.start), 0);
    next.set(e.text, e.start);
    next.set(cur.subarray(e.end), e.start + e.text.length);
    cur = next;
  }
  return cur;
}

/** Code fragments random edits insert: balanced, unbalanced (syntax errors), multi-line, non-ASCII. */
export const FRAGMENTS = [
  '', 'x', ' ', '\n', '\r\n', '\r', ';', '{', '}', '(', ')', '"', "'", '`', '/*', '*/', '//', '#', 'é', '😀',
  'ß∑',
  'const a = 1;\n', 'function f(a, b) {\n  return a + b;\n}\n', 'if (x) {', 'else', '=>', '<div>', '</div>',
  'class C { m() {} }', '[1, 2, 3]', '\t\t', 'def f():\n    pass\n', 'fn main() {}', '#include <x.h>\n',
];
