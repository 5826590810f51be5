/**
 * Outline (`textDocument/documentSymbol`) and `workspace/symbol` (fuzzy, best first, bounded).
 * Symbols come from the index as plain data; this module only shapes them for LSP: a
 * `DocumentSymbol` tree for clients with `hierarchicalDocumentSymbolSupport`, otherwise a flat
 * `SymbolInformation[]` in the tree's order (parents first), the parent's name as `containerName`.
 */
import type { DocumentSymbol, Range, SymbolInformation } from 'vscode-languageserver/node';
import type { SymbolKind as LspSymbolKind } from 'vscode-languageserver/node';
import type { Span, SyntaxSymbol } from '../../syntax/types.js';
import { guarded, requireRecord, requireString, requireTextDocumentUri } from '../guard.js';
import type { Session } from '../session.js';

/**
 * Enough for any picker (clients filter and sort again as the user types), as gopls and clangd cap
 * theirs at 100; the bound keeps a query on millions of names cheap (nameSearch.ts).
 */
export const WORKSPACE_SYMBOL_LIMIT = 100;

function collectSpans(symbols: readonly SyntaxSymbol[], out: Span[]): Span[] {
  for (const s of symbols) {
    out.push(s.span, s.nameSpan);
    if (s.children) collectSpans(s.children, out);
  }
  return out;
}

export function registerSymbolHandlers(session: Session): void {
  const { connection, service, log } = session;

  connection.onRequest(
    'textDocument/documentSymbol',
    guarded(log, 'textDocument/documentSymbol', async (params: unknown) => {
      const key = session.keyOf(requireTextDocumentUri(params));
      const symbols = await service.outline(key);
      const ranges = await session.rangesFor(key, collectSpans(symbols, []));
      if (!session.client.hierarchicalSymbols) return flatten(session.uriOf(key), symbols, ranges);
      let next = 0;
      const convert = (list: readonly SyntaxSymbol[]): DocumentSymbol[] => list.map((s) => {
        const range = ranges[next++]!;
        let selectionRange = ranges[next++]!;
        // LSP requires the selection range inside the range; clients reject the reply otherwise.
        if (!contains(range, selectionRange)) selectionRange = { start: range.start, end: range.start };
        const out: DocumentSymbol = {
          name: s.name || '<anonymous>', kind: s.kind as unknown as LspSymbolKind, range, selectionRange,
        };
        if (s.children && s.children.length > 0) out.children = convert(s.children);
        return out;
      });
      return convert(symbols);
    }),
  );

  connection.onRequest('workspace/symbol', guarded(log, 'workspace/symbol', async (params: unknown, signal) => {
    const query = requireString(requireRecord(params, 'params')['query'], 'params.query');
    const hits = await service.workspaceSymbols(query, WORKSPACE_SYMBOL_LIMIT, signal);
    const ranges = await session.rangesByKey(hits);
    return hits.map((hit, i): SymbolInformation => ({
      name: hit.name,
      kind: hit.kind as unknown as LspSymbolKind,
      location: { uri: session.uriOf(hit.key), range: ranges[i]! },
      ...(hit.containerName ? { containerName: hit.containerName } : {}),
    }));
  }));
}

/** The outline as SymbolInformation[], depth first; `ranges` holds each symbol's range then its name's. */
function flatten(uri: string, symbols: readonly SyntaxSymbol[], ranges: readonly Range[]): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  let next = 0;
  const visit = (list: readonly SyntaxSymbol[], container: string | undefined) => {
    for (const s of list) {
      const range = ranges[next]!;
      next += 2;
      const name = s.name || '<anonymous>';
      out.push({
        name,
        kind: s.kind as unknown as LspSymbolKind,
        location: { uri, range },
        ...(container !== undefined ? { containerName: container } : {}),
      });
      if (s.children) visit(s.children, name);
    }
  };
  visit(symbols, undefined);
  return out;
}

type Pos = { line: number; character: number };
const before = (a: Pos, b: Pos) => a.line < b.line || (a.line === b.line && a.character <= b.character);
function contains(outer: { start: Pos; end: Pos }, inner: { start: Pos; end: Pos }): boolean {
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}
