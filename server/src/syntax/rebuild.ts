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
 * Cost (measured, bench section `syntax`): `tree.edit()` is ~2 µs per record, so the journal's
 * length hardly matters; what costs is the one reparse, plus two things done here to keep it small.
 * Validation needs the text's UTF-8 length: callers that keep it (the hot tier's line index) pass
 * `textBytes`, else it is counted natively (a JS loop over a 280 KB text took 0.4–0.7 ms, a third
 * of a replay). The reparse reads the text through `reparseInput`: web-tree-sitter's string input
 * copies up to 5 K UTF-16 units into the wasm heap on every read, and an incremental parse reads
 * at each place where it re-lexes after reused subtrees; starting each jump with 128 units and
 * doubling while the reads run on cut reparses by 13–35% (CPU time, JSON and JS files ≥ 100 KB,
 * 1–50 edits); a full parse keeps the plain string (its reads are sequential anyway).
 * Equality with a fresh parse: a replayed tree whose text has no syntax error equals a fresh parse
 * (tested with thousands of random edits on real files). When the text has syntax errors,
 * tree-sitter's incremental error recovery can place ERROR nodes differently from a fresh parse
 * (measured here: 1–3% of random edit sequences on small files, up to ~20% on a 390 KB file
 * with many edits; known upstream, tree-sitter issues #633 and #1645). `exact: true` buys exact
 * equality: a replayed tree that has an error is replaced by a full parse (costing a full parse
 * only while the document has errors). The default favours latency; callers choose.
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
function replayProblem(baseLength: number, edits: readonly JournalEdit[], text: string, maxEdits = DEFAULT_MAX_EDITS, textBytes?: number): string | undefined {
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

const FIRST_READ = 128;
/** web-tree-sitter's input buffer holds 10 KiB: 5 K UTF-16 units less its terminator. */
const MAX_READ = 4096;

/**
 * The text as a tree-sitter read callback for an incremental parse: a read at a new place returns
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

export function rebuildTree(input: RebuildInput, ledger: TreeLedger = threadLedger, stats: JournalStats = threadJournalStats): RebuildResult {
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
