/**
 * The soak's shadow copy of a document: the text the editor believes it has sent, with LSP
 * positions (UTF-16 code units; lines end at `\n`, `\r\n` or `\r`, as LSP defines) and versions.
 *
 * Every edit the session sends is first applied here, so after any number of edits the server's
 * text must equal `text` exactly. The line-start table is updated incrementally (a keystroke in a
 * 1 MB document must not rescan it); `lineStarts()` of a fresh copy is the reference it is tested
 * against. Offsets handed out by `snap` never split a `\r\n` or a surrogate pair, as an editor's
 * cursor never does.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One LSP content change and the edit that undoes it (both in offsets of the text they apply to). */
export interface AppliedEdit {
  start: number;
  /** Removed text. */
  removed: string;
  /** Inserted text. */
  inserted: string;
}

/** Line starts of `text` by a full scan (the reference). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  scanStarts(text, 0, text.length, starts);
  return starts;
}

/** Appends the starts of lines that begin after a terminator found in text[from, to). */
function scanStarts(text: string, from: number, to: number, out: number[]): void {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) out.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) {
        out.push(i + 2);
        i++;
      } else out.push(i + 1);
    }
  }
}

export class ShadowDoc {
  #text: string;
  #starts: number[];
  version: number;

  constructor(readonly uri: string, readonly languageId: string, text: string, version = 1) {
    this.#text = text;
    this.#starts = lineStarts(text);
    this.version = version;
  }

  get text(): string {
    return this.#text;
  }

  get length(): number {
    return this.#text.length;
  }

  get lineCount(): number {
    return this.#starts.length;
  }

  /** The current line-start table (for tests). */
  starts(): readonly number[] {
    return this.#starts;
  }

  /** Index of the line holding `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  positionAt(offset: number): Position {
    const line = this.lineOf(offset);
    return { line, character: offset - this.#starts[line]! };
  }

  /** Length of a line's content, terminator excluded. */
  lineLength(line: number): number {
    const start = this.#starts[line]!;
    let end = line + 1 < this.#starts.length ? this.#starts[line + 1]! : this.#text.length;
    while (end > start && (this.#text.charCodeAt(end - 1) === 10 || this.#text.charCodeAt(end - 1) === 13)) end--;
    return end - start;
  }

  /** True when `p` names a place in the text (character at most the line's content length). */
  contains(p: Position): boolean {
    return Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.line < this.lineCount
      && p.character >= 0 && p.character <= this.lineLength(p.line);
  }

  /** Moves an offset off the middle of a `\r\n` or a surrogate pair (backwards), into [0, length]. */
  snap(offset: number): number {
    let o = Math.max(0, Math.min(this.#text.length, Math.floor(offset)));
    if (o > 0 && o < this.#text.length) {
      const prev = this.#text.charCodeAt(o - 1);
      const next = this.#text.charCodeAt(o);
      if ((prev === 13 && next === 10) || (prev >= 0xd800 && prev <= 0xdbff && next >= 0xdc00 && next <= 0xdfff)) o--;
    }
    return o;
  }

  /**
   * Replaces text[start, end) by `inserted`; returns the LSP change to send and the record that
   * undoes it. Offsets must be snapped.
   */
  apply(start: number, end: number, inserted: string): { change: { range: Range; text: string }; applied: AppliedEdit } {
    if (!(start >= 0 && start <= end && end <= this.#text.length)) throw new RangeError(`bad edit [${start}, ${end}) of ${this.#text.length}`);
    const range = { start: this.positionAt(start), end: this.positionAt(end) };
    const removed = this.#text.slice(start, end);
    const old = this.#text;
    this.#text = old.slice(0, start) + inserted + old.slice(end);
    this.#updateStarts(start, end, inserted.length);
    return { change: { range, text: inserted }, applied: { start, removed, inserted } };
  }

  /**
   * Rescans only the lines around the edit: from the start of the line before the edit's line (a
   * `\n` inserted right after a `\r` joins two terminators) to the end of the line holding `end` (a
   * terminator there is never touched by the edit), and shifts the rest.
   */
  #updateStarts(start: number, end: number, insertedLength: number): void {
    const delta = insertedLength - (end - start);
    const a = Math.max(0, this.lineOf(start) - 1);
    const b = this.lineOf(end);
    const from = this.#starts[a]!;
    const hasNext = b + 1 < this.#starts.length;
    const to = hasNext ? this.#starts[b + 1]! + delta : this.#text.length;
    const middle: number[] = [];
    scanStarts(this.#text, from, to, middle);
    // A start found at `to` is the kept next line's own start.
    if (hasNext && middle.length > 0 && middle[middle.length - 1] === to) middle.pop();
    const tail = hasNext ? this.#starts.slice(b + 1).map((s) => s + delta) : [];
    this.#starts = this.#starts.slice(0, a + 1).concat(middle, tail);
  }
}
