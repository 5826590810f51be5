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

/**
 * The current file first, then by path, then by position (start, then end); duplicates removed.
 * Grouped by file before sorting, because an answer holds up to thousands of locations in far fewer
 * files: paths are compared once per file, positions as numbers.
 */
export function orderLocations<L extends Located>(current: string, found: readonly L[]): L[] {
  const byKey = new Map<string, L[]>();
  for (const l of found) {
    const group = byKey.get(l.key);
    if (group) group.push(l);
    else byKey.set(l.key, [l]);
  }
  const keys = [...byKey.keys()].sort((a, b) => (a === current ? -1 : b === current ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const out: L[] = [];
  for (const key of keys) {
    const group = byKey.get(key)!.sort((a, b) => compareSpans(a.span, b.span));
    for (let i = 0; i < group.length; i++) {
      if (i === 0 || compareSpans(group[i - 1]!.span, group[i]!.span) !== 0) out.push(group[i]!);
    }
  }
  return out;
}

function compareSpans(a: Span, b: Span): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3];
}
