/**
 * Spans of tree-sitter nodes as plain tuples: zero-based lines and UTF-16 columns, lines as LSP
 * counts them (syntax/lineIndex.ts). tree-sitter's rows are those lines unless the text has a lone
 * '\r' (its rows end only at '\n'); for such a text the analysis passes the text's `LineIndex`
 * (`linesIfRowsDiffer`) and spans are made from the nodes' offsets instead of their rows.
 */
import type { Node } from 'web-tree-sitter';
import { hasLoneCarriageReturn, LineIndex } from '../lineIndex.js';
import type { Span } from '../types.js';

/** The text's lines when tree-sitter's rows are not them; undefined (rows are lines) otherwise. */
export function linesIfRowsDiffer(text: string | undefined): LineIndex | undefined {
  return text !== undefined && hasLoneCarriageReturn(text) ? LineIndex.build(text) : undefined;
}

export function nodeSpan(node: Node, lines?: LineIndex): Span {
  if (lines) return offsetsSpan(lines, node.startIndex, node.endIndex);
  const s = node.startPosition;
  const e = node.endPosition;
  return [s.row, s.column, e.row, e.column];
}

/** The span of UTF-16 offsets [start, end) under the text's lines. */
function offsetsSpan(lines: LineIndex, start: number, end: number): Span {
  const s = lines.point(start);
  const e = lines.point(end);
  return [s.row, s.column, e.row, e.column];
}

export function spansEqual(a: Span, b: Span): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
