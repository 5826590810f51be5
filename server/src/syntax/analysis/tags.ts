/**
 * One run of a language's query over a tree: the raw definitions and references it captures.
 *
 * `Query.matches` walks the tree inside wasm, then results become plain data. A file is matched one
 * slice at a time (runs of whole nodes of about MATCH_SLICE_UNITS, `sliceEnds`, going inside any
 * node larger than a slice, such as a JSON file's one object), because web-tree-sitter materialises
 * every match of a call at once and a whole large file's matches would set a worker's peak heap and
 * be promoted by the collector. Slices are intersecting ranges, so patterns naming the root still
 * match; repeats at slice edges are dropped. Results equal one whole-file pass (tested).
 * Guarantees
 * - each name node names at most one definition and at most one reference, from the pattern written
 *   first in the .scm file, and a definition's name is never also its reference;
 * - no tree-sitter object survives the call;
 * - a pass shares one time budget (budget.ts) across its slices; when it runs out the cursor stops,
 *   what was found is returned and `incomplete` says so (plain data).
 * Concurrency: synchronous, in the thread that owns the tree.
 */
import type { Node, Query, QueryMatch, Tree } from 'web-tree-sitter';
import type { LanguageInfo, LanguageName } from '../languages.js';
import type { Span, SymbolKind, SyntaxReference } from '../types.js';
import { OccurrenceRows } from '../occurrences.js';
import { buildWhenRead } from '../lazyProperty.js';
import { budgetMsFor, PassBudget, type Incomplete } from './budget.js';
import { Role, type CaptureRole } from './captures.js';
import { queryFor } from './queries.js';
import type { LineIndex } from '../lineIndex.js';
import { nodeSpan } from './spans.js';

/** A definition before nesting: what outline.ts turns into a SyntaxSymbol tree. */
export interface RawDefinition {
  name: string;
  kind: SymbolKind;
  /** The convention's kind word ('function', 'impl', ...). */
  definitionKind: string;
  span: Span;
  nameSpan: Span;
  detail?: string;
  /** UTF-16 offsets of the whole definition, for containment. */
  start: number;
  end: number;
  pattern: number;
}

export interface Tags {
  definitions: RawDefinition[];
  /** Present when asked for: one row per reference, in no order (no object per reference). */
  referenceRows?: OccurrenceRows;
  /** Present when asked for; sorted by position. Built from `referenceRows` when first read. */
  references?: SyntaxReference[];
  /** Every distinct name seen: definitions' and references'. */
  names: Set<string>;
  /** Set when the pass ran out of its time budget: the results are what was found until then. */
  incomplete?: Incomplete;
}


/** UTF-16 units of whole nodes matched per `Query.matches` call (see header). */
export const MATCH_SLICE_UNITS = 32 * 1024;

/**
 * Where the slices of `tree` end, in UTF-16 units. A slice takes whole nodes in document order while
 * they fit in `sliceUnits`; a node that does not fit is gone into (its children are taken the same
 * way), and only a node without children that does not fit ends the slice before it. So every slice
 * but one made of a single long token holds at most `sliceUnits` of nodes, however the file is
 * nested (a JSON file's one top-level object; 100 000 nested brackets make 7 slices, not one per
 * level). Consecutive: each slice starts where the last ended, the first at 0, the last at the
 * root's end.
 */
export function sliceEnds(tree: Tree, sliceUnits: number): number[] {
  const end = tree.rootNode.endIndex;
  const ends: number[] = [];
  const cursor = tree.walk();
  try {
    // The current slice is [from, to): `to` is the end of the last whole node taken into it.
    let from = 0;
    let to = 0;
    // Iterative, not recursive: a tree may be nested deeper than the stack allows.
    let depth = 0;
    let more = cursor.gotoFirstChild();
    if (more) depth++;
    while (more) {
      const nodeEnd = cursor.endIndex;
      if (nodeEnd - from > sliceUnits) {
        if (cursor.gotoFirstChild()) {
          depth++;
          continue;
        }
        if (to > from) {
          ends.push(to);
          from = to;
        }
      }
      to = Math.max(to, nodeEnd);
      while (!(more = cursor.gotoNextSibling()) && depth > 1) {
        cursor.gotoParent();
        depth--;
        to = Math.max(to, cursor.endIndex);
      }
    }
    // The last slice reaches the root's end (and any trailing text outside every child).
    if (end > from || ends.length === 0) ends.push(Math.max(end, from));
    return ends;
  } finally {
    cursor.delete();
  }
}

/** Every match of `query` over `tree`, slice by slice (see header); `sliceUnits` Infinity = one pass. */
function* sliceMatches(query: Query, tree: Tree, sliceUnits: number, budget: PassBudget): Generator<QueryMatch> {
  const root = tree.rootNode;
  const progressCallback = budget.progress;
  if (root.endIndex - root.startIndex <= sliceUnits) {
    yield* query.matches(root, { progressCallback });
    return;
  }
  let from = 0;
  for (const to of sliceEnds(tree, sliceUnits)) {
    if (budget.cut) return;
    // The range is in bytes of the UTF-16 text the tree was parsed from (node indices are in units).
    yield* query.matches(root, { startIndex: 2 * from, endIndex: 2 * to, progressCallback });
    from = to;
  }
}

export interface CollectOptions {
  references?: boolean;
  sliceUnits?: number;
  /** Milliseconds the pass may take; default budgetMsFor(the tree's text length). */
  budgetMs?: number;
  /** The text's lines when tree-sitter's rows differ from them (spans.ts `linesIfRowsDiffer`). */
  lines?: LineIndex;
}

/** Runs `lang`'s query over `tree` once, within its time budget (see header). */
export function collectTags(tree: Tree, lang: LanguageInfo | LanguageName, opts: CollectOptions = {}): Tags {
  const { query, roles } = queryFor(lang, tree.language);
  const roleOf = new Map<string, CaptureRole>();
  query.captureNames.forEach((n, i) => roleOf.set(n, roles[i]!));

  const defs = new Map<number, RawDefinition>();
  const defNameIds = new Set<number>();
  // Reference candidates: name node id → row (and the pattern that made it; the first written wins).
  const refs = new Map<number, number>();
  const refPatterns: number[] = [];
  const rows = opts.references ? new OccurrenceRows() : undefined;
  const names = new Set<string>();

  const budget = new PassBudget(opts.budgetMs ?? budgetMsFor(tree.rootNode.endIndex));
  for (const match of sliceMatches(query, tree, opts.sliceUnits ?? MATCH_SLICE_UNITS, budget)) {
    let defNode: Node | undefined;
    let defRole: CaptureRole | undefined;
    let refNode: Node | undefined;
    let refRole: CaptureRole | undefined;
    let nameNode: Node | undefined;
    let contextNode: Node | undefined;
    let traitNode: Node | undefined;
    for (const c of match.captures) {
      const r = roleOf.get(c.name)!;
      switch (r.role) {
        case Role.Name: nameNode = c.node; break;
        case Role.Definition: defNode = c.node; defRole = r; break;
        case Role.Reference: refNode = c.node; refRole = r; break;
        case Role.Context: contextNode = c.node; break;
        case Role.Trait: traitNode = c.node; break;
        default: break;
      }
    }
    if (defNode && defRole && nameNode) {
      const key = nameNode.id;
      const seen = defs.get(key);
      if (seen && seen.pattern <= match.patternIndex) continue;
      const name = nameNode.text;
      if (name === '') continue;
      defNameIds.add(nameNode.id);
      names.add(name);
      defs.set(key, {
        name: defRole.definitionKind === 'impl'
          ? (traitNode ? `impl ${traitNode.text} for ${name}` : `impl ${name}`)
          : name,
        kind: defRole.symbolKind!,
        definitionKind: defRole.definitionKind!,
        span: nodeSpan(defNode, opts.lines),
        nameSpan: nodeSpan(nameNode, opts.lines),
        ...(contextNode ? { detail: contextNode.text } : {}),
        start: defNode.startIndex,
        end: defNode.endIndex,
        pattern: match.patternIndex,
      });
    } else if (refNode && refRole) {
      const target = nameNode ?? refNode;
      if (!rows) {
        // Indexing wants only the names. A reference whose node is also a definition's name has
        // that definition's name, which is in `names` anyway, so there is nothing to weigh per
        // node, and no candidate need live until the pass ends (a file's worth of them, which the
        // young-generation collections of a parser worker had to copy).
        const name = target.text;
        if (name !== '') names.add(name);
        continue;
      }
      const seen = refs.get(target.id);
      if (seen !== undefined && match.patternIndex >= refPatterns[seen]!) continue;
      const name = target.text;
      if (name === '') continue;
      const span = nodeSpan(target, opts.lines);
      if (seen === undefined) {
        const row = rows.add(name, span, refRole.referenceKind!);
        refs.set(target.id, row);
        refPatterns[row] = match.patternIndex;
      } else {
        rows.set(seen, name, span, refRole.referenceKind!);
        refPatterns[seen] = match.patternIndex;
      }
    }
  }

  if (rows) {
    // A definition's name node is not also a reference; every other reference's name is seen.
    for (const [id, row] of refs) if (defNameIds.has(id)) rows.drop(row);
    for (let row = 0; row < rows.count; row++) if (!rows.dropped(row)) names.add(rows.names[rows.nameIds[row]!]!);
  }
  const incomplete = budget.incomplete('query');
  const tags: Tags = {
    definitions: [...defs.values()],
    ...(rows ? { referenceRows: rows, references: [] } : {}),
    names,
    ...(incomplete ? { incomplete } : {}),
  };
  if (rows) buildWhenRead(tags, 'references', () => referencesOf(rows));
  return tags;
}

/** The rows' references as objects, in document order. */
export function referencesOf(rows: OccurrenceRows): SyntaxReference[] {
  const out: SyntaxReference[] = [];
  for (let row = 0; row < rows.count; row++) {
    if (rows.dropped(row)) continue;
    const kind = rows.kind(row);
    if (kind === 'definition') continue;
    out.push({ name: rows.names[rows.nameIds[row]!]!, span: rows.span(row), kind });
  }
  return out.sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]);
}
