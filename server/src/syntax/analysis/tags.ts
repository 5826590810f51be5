/**
 * One run of a language's query over a tree: the raw definitions and references it captures.
 *
 * Design: a single `Query.matches` pass over the whole tree (the query cursor walks the tree inside
 * wasm, far faster than a walk driven from JavaScript), then plain-data results. Guarantees:
 * - each name node names at most one definition, from the pattern written first in the .scm file
 *   (the convention: specific patterns before general ones, e.g. a decorated def before a plain def);
 * - each name node yields at most one reference, again from the first pattern, and never when the
 *   same node is the name of a definition (a declaration is not a use of itself);
 * - no tree-sitter object survives the call: nodes are read into strings and spans at once.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { LanguageInfo, LanguageName } from '../languages.js';
import type { ReferenceKind, Span, SymbolKind, SyntaxReference } from '../types.js';
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
}

interface RefCandidate {
  node: Node;
  kind: ReferenceKind;
  pattern: number;
}

/** Runs `lang`'s query over `tree` once. */
export function collectTags(tree: Tree, lang: LanguageInfo | LanguageName, opts: { references?: boolean } = {}): Tags {
  const { query, roles } = queryFor(lang, tree.language);
  const roleOf = new Map<string, CaptureRole>();
  query.captureNames.forEach((n, i) => roleOf.set(n, roles[i]!));

  const defs = new Map<number, RawDefinition>();
  const defNameIds = new Set<number>();
  const refs = new Map<number, RefCandidate>();
  const names = new Set<string>();

  for (const match of query.matches(tree.rootNode)) {
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
        refs.set(target.id, { node: target, kind: refRole.referenceKind!, pattern: match.patternIndex });
      }
    }
  }

  let references: SyntaxReference[] | undefined;
  if (opts.references) references = [];
  for (const [id, cand] of refs) {
    if (defNameIds.has(id)) continue;
    const name = cand.node.text;
    if (name === '') continue;
    names.add(name);
    references?.push({ name, span: nodeSpan(cand.node), kind: cand.kind });
  }
  references?.sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]);
  return { definitions: [...defs.values()], ...(references ? { references } : {}), names };
}
