/**
 * An incrementally maintained index of line starts, in UTF-16 code units and in UTF-8 bytes.
 *
 * Design: lines are split at '\n' only, because tree-sitter counts rows that way (a '\r' stays part
 * of the line and counts as a column). Two parallel Int32Arrays hold, for each line, its start as a
 * UTF-16 offset and as a UTF-8 byte offset. An edit replaces the lines it touches with the lines of
 * the inserted text and shifts the starts of the lines after it by the edit's two deltas: O(lines
 * after the edit) integer adds, no rescan of the text. Converting an offset is a binary search plus
 * the UTF-8 length of the text between the line start and the offset (O(column)).
 * Guarantees: after `applyEdit`, the index equals `LineIndex.build(newText)` (tested), provided the
 * edit does not split a surrogate pair (textEdits.ts rejects those before calling).
 * UTF-8 lengths follow TextEncoder: a lone surrogate counts 3 bytes (it is encoded as U+FFFD).
 */

/** UTF-8 byte length of text[from, to), counting like TextEncoder. */
export function utf8Length(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export interface LinePoint {
  row: number;
  column: number;
}

export class LineIndex {
  #starts: Int32Array; // UTF-16 offset of each line's first code unit
  #byteStarts: Int32Array; // UTF-8 offset of the same
  #count: number;
  #length: number; // text length in UTF-16 units
  #byteLength: number;

  private constructor(starts: Int32Array, byteStarts: Int32Array, count: number, length: number, byteLength: number) {
    this.#starts = starts;
    this.#byteStarts = byteStarts;
    this.#count = count;
    this.#length = length;
    this.#byteLength = byteLength;
  }

  static build(text: string): LineIndex {
    const idx = new LineIndex(new Int32Array(16), new Int32Array(16), 1, 0, 0);
    idx.#starts[0] = 0;
    idx.#byteStarts[0] = 0;
    const bytes = idx.#appendLines(text, 0, 0, 0);
    idx.#length = text.length;
    idx.#byteLength = bytes;
    return idx;
  }

  get lineCount(): number {
    return this.#count;
  }
  get length(): number {
    return this.#length;
  }
  get byteLength(): number {
    return this.#byteLength;
  }

  /** The line containing UTF-16 offset `offset` (0 ≤ offset ≤ length). */
  lineOf(offset: number): number {
    const s = this.#starts;
    let lo = 0;
    let hi = this.#count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(line: number): number {
    return this.#starts[line]!;
  }
  lineByteStart(line: number): number {
    return this.#byteStarts[line]!;
  }

  /** tree-sitter Point (row, UTF-16 column) of an offset. */
  point(offset: number, line = this.lineOf(offset)): LinePoint {
    return { row: line, column: offset - this.#starts[line]! };
  }

  /** UTF-8 byte offset of UTF-16 offset `offset` in `text` (the text this index describes). */
  byteOffset(text: string, offset: number, line = this.lineOf(offset)): number {
    return this.#byteStarts[line]! + utf8Length(text, this.#starts[line]!, offset);
  }

  /**
   * Updates the index for replacing oldText[start, end) by `inserted`; `startByte`/`endByte` are
   * the byte offsets of start/end in the old text, `insertedBytes` the UTF-8 length of `inserted`.
   */
  applyEdit(start: number, end: number, startByte: number, endByte: number, inserted: string, insertedBytes: number): void {
    const startLine = this.lineOf(start);
    const endLine = this.lineOf(end);
    const delta = inserted.length - (end - start);
    const byteDelta = insertedBytes - (endByte - startByte);
    // Keep lines [0, startLine], then the lines the inserted text creates, then lines after endLine.
    const tailFrom = endLine + 1;
    const tailCount = this.#count - tailFrom;
    const tailStarts = this.#starts.slice(tailFrom, this.#count);
    const tailBytes = this.#byteStarts.slice(tailFrom, this.#count);
    this.#count = startLine + 1;
    this.#appendLines(inserted, 0, start, startByte);
    this.#ensure(this.#count + tailCount);
    for (let i = 0; i < tailCount; i++) {
      this.#starts[this.#count + i] = tailStarts[i]! + delta;
      this.#byteStarts[this.#count + i] = tailBytes[i]! + byteDelta;
    }
    this.#count += tailCount;
    this.#length += delta;
    this.#byteLength += byteDelta;
  }

  /**
   * Records a line start after every '\n' of `text`, where text[0] sits at (offset, byte) of the
   * document. Returns the UTF-8 length of `text`.
   */
  #appendLines(text: string, from: number, offset: number, byte: number): number {
    let segStart = from;
    let bytes = 0;
    for (let nl = text.indexOf('\n', from); nl !== -1; nl = text.indexOf('\n', nl + 1)) {
      bytes += utf8Length(text, segStart, nl + 1);
      segStart = nl + 1;
      this.#ensure(this.#count + 1);
      this.#starts[this.#count] = offset + nl + 1 - from;
      this.#byteStarts[this.#count] = byte + bytes;
      this.#count++;
    }
    return bytes + utf8Length(text, segStart, text.length);
  }

  #ensure(n: number): void {
    if (n <= this.#starts.length) return;
    let cap = this.#starts.length * 2;
    while (cap < n) cap *= 2;
    const s = new Int32Array(cap);
    s.set(this.#starts.subarray(0, this.#count));
    const b = new Int32Array(cap);
    b.set(this.#byteStarts.subarray(0, this.#count));
    this.#starts = s;
    this.#byteStarts = b;
  }

  /** For tests: the line starts as plain arrays. */
  snapshot(): { starts: number[]; byteStarts: number[]; length: number; byteLength: number } {
    return {
      starts: Array.from(this.#starts.subarray(0, this.#count)),
      byteStarts: Array.from(this.#byteStarts.subarray(0, this.#count)),
      length: this.#length,
      byteLength: this.#byteLength,
    };
  }
}
