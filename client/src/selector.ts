/**
 * Which documents the extension hands to Strata: every LSP languageId of every language in the
 * server's registry, for files on disk and for untitled buffers.
 *
 * The list is taken from the server's protocol module at bundle time, so the extension can never
 * disagree with the server about what it parses. (package.json's activationEvents repeat the same ids
 * because VS Code reads them before any code runs; a test checks the two agree.)
 */
import type { DocumentFilter } from 'vscode-languageclient/node';
import { LANGUAGE_IDS } from '../../server/src/protocol.js';

/** All languageIds Strata accepts, without duplicates, in registry order. */
function strataLanguageIds(): string[] {
  return [...new Set(Object.values(LANGUAGE_IDS).flat())];
}


export function documentSelector(): DocumentFilter[] {
  const selector: DocumentFilter[] = [];
  for (const language of strataLanguageIds()) {
    selector.push({ scheme: 'file', language }, { scheme: 'untitled', language });
  }
  return selector;
}
