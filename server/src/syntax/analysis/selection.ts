/**
 * Selection ranges ("expand selection"): for each position, the spans of the nodes that enclose it,
 * innermost first, out to the root.
 *
 * Guarantees: each chain starts with the smallest node at the position (a token or an identifier),
 * every span strictly contains the one before it (equal spans, such as an expression statement
 * around its call without `;`, are reported once), and the last span is the whole document's tree.
 * Synchronous, in the thread that owns the tree.
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
    const leaf = root.descendantForPosition({ row: p.line, column: p.character });
    if (!leaf) return [];
    // Down from the root, not up with `parent`: tree-sitter finds a parent by walking from the root,
    // so climbing 100 000 nested brackets took O(depth²) (minutes, the server blocked meanwhile).
    const path: Span[] = [];
    for (let node: typeof leaf | null = root; node; node = node.equals(leaf) ? null : node.childWithDescendant(leaf))
      path.push(nodeSpan(node));
    const chain: Span[] = [];
    for (let i = path.length - 1; i >= 0; i--) {
      if (chain.length === 0 || !spansEqual(chain[chain.length - 1]!, path[i]!)) chain.push(path[i]!);
    }
    return chain;
  });
}
