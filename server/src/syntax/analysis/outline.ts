/**
 * The hierarchical outline: raw definitions nested by span containment.
 *
 * Rules (the same for every language, so queries stay simple):
 * - a definition is the child of the smallest definition that strictly contains it; two definitions
 *   with identical spans (`int x, y;`) are siblings;
 * - a function whose parent is a class, struct, interface, enum or impl block is a method, and such
 *   a method named like its parent (a C++ constructor) is a constructor;
 * - children keep document order.
 */
import { SymbolKind, type SyntaxSymbol } from '../types.js';
import type { RawDefinition } from './tags.js';

const METHOD_CONTAINERS: ReadonlySet<SymbolKind> = new Set([
  SymbolKind.Class, SymbolKind.Struct, SymbolKind.Interface, SymbolKind.Enum, SymbolKind.Object,
]);

/** Symbols in an outline, nested ones included. */
export function countSymbols(list: readonly SyntaxSymbol[]): number {
  let n = list.length;
  for (const s of list) if (s.children) n += countSymbols(s.children);
  return n;
}

/** Nests definitions by containment. Does not modify its argument. */
export function buildOutline(definitions: readonly RawDefinition[]): SyntaxSymbol[] {
  const sorted = [...definitions].sort((a, b) => a.start - b.start || b.end - a.end || a.pattern - b.pattern);
  const roots: SyntaxSymbol[] = [];
  const stack: { def: RawDefinition; sym: SyntaxSymbol }[] = [];
  for (const def of sorted) {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!.def;
      const contains = top.start <= def.start && def.end <= top.end && !(top.start === def.start && top.end === def.end);
      if (contains) break;
      stack.pop();
    }
    const parent = stack[stack.length - 1];
    const sym: SyntaxSymbol = { name: def.name, kind: def.kind, span: def.span, nameSpan: def.nameSpan };
    if (def.detail !== undefined) sym.detail = def.detail;
    if (parent) {
      if (sym.kind === SymbolKind.Function && METHOD_CONTAINERS.has(parent.sym.kind)) {
        sym.kind = sym.name === parent.sym.name ? SymbolKind.Constructor : SymbolKind.Method;
      }
      (parent.sym.children ??= []).push(sym);
    } else {
      roots.push(sym);
    }
    stack.push({ def, sym });
  }
  return roots;
}
