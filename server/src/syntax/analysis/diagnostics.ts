/**
 * Syntax diagnostics: the ERROR and MISSING nodes of a tree, in document order.
 *
 * Design: descend only into subtrees that report `hasError`, so a valid file costs one check of the
 * root. The innermost ERROR nodes yield one diagnostic each (an ERROR around other ERRORs only
 * marks a confused region; the inner ones name what was unexpected). At most `limit` diagnostics
 * are returned (100 by default): a file fed to the wrong grammar would otherwise produce thousands.
 * Iterative, so deep trees cannot overflow the stack.
 * Messages: "Syntax error: unexpected `)`" (the first line of the unexpected text, shortened),
 * "Missing `;`" for a missing token, "Missing identifier" for a missing named node.
 * Synchronous, in the thread that owns the tree.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { SyntaxDiagnostic } from '../types.js';
import { LINE_BREAK, type LineIndex } from '../lineIndex.js';
import { nodeSpan } from './spans.js';

export const DEFAULT_DIAGNOSTIC_LIMIT = 100;
const MAX_SNIPPET = 32;

/** `lines`: the text's lines when tree-sitter's rows differ from them (spans.ts `linesIfRowsDiffer`). */
export function syntaxDiagnostics(tree: Tree, limit = DEFAULT_DIAGNOSTIC_LIMIT, lines?: LineIndex): SyntaxDiagnostic[] {
  const out: SyntaxDiagnostic[] = [];
  const root = tree.rootNode;
  if (!root.hasError || limit <= 0) return out;
  if (root.isError) {
    out.push(errorDiagnostic(root, lines));
    return out;
  }
  // Children are pushed in reverse so that popping visits them in document order.
  const stack: Node[] = [root];
  while (stack.length > 0 && out.length < limit) {
    const node = stack.pop()!;
    // An ERROR that holds other ERRORs is a region of confusion; the inner ones name the text
    // that was unexpected, so they are reported instead (`let x = );` reports `);`, not the line).
    if (node !== root && node.isError && node.descendantsOfType('ERROR').length === 1) {
      out.push(errorDiagnostic(node, lines));
      continue;
    }
    if (node.isMissing) {
      out.push(missingDiagnostic(node, lines));
      continue;
    }
    for (let i = node.childCount - 1; i >= 0; i--) {
      const child = node.child(i)!;
      if (child.hasError || child.isMissing) stack.push(child);
    }
  }
  return out;
}

function errorDiagnostic(node: Node, lines: LineIndex | undefined): SyntaxDiagnostic {
  const text = node.text;
  const firstLine = text.split(LINE_BREAK, 1)[0]!.trim();
  const snippet = firstLine.length > MAX_SNIPPET ? `${firstLine.slice(0, MAX_SNIPPET)}…` : firstLine;
  return {
    span: nodeSpan(node, lines),
    kind: 'error',
    message: snippet === '' ? 'Syntax error' : `Syntax error: unexpected \`${snippet}\``,
  };
}

function missingDiagnostic(node: Node, lines: LineIndex | undefined): SyntaxDiagnostic {
  const type = node.type;
  return {
    span: nodeSpan(node, lines),
    kind: 'missing',
    message: node.isNamed ? `Missing ${type.replace(/_/g, ' ')}` : `Missing \`${type}\``,
  };
}
