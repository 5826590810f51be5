/**
 * Rebuilding a document's tree from a base tree and the edit journal.
 *
 * With a live tree of the journal's base text, every edit is applied to it with `tree.edit()` and the
 * text reparsed once, so any number of edits costs about one incremental reparse; without one, or with
 * more than `maxEdits` edits, or an edit that fails validation, it is a full parse of the verified
 * text. The whole journal is validated (aux numbers present, UTF-16 and UTF-8 lengths chaining from
 * base to current, each insert matching its extent) before the base tree is touched.
 * Guarantees: the base tree is consumed on every path; the result is a tree of exactly `text`; each
 * call counts one `replays` or `fullParses` (a base already current is reused, counting none). A
 * replayed tree equals a fresh parse when the text has no syntax error (tested on random edits); with
 * errors, tree-sitter's incremental recovery may place ERROR nodes differently (tree-sitter #633,
 * #1645), so `exact: true` replaces such a tree by a full parse. The default favours latency.
 * Concurrency: synchronous; trees belong to the calling thread (trees.ts).
 */
import { Buffer } from 'node:buffer';
import type { Parser } from 'web-tree-sitter';
import type { LanguageName } from './languages.js';
import {
  AUX_LENGTH, AUX_NEW_END_COL, AUX_NEW_END_INDEX, AUX_NEW_END_ROW, AUX_OLD_END_INDEX, AUX_START_COL,
  AUX_START_INDEX, AUX_START_ROW, auxToTreeEdit, endPointAfter, type JournalEdit,
} from './textEdits.js';
import { threadLedger, type OwnedTree, type TreeLedger } from './trees.js';

export const DEFAULT_MAX_EDITS = 256;

export interface JournalCounts {
  replays: number;
  fullParses: number;
}

export class JournalStats {
  replays = 0;
  fullParses = 0;
  counts(): JournalCounts {
    return { replays: this.replays, fullParses: this.fullParses };
  }
}

/** Counts of this thread's rebuilds. */
export const threadJournalStats = new JournalStats();

export interface RebuildInput {
  parser: Parser;
  lang: LanguageName;
  /** A live tree of the journal's base text; consumed (released) by the rebuild. */
  base?: OwnedTree | undefined;
  /** The journal's edits since the base text, oldest first. */
  edits: readonly JournalEdit[];
  /** The verified current text (the base text with every edit applied). */
  text: string;
  /** UTF-8 length of `text` when the caller keeps it (saves counting it). */
  textBytes?: number;
  maxEdits?: number;
  /** Guarantee equality with a fresh parse even when the text has syntax errors (see header). */
  exact?: boolean;
}

export interface RebuildResult {
  tree: OwnedTree;
  mode: 'replay' | 'full' | 'reused';
  /** Why a full parse was done. */
  reason?: string;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Why the journal cannot be replayed onto a base text of `baseLength` UTF-16 units to give `text`,
 * or undefined when it can.
 */
function replayProblem(
  baseLength: number, edits: readonly JournalEdit[], text: string, maxEdits = DEFAULT_MAX_EDITS, textBytes?: number,
): string | undefined {
  if (edits.length > maxEdits) return `journal overflow (${edits.length} > ${maxEdits} edits)`;
  // Buffer.byteLength counts a lone surrogate as 3 bytes, like TextEncoder and lineIndex.ts.
  let bytes = textBytes ?? Buffer.byteLength(text, 'utf8');
  for (const e of edits) bytes -= e.text.length - (e.end - e.start);
  // `bytes` is now the base text's UTF-8 length; walk forward checking both chains.
  let len = baseLength;
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i]!;
    const a = e.aux;
    if (!a || a.length !== AUX_LENGTH) return `edit ${i} has no tree-sitter numbers`;
    const si = a[AUX_START_INDEX]!, oe = a[AUX_OLD_END_INDEX]!, ne = a[AUX_NEW_END_INDEX]!;
    if (!(si >= 0 && si <= oe && oe <= len && ne >= si)) return `edit ${i} range [${si}, ${oe}) outside length ${len}`;
    if (!(e.start >= 0 && e.start <= e.end && e.end <= bytes))
      return `edit ${i} byte range [${e.start}, ${e.end}) outside ${bytes} bytes`;
    let inserted: string;
    try {
      inserted = strictDecoder.decode(e.text);
    } catch {
      return `edit ${i} inserts invalid UTF-8`;
    }
    if (inserted.length !== ne - si) return `edit ${i} inserted length ${inserted.length} ≠ ${ne - si}`;
    const end = endPointAfter({ row: a[AUX_START_ROW]!, column: a[AUX_START_COL]! }, inserted);
    if (end.row !== a[AUX_NEW_END_ROW] || end.column !== a[AUX_NEW_END_COL]) return `edit ${i} new end point mismatch`;
    len += ne - oe;
    bytes += e.text.length - (e.end - e.start);
  }
  if (len !== text.length) return `journal gives length ${len}, text has ${text.length}`;
  return undefined;
}

const FIRST_READ = 128;
/** web-tree-sitter's input buffer holds 10 KiB: 5 K UTF-16 units less its terminator. */
const MAX_READ = 4096;

/**
 * The text as a tree-sitter read callback for an incremental parse. Why: web-tree-sitter's string
 * input copies a whole buffer of text into the wasm heap on every read, and an incremental parse
 * reads at each place it re-lexes; short first reads keep cut reparses cheap (docs/decisions.md).
 * A full parse keeps the plain string (its reads are sequential anyway). A read at a new place returns
 * FIRST_READ units, each read that continues the previous one twice as many (up to MAX_READ). The
 * tree keeps the callback for `node.text`, which concatenates reads until it has the node's span.
 */
export function reparseInput(text: string): (index: number) => string {
  let next = -1;
  let size = FIRST_READ;
  return (index) => {
    size = index === next ? Math.min(size * 2, MAX_READ) : FIRST_READ;
    const s = text.slice(index, index + size);
    next = index + s.length;
    return s;
  };
}

export function rebuildTree(
  input: RebuildInput, ledger: TreeLedger = threadLedger, stats: JournalStats = threadJournalStats,
): RebuildResult {
  const { parser, lang, base, edits, text } = input;
  let reason: string | undefined;
  if (!base || !base.alive) reason = 'no base tree';
  else if (base.lang !== lang) reason = 'base tree of another language';
  else reason = replayProblem(base.textLength, edits, text, input.maxEdits ?? DEFAULT_MAX_EDITS, input.textBytes);

  if (reason === undefined && base) {
    if (edits.length === 0) return { tree: base, mode: 'reused' };
    try {
      const old = base.tree;
      for (const e of edits) old.edit(auxToTreeEdit(e.aux!));
      const parsed = parser.parse(reparseInput(text), old);
      if (!parsed) throw new Error(`strata: tree-sitter returned no tree (${lang})`);
      const tree = ledger.adopt(parsed, lang, text.length);
      if (!(input.exact && tree.tree.rootNode.hasError)) {
        stats.replays++;
        return { tree, mode: 'replay' };
      }
      tree.release();
      reason = 'replayed tree has syntax errors (exact mode)';
    } finally {
      base.release();
    }
  }
  base?.release();
  const tree = ledger.parse(parser, text, lang);
  stats.fullParses++;
  return { tree, mode: 'full', ...(reason !== undefined ? { reason } : {}) };
}
