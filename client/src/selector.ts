/**
 * Which documents the extension hands to Strata: every LSP languageId of every language in the
 * server's registry, for files on disk and for untitled buffers.
 *
 * The list is taken from server/src/syntax/languages.ts at bundle time, so the extension can never
 * disagree with the server about what it parses. (package.json's activationEvents repeat the same ids
 * because VS Code reads them before any code runs; a test checks the two agree.)
 */
import type { DocumentFilter } from 'vscode-languageclient/node';
import { LANGUAGES } from '../../server/src/syntax/languages.js';

/** All languageIds Strata accepts, without duplicates, in registry order. */
export function strataLanguageIds(): string[] {
  return [...new Set(LANGUAGES.flatMap((l) => l.languageIds))];
}

/** The language names (as the `strata.languages` setting spells them). */
export function strataLanguageNames(): string[] {
  return LANGUAGES.map((l) => l.name);
}

export function documentSelector(): DocumentFilter[] {
  const selector: DocumentFilter[] = [];
  for (const language of strataLanguageIds()) {
    selector.push({ scheme: 'file', language }, { scheme: 'untitled', language });
  }
  return selector;
}
