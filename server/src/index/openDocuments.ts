/**
 * The documents open in the editor: their version, language, and the kept copy of their current text
 * — the second copy the design asks for, from which the cache can recover an unsaved buffer when its
 * stored bytes fail verification (strings are immutable, so while the document is hot this copy
 * shares the hot tier's string and costs nothing extra).
 *
 * It also turns LSP content changes (line/character, in UTF-16 or UTF-8 columns) into UTF-16 offset
 * edits. Changes of one notification are validated in order against the text each leaves behind;
 * if any is impossible, none is applied.
 */
import type { LanguageName } from '../syntax/languages.js';
import type { LineIndex } from '../syntax/lineIndex.js';
import { EditableText, type TextEdit } from '../syntax/textEdits.js';

export interface OpenDocument {
  languageId: string;
  lang: LanguageName | undefined;
  version: number;
  /** The current text (the kept copy). */
  text: string;
  /** The current text's length in UTF-8 bytes (what the tree-size cap and the disk are compared with). */
  bytes: number;
}

export interface ChangeRange { start: { line: number; character: number }; end: { line: number; character: number } }

/** An impossible change: a position past the document's end, a range ending before it starts, a version going back. */
export class ImpossibleEditError extends Error {
  override readonly name = 'ImpossibleEditError';
}

/**
 * The UTF-16 offset of an LSP position. A character past the end of its line means the end of the
 * line (LSP says so); a line past the last line is impossible.
 */
function offsetOf(
  index: LineIndex, text: string, pos: { line: number; character: number }, encoding: 'utf-16' | 'utf-8',
): number {
  if (pos.line >= index.lineCount) {
    if (pos.line === index.lineCount && pos.character === 0 && /[\r\n]$/.test(text)) return text.length;
    throw new ImpossibleEditError(`line ${pos.line} is past the end of the document (${index.lineCount} lines)`);
  }
  // The index's lines are LSP's (syntax/lineIndex.ts): '\r\n', '\r' and '\n' each end one.
  const start = index.lineStart(pos.line);
  let end = pos.line + 1 < index.lineCount ? index.lineStart(pos.line + 1) : text.length;
  // The line's own length excludes its line break (\n, \r\n or \r).
  if (end > start && text.charCodeAt(end - 1) === 0x0a) end--;
  if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
  let column: number;
  if (encoding === 'utf-16') column = pos.character;
  else {
    column = 0;
    let bytes = 0;
    while (start + column < end) {
      const c = text.codePointAt(start + column)!;
      const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (bytes + size > pos.character) break;
      bytes += size;
      column += c >= 0x10000 ? 2 : 1;
    }
  }
  let offset = Math.min(start + column, end);
  // Never split a surrogate pair: a column inside one means the character's start.
  const c = text.charCodeAt(offset);
  if (offset > start && c >= 0xdc00 && c <= 0xdfff) {
    const prev = text.charCodeAt(offset - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) offset--;
  }
  return offset;
}

export class OpenDocuments {
  readonly #docs = new Map<string, OpenDocument>();

  get size(): number {
    return this.#docs.size;
  }

  get(key: string): OpenDocument | undefined {
    return this.#docs.get(key);
  }

  has(key: string): boolean {
    return this.#docs.has(key);
  }

  keys(): IterableIterator<string> {
    return this.#docs.keys();
  }

  open(key: string, doc: OpenDocument): void {
    this.#docs.set(key, doc);
  }

  close(key: string): OpenDocument | undefined {
    const doc = this.#docs.get(key);
    this.#docs.delete(key);
    return doc;
  }

  /**
   * Converts one notification's changes into offset edits, checking each against the text the
   * previous ones leave. Returns the edits (to apply in order) or throws with nothing changed.
   * A change without a range replaces the whole text.
   */
  planChanges(key: string, version: number, changes: readonly { range?: ChangeRange; text: string }[],
    encoding: 'utf-16' | 'utf-8', current: { text: string; index: LineIndex }): TextEdit[] {
    const doc = this.#docs.get(key);
    if (!doc) throw new ImpossibleEditError('the document is not open');
    if (version <= doc.version) {
      throw new ImpossibleEditError(`version ${version} is not newer than the document's version ${doc.version}`);
    }
    const edits: TextEdit[] = [];
    if (changes.length === 1) {
      const c = changes[0]!;
      edits.push(c.range
        ? this.#edit(current.index, current.text, c.range, c.text, encoding)
        : { start: 0, end: current.text.length, newText: c.text });
      return edits;
    }
    // Several changes: each refers to the text after the previous one, so simulate on a scratch copy.
    const scratch = new EditableText(current.text);
    for (const c of changes) {
      const edit = c.range
        ? this.#edit(scratch.index, scratch.text, c.range, c.text, encoding)
        : { start: 0, end: scratch.text.length, newText: c.text };
      scratch.apply(edit);
      edits.push(edit);
    }
    return edits;
  }

  #edit(index: LineIndex, text: string, range: ChangeRange, newText: string, encoding: 'utf-16' | 'utf-8'): TextEdit {
    const start = offsetOf(index, text, range.start, encoding);
    const end = offsetOf(index, text, range.end, encoding);
    if (end < start) {
      throw new ImpossibleEditError(`range ends (${range.end.line}:${range.end.character}) `
        + `before it starts (${range.start.line}:${range.start.character})`);
    }
    return { start, end, newText };
  }
}
