/**
 * Name-based navigation, as code search does it: the identifier under the cursor is looked up by
 * name. Definitions come from the symbol index (every file's definition query results), references
 * from the occurrence index (references.ts), so a lookup parses nothing but open documents.
 * Results list the file being edited first, then the others by path.
 */
import { lineText } from '../syntax/lineIndex.js';
import type { Span } from '../syntax/types.js';

/** Characters of an identifier in the languages Strata knows (a superset is harmless: lookups are exact). */
const IDENT = /[\p{L}\p{N}_$]/u;
/** The same without `$`, for languages where it starts a variable's use (languages.ts `dollarInNames`). */
const IDENT_NO_DOLLAR = /[\p{L}\p{N}_]/u;

/** The identifier around a UTF-16 column of a line, or undefined. */
export function identifierAt(line: string, column: number, dollarInNames = true): string | undefined {
  const ident = dollarInNames ? IDENT : IDENT_NO_DOLLAR;
  const at = (i: number) => i >= 0 && i < line.length && ident.test(line[i]!);
  let start = Math.min(column, line.length);
  if (!at(start) && at(start - 1)) start--;
  // On a shell's `$` of `$HOME`: the name it starts.
  else if (!at(start) && !dollarInNames && line[start] === '$' && at(start + 1)) start++;
  if (!at(start)) return undefined;
  let end = start;
  while (at(start - 1)) start--;
  while (at(end)) end++;
  const word = line.slice(start, end);
  return /^[\p{N}]/u.test(word) ? undefined : word;
}

/** The text of one line (no line break; lines as LSP counts them), found without splitting the whole text. */
export const lineAt = lineText;

export interface Located { key: string; span: Span }

/** The current file first, then by path, then by position; duplicates removed. */
export function orderLocations(current: string, found: readonly Located[]): Located[] {
  const seen = new Set<string>();
  const unique = found.filter((l) => {
    const id = `${l.key}\0${l.span.join(',')}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === current) return -1;
      if (b.key === current) return 1;
      return a.key < b.key ? -1 : 1;
    }
    return a.span[0] - b.span[0] || a.span[1] - b.span[1];
  });
}
