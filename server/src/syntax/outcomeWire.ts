/**
 * How a parse outcome travels from a parser worker to the pool (parseWorker.ts → parserPool.ts).
 *
 * What is large goes as transferred buffers: the PackedOutline as the analysis made it, the folds as
 * one Int32Array (FOLD_INTS per fold), the occurrences' two arrays. The rest goes by structured
 * clone. Why: structured clone rebuilds every object key by key, which costs the main thread more
 * than its share of the work (docs/decisions.md).
 * On the main thread the outline and folds stay packed: `analysis.symbols` and `analysis.folds` are
 * built when first read, and the index copies the packed outline into its columns (fileIndexer.ts),
 * so it never builds the folds of a file it indexes.
 * Guarantee: `unpackOutcome(packOutcome(o))` deep-equals `o`, keys in the same order (property test).
 * Concurrency: `packOutcome` transfers its buffers, so the outcome is spent once posted.
 */
import { buildWhenRead } from './lazyProperty.js';
import { keepOutlinePacked, PackedOutline, packedOutlineOf } from './packedOutline.js';
import type { ParseOutcome } from './parseJob.js';
import type { FileAnalysis, FoldSpan } from './types.js';
import type { PackedOccurrences } from './occurrences.js';

/** What a worker posts: an outcome whose outline, folds and occurrences are placeholders, and their packed form. */
export interface PackedOutcome {
  outcome: ParseOutcome;
  packed?: {
    /** A PackedOutline, as structured clone leaves it (its fields). */
    outline: { ints: Uint32Array; nameUnits: Uint16Array; details: (number | string)[]; roots: number };
    /** FOLD_INTS per fold. */
    folds: Int32Array;
    occurrences: PackedOccurrences;
  };
}

const FOLD_INTS = 3;
/** Fold kinds by code; 0 = no kind. */
const FOLD_KINDS: readonly (FoldSpan['kind'])[] = [undefined, 'comment', 'imports', 'region'];

/** What an analysis carries in place of its occurrences while they travel beside it. */
const PLACEHOLDER_OCCURRENCES: PackedOccurrences = { names: [], ends: new Uint32Array(0), data: new Uint8Array(0) };

/**
 * The message for `outcome` and the buffers to transfer with it. The outline in the message is the
 * analysis's own packed outline, not a copy: once posted with `transfer`, its buffers (and the
 * folds' and occurrences') belong to the receiver, so the outcome is spent in this thread.
 */
export function packOutcome(outcome: ParseOutcome): { message: PackedOutcome; transfer: ArrayBuffer[] } {
  const analysis = outcome.analysis;
  if (!analysis) return { message: { outcome }, transfer: [] };
  const outline = packedOutlineOf(analysis) ?? PackedOutline.of(analysis.symbols);
  const folds = new Int32Array(analysis.folds.length * FOLD_INTS);
  let at = 0;
  for (const f of analysis.folds) {
    const code = FOLD_KINDS.indexOf(f.kind);
    if (code < 0) throw new Error(`strata: unknown fold kind ${String(f.kind)}`);
    folds[at] = f.startLine;
    folds[at + 1] = f.endLine;
    folds[at + 2] = code;
    at += FOLD_INTS;
  }
  const occurrences = analysis.occurrences;
  // The same keys in the same order, the packed ones placeholders until unpacked. Copied key by key,
  // not spread: a spread would read `symbols` and so build the objects of an outline kept packed.
  const placeholders: Partial<FileAnalysis> = { symbols: [], folds: [], occurrences: PLACEHOLDER_OCCURRENCES };
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(analysis) as (keyof FileAnalysis)[])
    fields[key] = key in placeholders ? placeholders[key] : analysis[key];
  const rest: ParseOutcome = { ...outcome, analysis: fields as unknown as FileAnalysis };
  return {
    message: {
      outcome: rest,
      packed: {
        outline: {
          ints: outline.ints,
          nameUnits: outline.nameUnits,
          details: outline.details as (number | string)[],
          roots: outline.roots,
        },
        folds,
        occurrences,
      },
    },
    transfer: [
      folds.buffer as ArrayBuffer,
      ...[outline.ints, outline.nameUnits, occurrences.ends, occurrences.data].filter(isWholeBuffer)
        .map((a) => a.buffer as ArrayBuffer),
    ],
  };
}

/**
 * Whether `a` is its whole buffer: only then is the buffer handed over. A view of a larger one (a
 * run read from a segment, say) is copied, so the rest of that buffer stays with its owner.
 */
function isWholeBuffer(a: ArrayBufferView): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

/** The outcome a worker packed (the message is consumed: its analysis is filled in). */
export function unpackOutcome(message: PackedOutcome): ParseOutcome {
  const { outcome, packed } = message;
  const analysis = outcome.analysis;
  if (!packed || !analysis) return outcome;
  keepOutlinePacked(analysis, new PackedOutline(
    packed.outline.ints, packed.outline.nameUnits, packed.outline.details, packed.outline.roots,
  ));
  const ints = packed.folds;
  buildWhenRead(analysis, 'folds', () => {
    const n = ints.length / FOLD_INTS;
    const folds = new Array<FoldSpan>(n);
    for (let j = 0, at = 0; j < n; j++, at += FOLD_INTS) {
      const kind = FOLD_KINDS[ints[at + 2]!];
      folds[j] = kind
        ? { startLine: ints[at]!, endLine: ints[at + 1]!, kind }
        : { startLine: ints[at]!, endLine: ints[at + 1]! };
    }
    return folds;
  });
  analysis.occurrences = packed.occurrences;
  return outcome;
}
