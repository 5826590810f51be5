/**
 * Loads web-tree-sitter and the pinned grammars from grammars/, once per thread.
 *
 * Every worker thread has its own wasm heap, so each thread calls `loadLanguage` for itself; within a
 * thread a grammar is loaded once and shared by all parsers. The grammars folder is found relative to
 * this file (two levels above `server/src` in the source tree and in `dist/`), or from
 * `STRATA_GRAMMARS` when the server is bundled elsewhere (the VS Code extension).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, Parser } from 'web-tree-sitter';
import { languageByName, type LanguageInfo, type LanguageName } from './languages.js';

let initialized: Promise<void> | undefined;
const loaded = new Map<LanguageName, Promise<Language>>();

/** The folder that holds the grammar .wasm files, the manifest and the queries. */
export function grammarsDir(): string {
  const fromEnv = process.env['STRATA_GRAMMARS'];
  if (fromEnv) return resolve(fromEnv);
  // Walk up from this file until a folder with grammars/manifest.json appears: the same code works
  // from server/src (source) and dist/server/src (compiled).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'grammars');
    if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('strata: cannot find the grammars folder (set STRATA_GRAMMARS)');
}

/** Initializes web-tree-sitter's runtime in this thread (idempotent). */
function initTreeSitter(): Promise<void> {
  initialized ??= Parser.init();
  return initialized;
}

/** The tree-sitter Language for a registry entry, loaded once per thread. */
export function loadLanguage(info: LanguageInfo | LanguageName): Promise<Language> {
  const lang = typeof info === 'string' ? languageByName(info) : info;
  if (!lang) throw new Error(`strata: unknown language '${info as LanguageName}'`);
  let p = loaded.get(lang.name);
  if (!p) {
    p = initTreeSitter().then(() => Language.load(join(grammarsDir(), lang.wasm)));
    loaded.set(lang.name, p);
  }
  return p;
}

/** How many grammars this thread has loaded or is loading. */
export function loadedGrammars(): number {
  return loaded.size;
}
