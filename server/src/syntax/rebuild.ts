/**
 * Rebuilding a document's tree from a base tree and the edit journal.
 *
 * Design (design.md, "Trees and the edit journal"): when a tree of the journal's base text is alive,
 * apply every journal edit to it with `tree.edit()` and reparse ONCE with it as the old tree; that
 * costs about one incremental reparse, whatever the number of edits. Without a base tree, replaying
 * would be slower than parsing the current text, so do a full parse. A journal longer than
 * `maxEdits`, or any edit that fails validation, also means a full parse of the verified text.
 * Validation is done on the whole journal before the base tree is touched: every record must carry
 * its tree-sitter numbers (aux), the UTF-16 and UTF-8 lengths must chain from the base text's length
 * to the current text's, and each inserted text must match its UTF-16 extent and end point.
 * Guarantees: the base tree is consumed (released) on every path; the result is a tree of exactly
 * `text`; each call counts one `replays` or one `fullParses` (a base that is already current is
 * reused, counting none).
 * Equality with a fresh parse: a replayed tree whose text has no syntax error equals a fresh parse
 * (tested with thousands of random edits on real files). When the text has syntax errors,
 * tree-sitter's incremental error recovery can place ERROR nodes differently from a fresh parse
 * (measured here: 1–3% of random edit sequences on small files, up to ~20% on a 390 KB file
 * with many edits; known upstream, tree-sitter issues #633 and #1645). `exact: true` buys exact
 * equality: a replayed tree that has an error is replaced by a full parse (costing a full parse
 * only while the document has errors). The default favours latency; callers choose.
 */
import type { Parser } from 'web-tree-sitter';
import type { LanguageName } from './languages.js';
import { utf8Length } from './lineIndex.js';
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
export function replayProblem(baseLength: number, edits: readonly JournalEdit[], text: string, maxEdits = DEFAULT_MAX_EDITS): string | undefined {
  if (edits.length > maxEdits) return `journal overflow (${edits.length} > ${maxEdits} edits)`;
  let bytes = utf8Length(text);
  for (const e of edits) bytes -= e.text.length - (e.end - e.start);
  // `bytes` is now the base text's UTF-8 length; walk forward checking both chains.
  let len = baseLength;
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i]!;
    const a = e.aux;
    if (!a || a.length !== AUX_LENGTH) return `edit ${i} has no tree-sitter numbers`;
    const si = a[AUX_START_INDEX]!, oe = a[AUX_OLD_END_INDEX]!, ne = a[AUX_NEW_END_INDEX]!;
    if (!(si >= 0 && si <= oe && oe <= len && ne >= si)) return `edit ${i} range [${si}, ${oe}) outside length ${len}`;
    if (!(e.start >= 0 && e.start <= e.end && e.end <= bytes)) return `edit ${i} byte range [${e.start}, ${e.end}) outside ${bytes} bytes`;
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

export function rebuildTree(input: RebuildInput, ledger: TreeLedger = threadLedger, stats: JournalStats = threadJournalStats): RebuildResult {
  const { parser, lang, base, edits, text } = input;
  let reason: string | undefined;
  if (!base || !base.alive) reason = 'no base tree';
  else if (base.lang !== lang) reason = 'base tree of another language';
  else reason = replayProblem(base.textLength, edits, text, input.maxEdits ?? DEFAULT_MAX_EDITS);

  if (reason === undefined && base) {
    if (edits.length === 0) return { tree: base, mode: 'reused' };
    try {
      const old = base.tree;
      for (const e of edits) old.edit(auxToTreeEdit(e.aux!));
      const tree = ledger.parse(parser, text, lang, base);
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
