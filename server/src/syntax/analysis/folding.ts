/**
 * Folding ranges from any grammar, with no per-language rules.
 *
 * Design: one TreeCursor walk that descends only into nodes spanning several lines (a node on one
 * line cannot contain a multi-line one), so the cost follows the number of multi-line nodes, not
 * the size of the file. Reported:
 * - every named node that spans lines, except the root;
 * - runs of comments that start their line and follow each other line by line (kind 'comment');
 * - runs of consecutive import-like siblings (kind 'imports').
 * A fold keeps its closing line visible when that line holds only closers (`}`, `});`, `#endif`,
 * `fi`, `done`, `</div>`), as editors expect. A node that starts one line below the node it is in
 * and ends with it (a Python block under its `def`, an Allman-style `{`) adds nothing and is
 * skipped. A node that ends at column 0 ends on the line before (its token swallowed the newline,
 * as Rust line comments and C preprocessor lines do). Folds are deduplicated by start line (the
 * longest wins) and returned sorted by start line.
 * Synchronous, in the thread that owns the tree.
 */
import type { Tree, TreeCursor } from 'web-tree-sitter';
import type { FoldSpan } from '../types.js';
import { linesIfRowsDiffer } from './spans.js';

/** Node types that import or include other files, across the supported grammars. */
const IMPORT_TYPES: ReadonlySet<string> = new Set([
  'import_statement', 'import_from_statement', 'future_import_statement', 'import_declaration',
  'use_declaration', 'extern_crate_declaration', 'preproc_include', 'using_declaration',
]);

/** A line that only closes what the fold opened. */
const CLOSING_LINE = /^\s*(?:[}\])]|<\/[\w.:-]*>|#\s*endif\b.*|fi\b|done\b|esac\b|end\b)[\s}\]);,>]*$/;

interface Run { start: number; end: number; kind: 'comment' | 'imports' }

/**
 * `lines`: the text's lines when tree-sitter's rows differ from them (a lone '\r'; made from `text`
 * when not given): positions then come from the nodes' offsets.
 */
export function foldingRanges(tree: Tree, text?: string, lines = linesIfRowsDiffer(text)): FoldSpan[] {
  const root = tree.rootNode;
  const src = text ?? root.text;
  const base = text === undefined ? root.startIndex : 0;
  const folds = new Map<number, FoldSpan>();
  const add = (startLine: number, endLine: number, kind?: FoldSpan['kind']): void => {
    if (endLine <= startLine) return;
    const seen = folds.get(startLine);
    if (!seen || endLine > seen.endLine || (endLine === seen.endLine && kind && !seen.kind)) {
      folds.set(startLine, kind ? { startLine, endLine, kind } : { startLine, endLine });
    }
  };
  // One pending comment run and one import run per open level of the walk.
  const comments: (Run | undefined)[] = [];
  const imports: (Run | undefined)[] = [];
  const flush = (runs: (Run | undefined)[], depth: number): void => {
    const r = runs[depth];
    if (r) add(r.start, r.end, r.kind);
    runs[depth] = undefined;
  };
  const extend = (
    runs: (Run | undefined)[], depth: number, start: number, end: number, kind: Run['kind'], adjacent: boolean,
  ): void => {
    const r = runs[depth];
    if (r && (!adjacent || start <= r.end + 1)) {
      r.end = Math.max(r.end, end);
    } else {
      if (r) add(r.start, r.end, r.kind);
      runs[depth] = { start, end, kind };
    }
  };

  // Start row and fold end of each multi-line node the walk has descended into (root excluded).
  const openStart: number[] = [];
  const openEnd: number[] = [];

  const cursor: TreeCursor = tree.walk();
  try {
    if (!cursor.gotoFirstChild()) return [];
    let depth = 0;
    for (;;) {
      let descend = false;
      if (cursor.nodeIsNamed) {
        const type = cursor.nodeType;
        const s = lines ? lines.point(cursor.startIndex) : cursor.startPosition;
        const e = lines ? lines.point(cursor.endIndex) : cursor.endPosition;
        const endRow = e.column === 0 && e.row > s.row ? e.row - 1 : e.row;
        if (type.includes('comment')) {
          const startIndex = cursor.startIndex - base;
          if (/^\s*$/.test(src.slice(startIndex - s.column, startIndex))) {
            extend(comments, depth, s.row, endRow, 'comment', true);
          } else {
            flush(comments, depth);
          }
        } else {
          flush(comments, depth);
          let end = endRow;
          if (endRow > s.row) {
            descend = true;
            const endIndex = cursor.endIndex - base;
            const lastLine = src.slice(endIndex - e.column, endIndex);
            if (endRow === e.row && CLOSING_LINE.test(lastLine)) end = endRow - 1;
            const bodyOfParent = depth > 0 && s.row === openStart[depth - 1]! + 1 && end === openEnd[depth - 1];
            if (!bodyOfParent) add(s.row, end);
            openStart[depth] = s.row;
            openEnd[depth] = end;
          }
          if (IMPORT_TYPES.has(type)) extend(imports, depth, s.row, end, 'imports', false);
          else flush(imports, depth);
        }
      }
      if (descend && cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        flush(comments, depth);
        flush(imports, depth);
        if (depth === 0 || !cursor.gotoParent()) {
          return [...folds.values()].sort((a, b) => a.startLine - b.startLine);
        }
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}
