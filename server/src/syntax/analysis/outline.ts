/**
 * The hierarchical outline: raw definitions nested by span containment.
 *
 * Rules (the same for every language, so queries stay simple):
 * - a definition is the child of the smallest definition that strictly contains it; two definitions
 *   with identical spans (`int x, y;`) are siblings;
 * - a function whose parent is a class, struct, interface, enum or impl block is a method, and such
 *   a method named like its parent (a C++ constructor) is a constructor;
 * - children keep document order.
 * Pure functions over plain data.
 */
import { type PackedOutline, PackedOutlineWriter } from '../packedOutline.js';
import { SymbolKind } from '../types.js';
import type { RawDefinition } from './tags.js';

const METHOD_CONTAINERS: ReadonlySet<SymbolKind> = new Set([
  SymbolKind.Class, SymbolKind.Struct, SymbolKind.Interface, SymbolKind.Enum, SymbolKind.Object,
]);

/**
 * Nests definitions by containment, straight into the packed outline (no object per symbol: the
 * objects are built from it only when asked for, packedOutline.ts). Does not modify its argument.
 * Sorted by start, then longest first, the definitions are already in depth-first order: each one
 * follows the definition that encloses it, with the enclosing ones it is not in closed before it.
 */
export function buildOutline(definitions: readonly RawDefinition[]): PackedOutline {
  const sorted = [...definitions].sort((a, b) => a.start - b.start || b.end - a.end || a.pattern - b.pattern);
  let units = 0;
  for (const def of sorted) units += def.name.length;
  const out = new PackedOutlineWriter(sorted.length, units);
  // The definitions that may still enclose the next one, innermost last, with their number and kind.
  const stack: { def: RawDefinition; at: number; kind: SymbolKind }[] = [];
  for (const def of sorted) {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!.def;
      const contains = top.start <= def.start && def.end <= top.end
        && !(top.start === def.start && top.end === def.end);
      if (contains) break;
      stack.pop();
    }
    const parent = stack[stack.length - 1];
    let kind = def.kind;
    if (parent && kind === SymbolKind.Function && METHOD_CONTAINERS.has(parent.kind)) {
      kind = def.name === parent.def.name ? SymbolKind.Constructor : SymbolKind.Method;
    }
    const at = out.push(def.name, kind, def.span, def.nameSpan, def.detail, parent ? parent.at : -1);
    stack.push({ def, at, kind });
  }
  return out.finish();
}
