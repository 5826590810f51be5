/**
 * One run of a language's query over a tree: the raw definitions and references it captures.
 *
 * Design: `Query.matches` passes over the tree (the query cursor walks the tree inside wasm, far
 * faster than a walk driven from JavaScript), then plain-data results. A file is matched one slice
 * at a time — runs of whole top-level nodes of about MATCH_SLICE_UNITS, given to the cursor as a
 * containing range — because web-tree-sitter materialises every match of a call at once, in wasm
 * and then as JS objects (≈480 B per match): one pass over a 900 KB Go file held 85 000 matches,
 * 41 MB of JS heap live at once, which set a parser worker's peak heap. A slice holds a bounded
 * number, and what is kept across slices is plain data (names, spans), never nodes. Slices start and
 * end between top-level nodes and are given as an intersecting range (a containing range drops the
 * matches of patterns that name the root as context, e.g. `(source_file (const_declaration …))`).
 * So every match is found in the slice that holds its top-level node; a match that involves the root
 * is found again in every slice (only such patterns, and zero-width nodes on a boundary, repeat), and
 * repeats are dropped like any second match of a node. Results equal one whole-file pass (tested).
 * Guarantees:
 * - each name node names at most one definition, from the pattern written first in the .scm file
 *   (the convention: specific patterns before general ones, e.g. a decorated def before a plain def);
 * - each name node yields at most one reference, again from the first pattern, and never when the
 *   same node is the name of a definition (a declaration is not a use of itself);
 * - no tree-sitter object survives the call: nodes are read into strings and spans at once;
 * - a pass has a time budget (budget.ts) shared by all its slices: the query cursor is quadratic over
 *   very wide nodes (200 000 siblings under one ERROR node took ~110 s), so when the budget runs out
 *   the cursor is stopped, no further slice is matched, what was found is returned and `incomplete`
 *   says so (plain data).
 */
import type { Node, Query, QueryMatch, Tree } from 'web-tree-sitter';
import type { LanguageInfo, LanguageName } from '../languages.js';
import type { ReferenceKind, Span, SymbolKind, SyntaxReference } from '../types.js';
import { budgetMsFor, PassBudget, type Incomplete } from './budget.js';
import { Role, type CaptureRole } from './captures.js';
import { queryFor } from './queries.js';
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
  /** Present when asked for; sorted by position. */
  references?: SyntaxReference[];
  /** Every distinct name seen: definitions' and references'. */
  names: Set<string>;
  /** Set when the pass ran out of its time budget: the results are what was found until then. */
  incomplete?: Incomplete;
}

interface RefCandidate {
  name: string;
  /** Only when references are asked for. */
  span: Span | undefined;
  kind: ReferenceKind;
  pattern: number;
}

/** UTF-16 units of top-level nodes matched per `Query.matches` call (see header). */
export const MATCH_SLICE_UNITS = 32 * 1024;

/** Every match of `query` over `tree`, slice by slice (see header); `sliceUnits` Infinity = one pass. */
function* sliceMatches(query: Query, tree: Tree, sliceUnits: number, budget: PassBudget): Generator<QueryMatch> {
  const root = tree.rootNode;
  const end = root.endIndex;
  const progressCallback = budget.progress;
  if (end - root.startIndex <= sliceUnits) {
    yield* query.matches(root, { progressCallback });
    return;
  }
  const cursor = tree.walk();
  try {
    let from = 0;
    let more = cursor.gotoFirstChild();
    while (more && !budget.cut) {
      let to = cursor.endIndex;
      while ((more = cursor.gotoNextSibling()) && to - from < sliceUnits) to = cursor.endIndex;
      // The last slice reaches the root's end (and any trailing text outside every child).
      if (!more) to = Math.max(to, end);
      // The range is in bytes of the UTF-16 text the tree was parsed from (node indices are in units).
      yield* query.matches(root, { startIndex: 2 * from, endIndex: 2 * to, progressCallback });
      from = to;
    }
    if (from === 0 && !budget.cut) yield* query.matches(root, { progressCallback }); // a root without children
  } finally {
    cursor.delete();
  }
}

export interface CollectOptions {
  references?: boolean;
  sliceUnits?: number;
  /** Milliseconds the pass may take; default budgetMsFor(the tree's text length). */
  budgetMs?: number;
}

/** Runs `lang`'s query over `tree` once, within its time budget (see header). */
export function collectTags(tree: Tree, lang: LanguageInfo | LanguageName, opts: CollectOptions = {}): Tags {
  const { query, roles } = queryFor(lang, tree.language);
  const roleOf = new Map<string, CaptureRole>();
  query.captureNames.forEach((n, i) => roleOf.set(n, roles[i]!));

  const defs = new Map<number, RawDefinition>();
  const defNameIds = new Set<number>();
  const refs = new Map<number, RefCandidate>();
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
        span: nodeSpan(defNode),
        nameSpan: nodeSpan(nameNode),
        ...(contextNode ? { detail: contextNode.text } : {}),
        start: defNode.startIndex,
        end: defNode.endIndex,
        pattern: match.patternIndex,
      });
    } else if (refNode && refRole) {
      const target = nameNode ?? refNode;
      const seen = refs.get(target.id);
      if (!seen || match.patternIndex < seen.pattern) {
        refs.set(target.id, {
          name: target.text, span: opts.references ? nodeSpan(target) : undefined, kind: refRole.referenceKind!, pattern: match.patternIndex,
        });
      }
    }
  }

  let references: SyntaxReference[] | undefined;
  if (opts.references) references = [];
  for (const [id, cand] of refs) {
    if (defNameIds.has(id)) continue;
    const name = cand.name;
    if (name === '') continue;
    names.add(name);
    references?.push({ name, span: cand.span!, kind: cand.kind });
  }
  references?.sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]);
  const incomplete = budget.incomplete('query');
  return { definitions: [...defs.values()], ...(references ? { references } : {}), names, ...(incomplete ? { incomplete } : {}) };
}
