/**
 * The fuzzer's shadow of the documents it has opened: what the server must hold after every
 * notification, written independently of the server's code from the rules it promises
 * (ARCHITECTURE.md, lsp/guard.ts, index/openDocuments.ts, syntax/textEdits.ts):
 *
 * - didOpen needs a string uri, an integer version (|v| ≤ 2^31−1) and a string text; an already
 *   open document is replaced.
 * - didChange is applied whole or not at all. It is refused when the document is not open, the
 *   version is not an integer or not newer, contentChanges is not an array, a change's text is not a
 *   string, a range or position has the wrong shape (negative, fractional, over 2^31−1, null, a
 *   string), a line is past the end (except line = lineCount, character 0 after a final line break), a
 *   range ends before it starts, or an inserted text holds a lone surrogate.
 * - Lines end at '\r\n', '\r' or '\n', as LSP defines them; a character past the end of a line (its
 *   line break excluded) means the end of the line; a column inside a surrogate pair means the
 *   pair's start. Changes of one notification apply in order, each to the
 *   text the previous one left.
 *
 * `change` returns whether the server must accept the notification; the document changes only then.
 */

export interface ShadowPosition { line: unknown; character: unknown }
export interface ShadowChange { range?: unknown; text: unknown }

const MAX_INT = 0x7fffffff;
const LONE_SURROGATE = /\p{Cs}/u;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_INT;
export const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= MAX_INT;

/** Offsets where each line starts (after '\r\n', '\r' or '\n'). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    if (c === 0x0d || c === 0x0a) starts.push(i + 1);
  }
  return starts;
}

/** The UTF-16 offset of a well-formed position, or undefined when the position is past the end. */
export function offsetAt(text: string, starts: readonly number[], line: number, character: number): number | undefined {
  if (line >= starts.length) {
    const lastBreak = text.endsWith('\n') || text.endsWith('\r');
    return line === starts.length && character === 0 && lastBreak ? text.length : undefined;
  }
  const start = starts[line]!;
  let end = line + 1 < starts.length ? starts[line + 1]! : text.length;
  if (end > start && text.charCodeAt(end - 1) === 0x0a) end--; // the line break: '\n', '\r\n' or '\r'
  if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
  let offset = Math.min(start + character, end);
  const c = text.charCodeAt(offset);
  const p = text.charCodeAt(offset - 1);
  if (offset > start && c >= 0xdc00 && c <= 0xdfff && p >= 0xd800 && p <= 0xdbff) offset--;
  return offset;
}

export class ShadowDoc {
  constructor(readonly uri: string, public version: number, public text: string, readonly languageId: string) {}

  /** Applies a didChange's `version` and `contentChanges` if the server must accept them; returns whether it did. */
  change(version: unknown, contentChanges: unknown): boolean {
    if (!isVersion(version) || version <= this.version || !Array.isArray(contentChanges)) return false;
    let text = this.text;
    for (const c of contentChanges as unknown[]) {
      if (!isRecord(c) || typeof c['text'] !== 'string') return false;
      const inserted = c['text'];
      const range = c['range'];
      let start = 0;
      let end = text.length;
      if (range !== undefined && range !== null) {
        if (!isRecord(range)) return false;
        const s = range['start'];
        const e = range['end'];
        if (!isRecord(s) || !isRecord(e) || !isUInt(s['line']) || !isUInt(s['character']) || !isUInt(e['line']) || !isUInt(e['character'])) return false;
        const starts = lineStarts(text);
        const a = offsetAt(text, starts, s['line'], s['character']);
        const b = offsetAt(text, starts, e['line'], e['character']);
        if (a === undefined || b === undefined || b < a) return false;
        start = a;
        end = b;
      }
      if (LONE_SURROGATE.test(inserted)) return false;
      text = text.slice(0, start) + inserted + text.slice(end);
    }
    this.text = text;
    this.version = version;
    return true;
  }
}

/** The open documents of one round, by URI. */
export class Shadow {
  readonly docs = new Map<string, ShadowDoc>();

  /** didOpen: returns whether the server must take it (then the document is, or replaces, the open one). */
  open(textDocument: unknown): boolean {
    if (!isRecord(textDocument)) return false;
    const { uri, version, text, languageId } = textDocument;
    if (typeof uri !== 'string' || !isVersion(version) || typeof text !== 'string') return false;
    this.docs.set(uri, new ShadowDoc(uri, version, text, typeof languageId === 'string' ? languageId : ''));
    return true;
  }

  change(uri: unknown, version: unknown, contentChanges: unknown): boolean {
    const doc = typeof uri === 'string' ? this.docs.get(uri) : undefined;
    return doc ? doc.change(version, contentChanges) : false;
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }
}
