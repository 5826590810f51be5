/**
 * A file's outline as flat columns: what a parser worker sends back and what the index stores,
 * without one object per symbol.
 *
 * Design: symbols in depth-first order (parents before children, as the symbol index stores
 * them), each as SYMBOL_INTS integers in one Uint32Array — kind, whole span, name span, number of
 * children (NO_CHILDREN: no `children` list, which differs from an empty one), where its name ends —
 * with the names' UTF-16 code units back to back in one Uint16Array (utf16Units.ts) and the details
 * as (depth-first number, detail) pairs. It is the one form the
 * index writes from: SymbolIndex.replaceFile copies its columns, and a snapshot record's symbols are
 * encoded from it (an outline given as objects is packed first); `symbols()` builds the
 * SyntaxSymbol tree for callers that want objects (an outline request, find-references'
 * declarations).
 * Why: building the objects — per symbol an object, two span arrays and its place in a children
 * list — on the main thread for every indexed file took ≈ 80 ms per 12.6 MB of source (82 000
 * symbols) and its garbage, time taken from the parser workers on 2 cores (bench section `syntax`).
 * Guarantee: `PackedOutline.of(s).symbols()` deep-equals `s`, keys in the same order (property test:
 * test/syntax/trees/outcomeWire.test.ts); `of` refuses (RangeError) a span value that is not an
 * integer in [0, 2³²) or a kind outside [0, 255], rather than store it changed.
 */
import { countSymbols } from './analysis/outline.js';
import type { Span, SymbolKind, SyntaxSymbol } from './types.js';
import { stringOfUnits, writeUnits } from './utf16Units.js';

/** Integers per symbol: kind, span (4), name span (4), children (NO_CHILDREN: none), end of its name's units. */
const SYMBOL_INTS = 11;
/** Columns of a symbol's integers. */
const CHILDREN = 9;
const NAME_END = 10;
/** The children column of a symbol without a `children` list. */
export const NO_CHILDREN = 0xffffffff;
const U32_LIMIT = 2 ** 32;

function checked(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= U32_LIMIT) throw new RangeError(`symbol ${name} has a span value ${v} outside [0, 2³²)`);
  return v;
}

export class PackedOutline {
  /** Number of symbols, nested ones included. */
  readonly count: number;

  /**
   * `ints`: SYMBOL_INTS per symbol, depth first; `nameUnits`: the names' code units, symbol `i`'s
   * from the previous symbol's name end to its own; `details`: (number, detail) pairs in depth-first
   * order; `roots`: the number of top-level symbols.
   */
  constructor(readonly ints: Uint32Array, readonly nameUnits: Uint16Array, readonly details: readonly (number | string)[], readonly roots: number) {
    if (ints.length % SYMBOL_INTS !== 0) throw new RangeError(`packed outline: ${ints.length} integers is not ${SYMBOL_INTS} per symbol`);
    this.count = ints.length / SYMBOL_INTS;
    let end = 0;
    for (let at = NAME_END; at < ints.length; at += SYMBOL_INTS) {
      if (ints[at]! < end) throw new RangeError(`packed outline: symbol ${(at - NAME_END) / SYMBOL_INTS}'s name ends before it starts`);
      end = ints[at]!;
    }
    if (end !== nameUnits.length) throw new RangeError(`packed outline: names end at ${end} of ${nameUnits.length} code units`);
  }

  static of(symbols: readonly SyntaxSymbol[]): PackedOutline {
    const count = countSymbols(symbols);
    const ints = new Uint32Array(count * SYMBOL_INTS);
    let units = new Uint16Array(count * 16);
    let unitsEnd = 0;
    const details: (number | string)[] = [];
    let k = 0;
    const write = (list: readonly SyntaxSymbol[]): void => {
      for (const s of list) {
        const at = k * SYMBOL_INTS;
        if (unitsEnd + s.name.length > units.length) {
          const grown = new Uint16Array(Math.max(unitsEnd + s.name.length, units.length * 2));
          grown.set(units.subarray(0, unitsEnd));
          units = grown;
        }
        unitsEnd = writeUnits(s.name, units, unitsEnd);
        ints[at + NAME_END] = unitsEnd;
        if (s.detail !== undefined) details.push(k, s.detail);
        k++;
        if (!Number.isInteger(s.kind) || s.kind < 0 || s.kind > 255) throw new RangeError(`symbol ${s.name} has kind ${s.kind}`);
        ints[at] = s.kind;
        for (let j = 0; j < 4; j++) {
          ints[at + 1 + j] = checked(s.span[j]!, s.name);
          ints[at + 5 + j] = checked(s.nameSpan[j]!, s.name);
        }
        ints[at + CHILDREN] = s.children ? s.children.length : NO_CHILDREN;
        if (s.children) write(s.children);
      }
    };
    write(symbols);
    // Exact size: the buffer is what travels to the main thread, and what a caller may keep.
    return new PackedOutline(ints, units.slice(0, unitsEnd), details, symbols.length);
  }

  /** Where symbol `i`'s name starts in `nameUnits`. */
  nameStart(i: number): number {
    return i === 0 ? 0 : this.ints[(i - 1) * SYMBOL_INTS + NAME_END]!;
  }

  /** Where symbol `i`'s name ends in `nameUnits`. */
  nameEnd(i: number): number {
    return this.ints[i * SYMBOL_INTS + NAME_END]!;
  }

  /** Symbol `i`'s name as a string. */
  name(i: number): string {
    return stringOfUnits(this.nameUnits, this.nameStart(i), this.nameEnd(i));
  }

  kind(i: number): SymbolKind {
    return this.ints[i * SYMBOL_INTS]! as SymbolKind;
  }

  /** Number of children of symbol `i` (NO_CHILDREN: no `children` list). */
  children(i: number): number {
    return this.ints[i * SYMBOL_INTS + CHILDREN]!;
  }

  /** The outline as the symbol index keeps it (SymbolIndex.symbolsOf): no details, no empty `children` lists. */
  asIndexed(): PackedOutline {
    const ints = this.ints.slice();
    for (let at = CHILDREN; at < ints.length; at += SYMBOL_INTS) if (ints[at] === 0) ints[at] = NO_CHILDREN;
    return new PackedOutline(ints, this.nameUnits, [], this.roots);
  }

  /** Copies symbol `i`'s span then its name span (8 integers) into `into` at `offset`. */
  copySpans(i: number, into: { [k: number]: number }, offset: number): void {
    const at = i * SYMBOL_INTS + 1;
    for (let j = 0; j < 8; j++) into[offset + j] = this.ints[at + j]!;
  }

  /** The enclosing symbol of each symbol (its depth-first number; −1 at top level). */
  parents(): Int32Array {
    const out = new Int32Array(this.count);
    // Open lists: (owner, children still to come), innermost last.
    const owners: number[] = [];
    const left: number[] = [];
    let roots = this.roots;
    for (let i = 0; i < this.count; i++) {
      while (left.length > 0 && left[left.length - 1] === 0) {
        owners.pop();
        left.pop();
      }
      if (left.length > 0) {
        out[i] = owners[owners.length - 1]!;
        left[left.length - 1]!--;
      } else {
        if (roots-- <= 0) throw new RangeError('packed outline: more symbols than its tree holds');
        out[i] = -1;
      }
      const children = this.children(i);
      if (children > 0 && children !== NO_CHILDREN) {
        owners.push(i);
        left.push(children);
      }
    }
    return out;
  }

  /** The hierarchical outline as objects (keys in outline.ts's order). */
  symbols(): SyntaxSymbol[] {
    const { ints, details } = this;
    let k = 0;
    let d = 0;
    const read = (n: number): SyntaxSymbol[] => {
      const list = new Array<SyntaxSymbol>(n);
      for (let j = 0; j < n; j++) {
        const at = k * SYMBOL_INTS;
        // Keys in outline.ts's order: name, kind, span, nameSpan, then detail and children if any.
        const s: SyntaxSymbol = {
          name: this.name(k), kind: ints[at]! as SymbolKind,
          span: [ints[at + 1]!, ints[at + 2]!, ints[at + 3]!, ints[at + 4]!] as Span,
          nameSpan: [ints[at + 5]!, ints[at + 6]!, ints[at + 7]!, ints[at + 8]!] as Span,
        };
        const children = ints[at + CHILDREN]!;
        if (d < details.length && details[d] === k) {
          s.detail = details[d + 1] as string;
          d += 2;
        }
        k++;
        if (children !== NO_CHILDREN) s.children = read(children);
        list[j] = s;
      }
      return list;
    };
    return read(this.roots);
  }
}
