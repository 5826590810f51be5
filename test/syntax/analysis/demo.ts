/**
 * Test helpers: parse files of examples/demo with the real grammars and hand the live tree to a
 * callback, deleting the tree afterwards whatever happens. One Parser per language per test
 * process; `releaseAll()` deletes those parsers and the compiled queries (call it in `after`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type Tree } from 'web-tree-sitter';
import { disposeQueries } from '../../../server/src/syntax/analysis/index.js';
import { grammarsDir, loadLanguage } from '../../../server/src/syntax/grammars.js';
import type { LanguageName } from '../../../server/src/syntax/languages.js';
import type { SymbolKind, SyntaxSymbol } from '../../../server/src/syntax/types.js';

export const DEMO = join(grammarsDir(), '..', 'examples', 'demo');

const parsers = new Map<LanguageName, Parser>();

export function demoText(path: string): string {
  return readFileSync(join(DEMO, path), 'utf8');
}

/** Parses `text` as `lang`, runs `fn` on the tree, deletes the tree. */
export async function withTree<T>(lang: LanguageName, text: string, fn: (tree: Tree, text: string) => T): Promise<T> {
  let parser = parsers.get(lang);
  if (!parser) {
    const language = await loadLanguage(lang); // also initialises web-tree-sitter, before any Parser
    parser = new Parser();
    parser.setLanguage(language);
    parsers.set(lang, parser);
  }
  const tree = parser.parse(text);
  if (!tree) throw new Error('parse returned no tree');
  try {
    return fn(tree, text);
  } finally {
    tree.delete();
  }
}

/** Parses a file of examples/demo. */
export function withDemoTree<T>(lang: LanguageName, path: string, fn: (tree: Tree, text: string) => T): Promise<T> {
  return withTree(lang, demoText(path), fn);
}

export function releaseAll(): void {
  for (const p of parsers.values()) p.delete();
  parsers.clear();
  disposeQueries();
}

const KIND_NAMES: Record<number, string> = {
  2: 'Module', 3: 'Namespace', 4: 'Package', 5: 'Class', 6: 'Method', 7: 'Property', 8: 'Field',
  9: 'Constructor', 10: 'Enum', 11: 'Interface', 12: 'Function', 13: 'Variable', 14: 'Constant',
  15: 'String', 16: 'Number', 17: 'Boolean', 18: 'Array', 19: 'Object', 20: 'Key', 21: 'Null',
  22: 'EnumMember', 23: 'Struct', 26: 'TypeParameter',
};

export function kindName(kind: SymbolKind): string {
  return KIND_NAMES[kind] ?? `Kind${kind}`;
}

/** An outline as indented lines, "Kind name" (plus " (detail)"), two spaces per level. */
export function shape(symbols: readonly SyntaxSymbol[], depth = 0, out: string[] = []): string[] {
  for (const s of symbols) {
    out.push(`${'  '.repeat(depth)}${kindName(s.kind)} ${s.name}${s.detail !== undefined ? ` (${s.detail})` : ''}`);
    if (s.children) shape(s.children, depth + 1, out);
  }
  return out;
}

/** The symbol at a path of names from the top level ("Cart", "add"). */
export function find(symbols: readonly SyntaxSymbol[], ...path: string[]): SyntaxSymbol {
  let level: readonly SyntaxSymbol[] = symbols;
  let found: SyntaxSymbol | undefined;
  for (const name of path) {
    found = level.find((s) => s.name === name);
    if (!found) throw new Error(`no symbol ${path.join(' > ')}`);
    level = found.children ?? [];
  }
  return found!;
}
