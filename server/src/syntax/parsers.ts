/**
 * One tree-sitter Parser per language per thread, created on first use and reused.
 *
 * A Parser keeps its internal buffers between parses, so reusing one per language avoids
 * re-allocating them on the wasm heap; parsing is synchronous, so a thread never uses one parser
 * for two parses at once. `parserFor` is async only because loading a grammar is.
 */
import { Parser } from 'web-tree-sitter';
import { loadLanguage } from './grammars.js';
import type { LanguageName } from './languages.js';

const parsers = new Map<LanguageName, Promise<Parser>>();

export function parserFor(lang: LanguageName): Promise<Parser> {
  let p = parsers.get(lang);
  if (!p) {
    p = loadLanguage(lang).then((language) => {
      const parser = new Parser();
      parser.setLanguage(language);
      return parser;
    });
    parsers.set(lang, p);
  }
  return p;
}
