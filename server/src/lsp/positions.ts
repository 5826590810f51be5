/**
 * Position encodings: LSP columns are UTF-16 code units unless client and server agreed on UTF-8
 * (`general.positionEncodings`). Inside Strata every column is UTF-16 (JS strings and tree-sitter's
 * web binding count that way), so conversion happens only here, at the protocol edge, and only when
 * the client chose UTF-8. Lines are unaffected; a column past the end of its line stays past the end
 * (validation is the document model's job, not this one's).
 */
import { splitLines } from '../syntax/lineIndex.js';

export type PositionEncoding = 'utf-16' | 'utf-8';

/** Picks the encoding from the client's list: UTF-8 when offered (cheaper for most clients), else UTF-16. */
export function negotiateEncoding(offered: readonly string[] | undefined): PositionEncoding {
  return offered?.includes('utf-8') ? 'utf-8' : 'utf-16';
}

/** The UTF-16 column of a UTF-8 byte column in `line` (a byte inside a character maps to its start). */
function utf8ToUtf16Column(line: string, byteColumn: number): number {
  let bytes = 0;
  let i = 0;
  while (i < line.length) {
    const code = line.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > byteColumn) return i;
    bytes += size;
    i += code >= 0x10000 ? 2 : 1;
  }
  return i + Math.max(0, byteColumn - bytes);
}

/** The UTF-8 byte column of a UTF-16 column in `line`. */
function utf16ToUtf8Column(line: string, column: number): number {
  let bytes = 0;
  let i = 0;
  const end = Math.min(column, line.length);
  while (i < end) {
    const code = line.codePointAt(i)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code >= 0x10000 ? 2 : 1;
  }
  return bytes + Math.max(0, column - line.length);
}

function isAscii(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Line texts of one document, found lazily (the text is split only when a non-trivial conversion needs it). */
export class LineLookup {
  private lines: string[] | undefined;
  constructor(private readonly text: string) {}
  line(n: number): string {
    this.lines ??= splitLines(this.text);
    return this.lines[n] ?? '';
  }
}

export class PositionCodec {
  constructor(readonly encoding: PositionEncoding) {}

  /** Client column → UTF-16 column. `line` gives the line's text (needed only for UTF-8). */
  toInternal(column: number, line: () => string): number {
    if (this.encoding === 'utf-16') return column;
    const text = line();
    return isAscii(text) ? column : utf8ToUtf16Column(text, column);
  }

  /** UTF-16 column → client column. */
  toClient(column: number, line: () => string): number {
    if (this.encoding === 'utf-16') return column;
    const text = line();
    return isAscii(text) ? column : utf16ToUtf8Column(text, column);
  }
}
