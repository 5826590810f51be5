/**
 * Text edits → tree-sitter edits and journal records.
 *
 * An `EditableText` is a document's current text plus its incrementally maintained `LineIndex`. An
 * edit arrives as UTF-16 offsets `{start, end, newText}` (what LSP ranges become). `apply` computes
 * both forms the rest of Strata needs, then changes the text:
 * - the tree-sitter `Edit` (indices and Point columns in UTF-16 code units, rows split at '\n' as
 *   tree-sitter counts them: the index's lines when the text has no lone '\r', counted otherwise),
 * - the cache journal record `{start, end, text, aux}` in UTF-8 bytes, where `aux` carries the
 *   tree-sitter Edit numbers (layout `AUX_*` below) so a tree can be replayed from the journal alone.
 * Guarantees: an impossible edit (offsets out of range, not integers, start > end, splitting a
 * surrogate pair, or inserting ill-formed UTF-16) throws `EditRangeError` and changes nothing;
 * otherwise the byte record applied to the UTF-8 text gives the UTF-8 of the new text.
 */
import { Edit } from 'web-tree-sitter';
import { LineIndex, treeSitterPoint, utf8Length, type LinePoint } from './lineIndex.js';

/** An edit in UTF-16 offsets of the current text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** The cache journal's byte-based record (structurally the same as the cache's own type). */
export interface JournalEdit {
  /** UTF-8 byte offsets in the text before this edit. */
  start: number;
  end: number;
  /** The inserted text, UTF-8. */
  text: Uint8Array;
  /** The tree-sitter Edit numbers, see AUX_*; absent when the edit was recorded without them. */
  aux?: Int32Array;
}

/** Layout of `JournalEdit.aux`, every field named even where no reader needs it yet. @public */
export const AUX_START_INDEX = 0, AUX_OLD_END_INDEX = 1, AUX_NEW_END_INDEX = 2,
  AUX_START_ROW = 3, AUX_START_COL = 4, AUX_OLD_END_ROW = 5, AUX_OLD_END_COL = 6,
  AUX_NEW_END_ROW = 7, AUX_NEW_END_COL = 8, AUX_LENGTH = 9;

export class EditRangeError extends Error {
  constructor(message: string) {
    super(`strata: invalid edit: ${message}`);
    this.name = 'EditRangeError';
  }
}

export interface AppliedEdit {
  treeEdit: Edit;
  journal: JournalEdit;
}

const encoder = new TextEncoder();
// With the u flag a pair is one code point, so this matches only unpaired surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Where an inserted text ends, given where it starts. */
export function endPointAfter(startPoint: LinePoint, inserted: string): LinePoint {
  const lastNl = inserted.lastIndexOf('\n');
  if (lastNl === -1) return { row: startPoint.row, column: startPoint.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: startPoint.row + rows, column: inserted.length - lastNl - 1 };
}

function treeEditToAux(e: Edit): Int32Array {
  return Int32Array.of(
    e.startIndex, e.oldEndIndex, e.newEndIndex,
    e.startPosition.row, e.startPosition.column,
    e.oldEndPosition.row, e.oldEndPosition.column,
    e.newEndPosition.row, e.newEndPosition.column,
  );
}

export function auxToTreeEdit(a: Int32Array): Edit {
  return new Edit({
    startIndex: a[AUX_START_INDEX]!, oldEndIndex: a[AUX_OLD_END_INDEX]!, newEndIndex: a[AUX_NEW_END_INDEX]!,
    startPosition: { row: a[AUX_START_ROW]!, column: a[AUX_START_COL]! },
    oldEndPosition: { row: a[AUX_OLD_END_ROW]!, column: a[AUX_OLD_END_COL]! },
    newEndPosition: { row: a[AUX_NEW_END_ROW]!, column: a[AUX_NEW_END_COL]! },
  });
}

export class EditableText {
  #text: string;
  readonly #index: LineIndex;

  constructor(text: string) {
    this.#text = text;
    this.#index = LineIndex.build(text);
  }

  get text(): string {
    return this.#text;
  }
  get index(): LineIndex {
    return this.#index;
  }

  /** Throws EditRangeError, without changing anything, when `edit` is impossible for the text. */
  validate(edit: TextEdit): void {
    const { start, end, newText } = edit;
    const len = this.#text.length;
    if (!Number.isInteger(start) || !Number.isInteger(end))
      throw new EditRangeError(`offsets must be integers (${start}, ${end})`);
    if (start < 0 || end > len || start > end)
      throw new EditRangeError(`range [${start}, ${end}) outside text of length ${len}`);
    if (typeof newText !== 'string') throw new EditRangeError('newText must be a string');
    const t = this.#text;
    for (const at of start === end ? [start] : [start, end]) {
      if (at > 0 && at < len && isHigh(t.charCodeAt(at - 1)) && isLow(t.charCodeAt(at))) {
        throw new EditRangeError(`offset ${at} splits a surrogate pair`);
      }
    }
    if (LONE_SURROGATE.test(newText)) throw new EditRangeError('newText is not well-formed UTF-16 (lone surrogate)');
  }

  /** Validates, applies `edit`, and returns its tree-sitter and journal forms. */
  apply(edit: TextEdit): AppliedEdit {
    this.validate(edit);
    const { start, end, newText } = edit;
    const idx = this.#index;
    const startLine = idx.lineOf(start);
    const endLine = idx.lineOf(end);
    // tree-sitter's rows end only at '\n'; the index's lines are those rows unless a lone '\r' ends one.
    const rowsDiffer = idx.hasLoneCarriageReturn;
    const startPoint = rowsDiffer ? treeSitterPoint(this.#text, start) : idx.point(start, startLine);
    const oldEndPoint = rowsDiffer ? treeSitterPoint(this.#text, end) : idx.point(end, endLine);
    const startByte = idx.byteOffset(this.#text, start, startLine);
    const endByte = endLine === startLine
      ? startByte + utf8Length(this.#text, start, end)
      : idx.byteOffset(this.#text, end, endLine);
    const bytes = encoder.encode(newText);
    const treeEdit = new Edit({
      startIndex: start,
      oldEndIndex: end,
      newEndIndex: start + newText.length,
      startPosition: startPoint,
      oldEndPosition: oldEndPoint,
      newEndPosition: endPointAfter(startPoint, newText),
    });
    const text = this.#text.slice(0, start) + newText + this.#text.slice(end);
    idx.applyEdit(this.#text, text, start, end, startByte, endByte, bytes.length);
    this.#text = text;
    return { treeEdit, journal: { start: startByte, end: endByte, text: bytes, aux: treeEditToAux(treeEdit) } };
  }
}
