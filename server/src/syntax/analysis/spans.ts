/**
 * Spans of tree-sitter nodes as plain tuples (zero-based rows, UTF-16 columns as web-tree-sitter
 * reports them), and their order. Pure helpers: no state, no allocation beyond the tuple.
 */
import type { Node } from 'web-tree-sitter';
import type { Span } from '../types.js';

export function nodeSpan(node: Node): Span {
  const s = node.startPosition;
  const e = node.endPosition;
  return [s.row, s.column, e.row, e.column];
}

export function spansEqual(a: Span, b: Span): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
