/**
 * How a parse outcome travels from a parser worker to the pool (parseWorker.ts → parserPool.ts).
 *
 * What is large goes as transferred buffers: the PackedOutline as the analysis made it and the
 * occurrences' two arrays. The rest goes by structured clone. Why: structured clone rebuilds every
 * object key by key, which costs the main thread more than its share of the work (docs/decisions.md).
 * On the main thread the outline stays packed: `analysis.symbols` is built when first read, and the
 * index copies the packed outline into its columns (fileIndexer.ts).
 * Guarantee: `unpackOutcome(packOutcome(o))` deep-equals `o`, keys in the same order (property test).
 * Concurrency: `packOutcome` transfers its buffers, so the outcome is spent once posted.
 */
import { keepOutlinePacked, PackedOutline, packedOutlineOf } from './packedOutline.js';
import type { ParseOutcome } from './parseJob.js';
import type { FileAnalysis } from './types.js';
import type { PackedOccurrences } from './occurrences.js';

/** What a worker posts: an outcome whose outline and occurrences are placeholders, and their packed form. */
export interface PackedOutcome {
  outcome: ParseOutcome;
  packed?: {
    /** A PackedOutline, as structured clone leaves it (its fields). */
    outline: { ints: Uint32Array; nameUnits: Uint16Array; details: (number | string)[]; roots: number };
    occurrences: PackedOccurrences;
  };
}

/** What an analysis carries in place of its occurrences while they travel beside it. */
const PLACEHOLDER_OCCURRENCES: PackedOccurrences = { names: [], ends: new Uint32Array(0), data: new Uint8Array(0) };

/**
 * The message for `outcome` and the buffers to transfer with it. The outline in the message is the
 * analysis's own packed outline, not a copy: once posted with `transfer`, its buffers (and the
 * occurrences') belong to the receiver, so the outcome is spent in this thread.
 */
export function packOutcome(outcome: ParseOutcome): { message: PackedOutcome; transfer: ArrayBuffer[] } {
  const analysis = outcome.analysis;
  if (!analysis) return { message: { outcome }, transfer: [] };
  const outline = packedOutlineOf(analysis) ?? PackedOutline.of(analysis.symbols);
  const occurrences = analysis.occurrences;
  // The same keys in the same order, the packed ones placeholders until unpacked. Copied key by key,
  // not spread: a spread would read `symbols` and so build the objects of an outline kept packed.
  const placeholders: Partial<FileAnalysis> = { symbols: [], occurrences: PLACEHOLDER_OCCURRENCES };
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
        occurrences,
      },
    },
    transfer: [
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
  analysis.occurrences = packed.occurrences;
  return outcome;
}
