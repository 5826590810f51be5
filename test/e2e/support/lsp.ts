/**
 * Small readers for LSP answers as they come out of editors in JSON: flattening hierarchical
 * DocumentSymbols, and normalising definition results (Location | Location[] | LocationLink[]).
 */

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
export interface DocumentSymbol { name: string; kind: number; range: Range; selectionRange: Range; children?: DocumentSymbol[] }
export interface Location { uri: string; range: Range }

/** All symbol names, depth first, and whether any symbol has children (a hierarchical outline). */
export function flattenSymbols(symbols: DocumentSymbol[] | null | undefined): { names: string[]; nested: boolean } {
  const names: string[] = [];
  let nested = false;
  const walk = (list: DocumentSymbol[]) => {
    for (const s of list) {
      names.push(s.name);
      if (s.children && s.children.length > 0) { nested = true; walk(s.children); }
    }
  };
  walk(symbols ?? []);
  return { names, nested };
}

/** Definition results as plain Locations. */
export function locations(result: unknown): Location[] {
  if (result === null || result === undefined) return [];
  const list = Array.isArray(result) ? result : [result];
  return list.map((l: Record<string, unknown>) =>
    'targetUri' in l ? { uri: l['targetUri'] as string, range: (l['targetSelectionRange'] ?? l['targetRange']) as Range } : (l as unknown as Location));
}

/** True when the range covers the position (line/character, end exclusive). */
export function covers(range: Range, pos: Position): boolean {
  const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(range.start, pos) && before(pos, range.end) && !(pos.line === range.end.line && pos.character === range.end.character);
}
