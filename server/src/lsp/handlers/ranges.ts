/**
 * `textDocument/foldingRange` and `textDocument/selectionRange`, computed from the document's tree.
 */
import { FoldingRangeKind, type FoldingRange, type SelectionRange } from 'vscode-languageserver/node';
import { guarded, requireArray, requirePosition, requireRecord, requireTextDocumentUri } from '../guard.js';
import type { Session } from '../session.js';

/**
 * At most this many nested ranges per position (the innermost ones, then the outermost). A reply is
 * a linked list serialised recursively: 100 000 nested brackets overflowed the stack in the JSON
 * writer (an InternalError instead of an answer), and no one expands a selection 1000 times.
 */
const MAX_SELECTION_DEPTH = 1000;

export function registerRangeHandlers(session: Session): void {
  const { connection, service, log } = session;

  connection.onRequest(
    'textDocument/foldingRange',
    guarded(log, 'textDocument/foldingRange', async (params: unknown) => {
      const key = session.keyOf(requireTextDocumentUri(params));
      const folds = await service.foldingRanges(key);
      // Folds are whole lines that hide at least one line, their closing line kept visible (folding.ts):
      // no startCharacter/endCharacter is sent, which a `lineFoldingOnly` client requires and which
      // means the lines' ends to any other, so `session.client.foldingLineOnly` needs no other answer.
      return folds.map((f): FoldingRange => ({
        startLine: f.startLine,
        endLine: f.endLine,
        ...(f.kind === 'comment' ? { kind: FoldingRangeKind.Comment }
          : f.kind === 'imports' ? { kind: FoldingRangeKind.Imports }
          : f.kind === 'region' ? { kind: FoldingRangeKind.Region }
          : {}),
      }));
    }),
  );

  connection.onRequest(
    'textDocument/selectionRange',
    guarded(log, 'textDocument/selectionRange', async (params: unknown) => {
      const p = requireRecord(params, 'params');
      const key = session.keyOf(requireTextDocumentUri(params));
      const lines = session.responseLines();
      const positions = [];
      for (const [i, raw] of requireArray(p['positions'], 'params.positions').entries()) {
        positions.push(await session.toInternal(key, requirePosition(raw, `params.positions[${i}]`), lines));
      }
      const chains = await service.selectionRanges(key, positions);
      const out: SelectionRange[] = [];
      for (const full of chains) {
        // chain is innermost first; LSP links each range to its parent.
        const chain = full.length > MAX_SELECTION_DEPTH
          ? [...full.slice(0, MAX_SELECTION_DEPTH - 1), full[full.length - 1]!]
          : full;
        const ranges = await session.rangesFor(key, chain, lines);
        let parent: SelectionRange | undefined;
        for (let i = ranges.length - 1; i >= 0; i--)
          parent = parent ? { range: ranges[i]!, parent } : { range: ranges[i]! };
        out.push(parent ?? { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
      }
      return out;
    }),
  );
}
