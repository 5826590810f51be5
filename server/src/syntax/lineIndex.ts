/**
 * Lines, as LSP defines them — a line ends at '\r\n', '\r' or '\n' — for every place that maps
 * positions: this is the one definition, and everything that counts lines imports it.
 * tree-sitter's rows end only at '\n'; they differ from these lines only when a text has a lone
 * '\r', so code that takes rows from trees checks `hasLoneCarriageReturn` (or
 * `LineIndex.hasLoneCarriageReturn`) and converts from offsets then.
 *
 * `LineIndex`: two parallel Int32Arrays hold each line's start as a UTF-16 offset and as a UTF-8
 * byte offset. An edit rescans only the edited stretch (plus the characters beside it, which decide
 * whether a '\r' and a '\n' are one break) and shifts the starts after it: O(lines after the edit)
 * integer adds, no rescan of the text. An offset converts by binary search plus O(column) work.
 * Guarantees: after `applyEdit`, the index equals `LineIndex.build(newText)` (tested), provided the
 * edit does not split a surrogate pair (textEdits.ts rejects those before calling).
 * UTF-8 lengths follow TextEncoder: a lone surrogate counts 3 bytes (it is encoded as U+FFFD).
 */

/** A line break, longest first. */
export const LINE_BREAK = /\r\n|\r|\n/;
const LINE_BREAKS = /\r\n|\r|\n/g;
const BREAK_START = /[\r\n]/g;
const LONE_CR = /\r(?!\n)/;

/** The text's lines, without their breaks. */
export function splitLines(text: string): string[] {
  return text.split(LINE_BREAK);
}

/** The text of one line (no break), found without splitting the whole text; '' past the last line. */
export function lineText(text: string, line: number): string {
  let start = 0;
  BREAK_START.lastIndex = 0;
  for (let i = 0; i < line; i++) {
    const br = BREAK_START.exec(text);
    if (!br) return '';
    start = br.index + (text.charCodeAt(br.index) === 0x0d && text.charCodeAt(br.index + 1) === 0x0a ? 2 : 1);
    BREAK_START.lastIndex = start;
  }
  const br = BREAK_START.exec(text);
  return text.slice(start, br ? br.index : text.length);
}

/** A '\r' not followed by '\n': then tree-sitter's rows are not the text's lines. */
export function hasLoneCarriageReturn(text: string): boolean {
  return LONE_CR.test(text);
}

/** Is `offset` a line start other than 0? (The character before it ends a line.) */
function startsLine(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset - 1);
  return c === 0x0a || (c === 0x0d && text.charCodeAt(offset) !== 0x0a);
}

/** tree-sitter's Point of a UTF-16 offset (rows end at '\n' only). O(offset): for texts with a lone '\r'. */
export function treeSitterPoint(text: string, offset: number): LinePoint {
  let row = 0;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    row++;
    lineStart = nl + 1;
  }
  return { row, column: offset - lineStart };
}

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
  #loneCr = 0; // lines that start after a lone '\r'

  private constructor(starts: Int32Array, byteStarts: Int32Array, count: number, length: number, byteLength: number) {
    this.#starts = starts;
    this.#byteStarts = byteStarts;
    this.#count = count;
    this.#length = length;
    this.#byteLength = byteLength;
  }

  static build(text: string): LineIndex {
    const idx = new LineIndex(new Int32Array(16), new Int32Array(16), 1, text.length, 0);
    let bytes = 0;
    let segStart = 0;
    LINE_BREAKS.lastIndex = 0;
    for (let m = LINE_BREAKS.exec(text); m; m = LINE_BREAKS.exec(text)) {
      const start = m.index + m[0].length;
      bytes += utf8Length(text, segStart, start);
      segStart = start;
      idx.#push(start, bytes);
      if (m[0] === '\r') idx.#loneCr++;
    }
    idx.#byteLength = bytes + utf8Length(text, segStart, text.length);
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
  /** Some line ends at a lone '\r': tree-sitter's rows differ from these lines. */
  get hasLoneCarriageReturn(): boolean {
    return this.#loneCr > 0;
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

  /** (line, UTF-16 column) of an offset; tree-sitter's Point too unless `hasLoneCarriageReturn`. */
  point(offset: number, line = this.lineOf(offset)): LinePoint {
    return { row: line, column: offset - this.#starts[line]! };
  }

  /**
   * The offset of (line, UTF-16 column) in `text` (the text this index describes); a column past
   * the line's end means its end (before the break), a line past the last means the text's end.
   */
  offsetAt(text: string, line: number, column: number): number {
    if (line >= this.#count) return text.length;
    const start = this.#starts[line]!;
    let end = line + 1 < this.#count ? this.#starts[line + 1]! : text.length;
    if (end > start && text.charCodeAt(end - 1) === 0x0a) end--;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    return Math.min(start + Math.max(0, column), end);
  }

  /** UTF-8 byte offset of UTF-16 offset `offset` in `text` (the text this index describes). */
  byteOffset(text: string, offset: number, line = this.lineOf(offset)): number {
    return this.#byteStarts[line]! + utf8Length(text, this.#starts[line]!, offset);
  }

  /**
   * Updates the index for `oldText` becoming `newText` by replacing oldText[start, end);
   * `startByte`/`endByte` are the byte offsets of start/end in the old text, `insertedBytes` the
   * UTF-8 length of what was inserted.
   */
  applyEdit(oldText: string, newText: string, start: number, end: number, startByte: number, endByte: number,
    insertedBytes: number): void {
    const delta = newText.length - oldText.length;
    const byteDelta = insertedBytes - (endByte - startByte);
    const newEnd = end + delta;
    // A line start depends on the characters before and at it: starts before `start` and after
    // `end` stay (shifted); those in [start, end] of the old text are found again in the new one.
    const keep = start > 0 ? this.lineOf(start - 1) + 1 : 1;
    const tailFrom = this.lineOf(end) + 1;
    for (let i = keep; i < tailFrom; i++) if (oldText.charCodeAt(this.#starts[i]! - 1) === 0x0d) this.#loneCr--;
    const tailCount = this.#count - tailFrom;
    const tailStarts = this.#starts.slice(tailFrom, this.#count);
    const tailBytes = this.#byteStarts.slice(tailFrom, this.#count);
    this.#count = keep;
    let bytes = startByte;
    let segStart = start;
    for (let at = Math.max(1, start); at <= newEnd; at++) {
      if (!startsLine(newText, at)) continue;
      bytes += utf8Length(newText, segStart, at);
      segStart = at;
      this.#push(at, bytes);
      if (newText.charCodeAt(at - 1) === 0x0d) this.#loneCr++;
    }
    this.#ensure(this.#count + tailCount);
    for (let i = 0; i < tailCount; i++) {
      this.#starts[this.#count + i] = tailStarts[i]! + delta;
      this.#byteStarts[this.#count + i] = tailBytes[i]! + byteDelta;
    }
    this.#count += tailCount;
    this.#length += delta;
    this.#byteLength += byteDelta;
  }

  #push(start: number, byteStart: number): void {
    this.#ensure(this.#count + 1);
    this.#starts[this.#count] = start;
    this.#byteStarts[this.#count] = byteStart;
    this.#count++;
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
  snapshot(): { starts: number[]; byteStarts: number[]; length: number; byteLength: number; loneCr: boolean } {
    return {
      starts: Array.from(this.#starts.subarray(0, this.#count)),
      byteStarts: Array.from(this.#byteStarts.subarray(0, this.#count)),
      length: this.#length,
      byteLength: this.#byteLength,
      loneCr: this.#loneCr > 0,
    };
  }
}
