/**
 * Plain-data results of analysing a syntax tree: what parser workers send back instead of trees,
 * and what the index stores. Positions are zero-based lines and UTF-16 columns, as tree-sitter's
 * web binding reports them and as LSP's default position encoding expects.
 * Plain data, so results can be cloned or transferred between threads.
 */
import type { PackedOccurrences } from './occurrences.js';

/** Numeric values are LSP's SymbolKind, so the lsp layer passes them through unchanged. */
export const enum SymbolKind {
  File = 1, Module = 2, Namespace = 3, Package = 4, Class = 5, Method = 6, Property = 7, Field = 8,
  Constructor = 9, Enum = 10, Interface = 11, Function = 12, Variable = 13, Constant = 14, String = 15,
  Number = 16, Boolean = 17, Array = 18, Object = 19, Key = 20, Null = 21, EnumMember = 22, Struct = 23,
  Event = 24, Operator = 25, TypeParameter = 26,
}

/** [startLine, startColumn, endLine, endColumn]; columns in UTF-16 code units. */
export type Span = readonly [number, number, number, number];

/** A definition found by the language's query, with its children for a hierarchical outline. */
export interface SyntaxSymbol {
  name: string;
  kind: SymbolKind;
  /** The whole definition (e.g. the function with its body). */
  span: Span;
  /** The name only. */
  nameSpan: Span;
  /** Extra text for the outline (LSP DocumentSymbol.detail): a Go receiver, a C++ scope. */
  detail?: string;
  /** Set for symbols found inside another definition (a method in a class). */
  children?: SyntaxSymbol[];
}

/** An identifier occurrence that refers to a name (a call, a type use, a read). */
export interface SyntaxReference {
  name: string;
  /** The name's span. */
  span: Span;
  /** What the query saw: a call, a type use, or any other identifier. */
  kind?: ReferenceKind;
}

export type ReferenceKind = 'call' | 'type' | 'identifier';

export interface FoldSpan {
  startLine: number;
  endLine: number;
  kind?: 'comment' | 'imports' | 'region';
}

export interface SyntaxDiagnostic {
  span: Span;
  /**
   * 'error' for an ERROR node (unexpected text), 'missing' for a MISSING node (expected text absent),
   * 'incomplete' for an analysis cut by its time budget (at the file's start; a warning, not an error).
   */
  kind: 'error' | 'missing' | 'incomplete';
  message: string;
}

/**
 * Everything the indexer needs from one file, computed in one pass over a live tree and posted back
 * from a parser worker (outcomeWire.ts packs it for the way).
 */
export interface FileAnalysis {
  /** Hierarchical outline: top-level definitions with their children. */
  symbols: SyntaxSymbol[];
  /** Every name occurrence in the file (uses and definitions' names), packed for the occurrence index. */
  occurrences: PackedOccurrences;
  /** At most the configured limit (100 by default), in document order. */
  diagnostics: SyntaxDiagnostic[];
  /** Every reference with its span, only when asked for (`references: true`); they cost memory. */
  references?: SyntaxReference[];
  /**
   * Set when the query pass ran out of its time budget (analysis/budget.ts): symbols, names and references
   * are partial.
   */
  incomplete?: Incomplete;
}

/** An analysis pass cut by its time budget (analysis/budget.ts): what callers flag, log and report. */
export interface Incomplete {
  /** What was cut. */
  stage: 'query';
  /** How long it ran before it stopped. */
  afterMs: number;
  /** The budget it had. */
  budgetMs: number;
}
