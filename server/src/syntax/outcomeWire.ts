/**
 * How a parse outcome travels from a parser worker to the pool (parseWorker.ts → parserPool.ts).
 *
 * Design: the outline and the folding ranges — tens of thousands of small objects in a large file —
 * go as numbers in one Int32Array that is transferred, not copied: per symbol its kind, span,
 * name span and number of children (−1: no `children`), in depth-first order; per fold its lines
 * and kind. Names and details go as string arrays; everything else (identifiers, diagnostics,
 * references, incomplete, the outcome's own fields) goes as it is, by structured clone. Why:
 * structured clone writes and re-reads every property name of every object and builds each object
 * key by key; for 12.6 MB of source (82 000 symbols) it cost the workers ~50 ms and the main thread
 * ~80 ms per pass, against ~25 ms and ~20 ms packed (measured on the bench's pool corpus) — and the
 * main thread's time is taken from the two workers on 2 cores.
 * Guarantee: `unpackOutcome(packOutcome(o))` deep-equals `o`, keys in the same order (property
 * test: test/syntax/trees/outcomeWire.test.ts). An outcome without an analysis goes as it is.
 */
import { countSymbols } from './analysis/outline.js';
import type { ParseOutcome } from './parseJob.js';
import type { FoldSpan, SyntaxSymbol } from './types.js';

/** What a worker posts: an outcome whose `symbols` and `folds` are empty, and their packed form. */
export interface PackedOutcome {
  outcome: ParseOutcome;
  packed?: {
    /** Symbols (SYMBOL_INTS each, depth first), then folds (FOLD_INTS each). */
    ints: Int32Array;
    /** The symbols' names, depth first. */
    names: string[];
    /** Pairs of (depth-first symbol number, detail) for the symbols that have one. */
    details: (number | string)[];
    /** Number of top-level symbols. */
    roots: number;
    folds: number;
  };
}

const SYMBOL_INTS = 10;
const FOLD_INTS = 3;
/** Fold kinds by code; 0 = no kind. */
const FOLD_KINDS: readonly (FoldSpan['kind'])[] = [undefined, 'comment', 'imports', 'region'];

/** The message for `outcome` and the buffers to transfer with it. */
export function packOutcome(outcome: ParseOutcome): { message: PackedOutcome; transfer: ArrayBuffer[] } {
  const analysis = outcome.analysis;
  if (!analysis) return { message: { outcome }, transfer: [] };
  const { symbols, folds } = analysis;
  const count = countSymbols(symbols);
  const ints = new Int32Array(count * SYMBOL_INTS + folds.length * FOLD_INTS);
  const names = new Array<string>(count);
  const details: (number | string)[] = [];
  let at = 0;
  let k = 0;
  const write = (list: readonly SyntaxSymbol[]): void => {
    for (const s of list) {
      names[k] = s.name;
      if (s.detail !== undefined) details.push(k, s.detail);
      k++;
      const { span, nameSpan } = s;
      ints[at] = s.kind;
      ints[at + 1] = span[0]; ints[at + 2] = span[1]; ints[at + 3] = span[2]; ints[at + 4] = span[3];
      ints[at + 5] = nameSpan[0]; ints[at + 6] = nameSpan[1]; ints[at + 7] = nameSpan[2]; ints[at + 8] = nameSpan[3];
      ints[at + 9] = s.children ? s.children.length : -1;
      at += SYMBOL_INTS;
      if (s.children) write(s.children);
    }
  };
  write(symbols);
  for (const f of folds) {
    const code = FOLD_KINDS.indexOf(f.kind);
    if (code < 0) throw new Error(`strata: unknown fold kind ${String(f.kind)}`);
    ints[at] = f.startLine;
    ints[at + 1] = f.endLine;
    ints[at + 2] = code;
    at += FOLD_INTS;
  }
  // The same keys in the same order, the packed ones empty until unpacked.
  const rest: ParseOutcome = { ...outcome, analysis: { ...analysis, symbols: [], folds: [] } };
  return {
    message: { outcome: rest, packed: { ints, names, details, roots: symbols.length, folds: folds.length } },
    transfer: [ints.buffer as ArrayBuffer],
  };
}

/** The outcome a worker packed (the message is consumed: its analysis is filled in). */
export function unpackOutcome(message: PackedOutcome): ParseOutcome {
  const { outcome, packed } = message;
  if (!packed || !outcome.analysis) return outcome;
  const { ints, names, details } = packed;
  let at = 0;
  let k = 0;
  let d = 0;
  const read = (n: number): SyntaxSymbol[] => {
    const list = new Array<SyntaxSymbol>(n);
    for (let j = 0; j < n; j++) {
      // Keys in outline.ts's order: name, kind, span, nameSpan, then detail and children if any.
      const s: SyntaxSymbol = {
        name: names[k]!, kind: ints[at]!,
        span: [ints[at + 1]!, ints[at + 2]!, ints[at + 3]!, ints[at + 4]!],
        nameSpan: [ints[at + 5]!, ints[at + 6]!, ints[at + 7]!, ints[at + 8]!],
      };
      const children = ints[at + 9]!;
      at += SYMBOL_INTS;
      if (d < details.length && details[d] === k) {
        s.detail = details[d + 1] as string;
        d += 2;
      }
      k++;
      if (children >= 0) s.children = read(children);
      list[j] = s;
    }
    return list;
  };
  outcome.analysis.symbols = read(packed.roots);
  const folds = new Array<FoldSpan>(packed.folds);
  for (let j = 0; j < packed.folds; j++) {
    const kind = FOLD_KINDS[ints[at + 2]!];
    folds[j] = kind ? { startLine: ints[at]!, endLine: ints[at + 1]!, kind } : { startLine: ints[at]!, endLine: ints[at + 1]! };
    at += FOLD_INTS;
  }
  outcome.analysis.folds = folds;
  return outcome;
}
