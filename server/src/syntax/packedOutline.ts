/**
 * A file's outline as flat columns: what the analysis makes, what a parser worker sends back and what
 * the index stores, without one object per symbol.
 *
 * Symbols in depth-first order (parents first, as the symbol index stores them), each SYMBOL_INTS
 * integers in one Uint32Array (kind, spans, child count or NO_CHILDREN, name end), the names' UTF-16
 * units back to back in one Uint16Array (utf16Units.ts), details as (number, detail) pairs. One writer
 * fills them (`PackedOutlineWriter`): the analysis nests into it, `of` packs objects. SymbolIndex and
 * snapshot records are written from it; `symbols()` builds objects only when something reads
 * `analysis.symbols`, because an object per symbol costs the worker and the main thread time taken
 * from parsing (docs/decisions.md).
 * Guarantees: `PackedOutline.of(s).symbols()` deep-equals `s`, keys in the same order (property
 * test); the writer throws RangeError for a span outside [0, 2³²) or a kind outside [0, 255] rather
 * than store it changed. Concurrency: immutable once written; its buffers may be transferred.
 */
import { buildWhenRead } from './lazyProperty.js';
import type { FileAnalysis, Span, SymbolKind, SyntaxSymbol } from './types.js';
import { stringOfUnits, writeUnits } from './utf16Units.js';

/** Integers per symbol: kind, span (4), name span (4), children (NO_CHILDREN: none), end of its name's units. */
const SYMBOL_INTS = 11;
/** Columns of a symbol's integers. */
const CHILDREN = 9;
const NAME_END = 10;
/** The children column of a symbol without a `children` list. */
export const NO_CHILDREN = 0xffffffff;

/** Whether `v` is an integer in [0, 2³²): what a Uint32 column holds as it is. */
function isU32(v: number): boolean {
  return v >>> 0 === v;
}

function spanError(name: string, v: number): RangeError {
  return new RangeError(`symbol ${name} has a span value ${v} outside [0, 2³²)`);
}

export class PackedOutline {
  /** Number of symbols, nested ones included. */
  readonly count: number;

  /**
   * `ints`: SYMBOL_INTS per symbol, depth first; `nameUnits`: the names' code units, symbol `i`'s
   * from the previous symbol's name end to its own; `details`: (number, detail) pairs in depth-first
   * order; `roots`: the number of top-level symbols.
   */
  constructor(
    readonly ints: Uint32Array,
    readonly nameUnits: Uint16Array,
    readonly details: readonly (number | string)[],
    readonly roots: number,
  ) {
    if (ints.length % SYMBOL_INTS !== 0)
      throw new RangeError(`packed outline: ${ints.length} integers is not ${SYMBOL_INTS} per symbol`);
    this.count = ints.length / SYMBOL_INTS;
    let end = 0;
    for (let at = NAME_END; at < ints.length; at += SYMBOL_INTS) {
      if (ints[at]! < end)
        throw new RangeError(`packed outline: symbol ${(at - NAME_END) / SYMBOL_INTS}'s name ends before it starts`);
      end = ints[at]!;
    }
    if (end !== nameUnits.length)
      throw new RangeError(`packed outline: names end at ${end} of ${nameUnits.length} code units`);
  }

  /** An outline given as objects, packed. */
  static of(symbols: readonly SyntaxSymbol[]): PackedOutline {
    const size = { count: 0, units: 0 };
    const measure = (list: readonly SyntaxSymbol[]): void => {
      for (const s of list) {
        size.count++;
        size.units += s.name.length;
        if (s.children) measure(s.children);
      }
    };
    measure(symbols);
    const out = new PackedOutlineWriter(size.count, size.units);
    const write = (list: readonly SyntaxSymbol[], parent: number): void => {
      for (const s of list) {
        const i = out.push(s.name, s.kind, s.span, s.nameSpan, s.detail, parent);
        if (s.children) {
          out.openChildren(i);
          write(s.children, i);
        }
      }
    };
    write(symbols, -1);
    return out.finish();
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

/**
 * Writes a PackedOutline symbol by symbol, in depth-first order, into arrays sized beforehand: the
 * one way an outline is packed, whether from the analysis's definitions (analysis/outline.ts) or
 * from objects (`PackedOutline.of`). Exact sizes because the arrays are what travels to the main
 * thread and what the index may keep, and names can be most of it (a JSON file's keys are whole
 * sentences): no growing copy, no trimmed copy.
 * Refuses (RangeError) what the columns cannot hold as it is, more symbols or name units than sized,
 * and a parent that is not an enclosing symbol still open (which depth-first order requires).
 */
export class PackedOutlineWriter {
  readonly #ints: Uint32Array;
  readonly #units: Uint16Array;
  readonly #details: (number | string)[] = [];
  /** Symbols written. */
  #count = 0;
  #unitsEnd = 0;
  #roots = 0;
  /** The symbols whose children may still come, innermost last. */
  readonly #open: number[] = [];

  constructor(count: number, nameUnits: number) {
    this.#ints = new Uint32Array(count * SYMBOL_INTS);
    this.#units = new Uint16Array(nameUnits);
  }

  /**
   * Appends the next symbol; `parent` is the number of the symbol that encloses it (−1: top level).
   * Returns this symbol's number.
   */
  push(name: string, kind: number, span: Span, nameSpan: Span, detail: string | undefined, parent: number): number {
    const ints = this.#ints;
    const i = this.#count;
    const at = i * SYMBOL_INTS;
    if (at >= ints.length) throw new RangeError(`packed outline: more than the ${i} symbols it was sized for`);
    if (this.#unitsEnd + name.length > this.#units.length)
      throw new RangeError(`packed outline: names longer than the ${this.#units.length} code units it was sized for`);
    if (!isU32(kind) || kind > 255) throw new RangeError(`symbol ${name} has kind ${kind}`);
    for (let j = 0; j < 4; j++) {
      if (!isU32(span[j]!)) throw spanError(name, span[j]!);
      if (!isU32(nameSpan[j]!)) throw spanError(name, nameSpan[j]!);
    }
    const open = this.#open;
    while (open.length > 0 && open[open.length - 1] !== parent) open.pop();
    if (parent >= 0) {
      if (open.length === 0)
        throw new RangeError(`packed outline: symbol ${name}'s parent ${parent} is not an open enclosing symbol`);
      const c = parent * SYMBOL_INTS + CHILDREN;
      ints[c] = ints[c] === NO_CHILDREN ? 1 : ints[c]! + 1;
    } else {
      this.#roots++;
    }
    open.push(i);
    this.#unitsEnd = writeUnits(name, this.#units, this.#unitsEnd);
    ints[at] = kind;
    for (let j = 0; j < 4; j++) {
      ints[at + 1 + j] = span[j]!;
      ints[at + 5 + j] = nameSpan[j]!;
    }
    ints[at + CHILDREN] = NO_CHILDREN;
    ints[at + NAME_END] = this.#unitsEnd;
    if (detail !== undefined) this.#details.push(i, detail);
    this.#count++;
    return i;
  }

  /** Gives symbol `i` a `children` list even if none follow (objects may hold an empty one). */
  openChildren(i: number): void {
    const c = i * SYMBOL_INTS + CHILDREN;
    if (this.#ints[c] === NO_CHILDREN) this.#ints[c] = 0;
  }

  finish(): PackedOutline {
    if (this.#count * SYMBOL_INTS !== this.#ints.length || this.#unitsEnd !== this.#units.length) {
      throw new RangeError(`packed outline: ${this.#count} symbols and ${this.#unitsEnd} name units written of `
        + `${this.#ints.length / SYMBOL_INTS} and ${this.#units.length} sized`);
    }
    return new PackedOutline(this.#ints, this.#units, this.#details, this.#roots);
  }
}

/** Outlines of analyses whose `symbols` were not asked for as objects (yet). */
const packedOutlines = new WeakMap<FileAnalysis, PackedOutline>();

/**
 * Makes `outline` the outline of `analysis`, kept packed: `analysis.symbols` is built from it when
 * first read (an outline request, find-references' declarations), so an analysis that only goes
 * to the index or across threads never has an object per symbol.
 */
export function keepOutlinePacked(analysis: FileAnalysis, outline: PackedOutline): void {
  packedOutlines.set(analysis, outline);
  buildWhenRead(analysis, 'symbols', () => outline.symbols(), () => packedOutlines.delete(analysis));
}

/** The outline of `analysis` still packed (undefined once `symbols` has been read or set, or if it never was). */
export function packedOutlineOf(analysis: FileAnalysis): PackedOutline | undefined {
  return packedOutlines.get(analysis);
}
