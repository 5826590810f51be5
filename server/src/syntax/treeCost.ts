/**
 * What a live tree costs on the wasm heap, estimated from its node count.
 *
 * The hot tier's budget is in wasm-heap bytes, but the heap has no per-allocation accounting to read.
 * A tree's cost is proportional to its nodes (`descendantCount`, O(1)), with a per-language factor
 * because grammars differ in how many nodes are heap-allocated. The factors come from regressing heap
 * growth against node counts over thousands of real files (docs/decisions.md); languages without a
 * factor use the largest, so the budget errs on the safe side.
 * Guarantee: for JavaScript and TypeScript the estimate is within ±25% of the real heap growth
 * (test/syntax/trees/treeCost.test.ts re-measures it). Pure functions.
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
