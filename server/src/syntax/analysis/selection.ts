/**
 * Selection ranges ("expand selection"): for each position, the spans of the nodes that enclose it,
 * innermost first, out to the root.
 *
 * Guarantees: each chain starts with the smallest node at the position (a token or an identifier),
 * every span strictly contains the one before it (equal spans, such as an expression statement
 * around its call without `;`, are reported once), and the last span is the whole document's tree.
 */
import type { Tree } from 'web-tree-sitter';
import type { Span } from '../types.js';
import { nodeSpan, spansEqual } from './spans.js';

export interface TextPosition {
  line: number;
  /** UTF-16 column. */
  character: number;
}

export function selectionRanges(tree: Tree, positions: readonly TextPosition[]): Span[][] {
  const root = tree.rootNode;
  return positions.map((p) => {
    const chain: Span[] = [];
    let node = root.descendantForPosition({ row: p.line, column: p.character });
    while (node) {
      const span = nodeSpan(node);
      if (chain.length === 0 || !spansEqual(chain[chain.length - 1]!, span)) chain.push(span);
      node = node.parent;
    }
    return chain;
  });
}
