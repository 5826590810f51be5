/**
 * What a live tree costs on the wasm heap, estimated from its node count.
 *
 * Design: the hot tier's budget is in wasm-heap bytes, but the heap has no per-allocation
 * accounting we can read. A tree's cost is proportional to its nodes (`descendantCount`, O(1)),
 * with a per-language factor because grammars differ in how many of their nodes are heap-allocated
 * (inline leaves cost nothing extra). The factors were measured here by parsing and keeping
 * thousands of real files (node_modules) and regressing the wasm heap size at each heap-growth
 * event against the cumulative node count:
 *   JavaScript 2408 files, 27 MB, 7.1 M nodes: 90.8 B/node (24.0 B per source byte)
 *   TypeScript (.d.ts) 993 files, 11.7 MB, 1.4 M nodes: 64.2 B/node (7.6 B per source byte)
 * Languages without a measurement use the larger (JavaScript) factor, so the budget errs on the
 * safe side. Guarantee: for JavaScript and TypeScript the estimate is within ±25% of the measured
 * heap growth (test/syntax/trees/treeCost.test.ts re-measures it).
 */
import type { LanguageName } from './languages.js';
import type { OwnedTree } from './trees.js';

const MEASURED_BYTES_PER_NODE: Partial<Record<LanguageName, number>> = {
  javascript: 91,
  typescript: 64,
  tsx: 64,
};
const DEFAULT_BYTES_PER_NODE = 91;
/** The Tree struct and its root bookkeeping, independent of size. */
const TREE_FIXED_BYTES = 96;

function bytesPerNode(lang: LanguageName): number {
  return MEASURED_BYTES_PER_NODE[lang] ?? DEFAULT_BYTES_PER_NODE;
}

export function estimateTreeBytes(tree: OwnedTree): number {
  return TREE_FIXED_BYTES + tree.tree.rootNode.descendantCount * bytesPerNode(tree.lang);
}
