/**
 * The analysis entry points over a live Tree. Each returns plain data (types.ts) and keeps no
 * tree-sitter object, so parser workers can post the result back and delete the tree at once.
 *
 * `analyzeFile` is what the indexer calls per file: one query pass (symbols and occurrences) and an
 * error walk that costs nothing on a valid file. No folds: nothing keeps a file's folds, and an
 * editor asks for them only of a file it shows, from its tree (`foldingRanges`). The query is
 * compiled once per thread (queries.ts). Cost is of the order of the parse itself (see test/syntax/analysis).
 * The query pass has a time budget (budget.ts); a cut pass sets `incomplete` on the result and, in
 * `analyzeFile`, adds one 'incomplete' diagnostic at the file's start that says so.
 */
import type { Tree } from 'web-tree-sitter';
import type { LanguageInfo, LanguageName } from '../languages.js';
import { keepOutlinePacked } from '../packedOutline.js';
import type { FileAnalysis, Incomplete, SyntaxDiagnostic, SyntaxReference, SyntaxSymbol } from '../types.js';
import { packOccurrenceRows, type OccurrenceRows } from '../occurrences.js';
import type { StageClock } from '../stageClock.js';
import { incompleteMessage } from './budget.js';
import { DEFAULT_DIAGNOSTIC_LIMIT, syntaxDiagnostics } from './diagnostics.js';
import { buildOutline } from './outline.js';
import { linesIfRowsDiffer } from './spans.js';
import { collectTags, referencesOf, type RawDefinition } from './tags.js';

export interface AnalyzeOptions {
  /** The text the tree was parsed from; read from the tree when absent (then rows are taken as lines). */
  text?: string;
  /** Also return every reference as an object (`references`); the packed occurrences are always made. */
  references?: boolean;
  /** Most diagnostics to report. */
  diagnosticLimit?: number;
  /** The query pass's time budget (default: budget.ts's figure for the text's size). */
  budgetMs?: number;
  /** Charged with the query, pack and diagnostics stages (stageClock.ts). */
  clock?: StageClock;
}

/** Hierarchical outline (documentSymbol). */
export function outline(tree: Tree, lang: LanguageInfo | LanguageName): SyntaxSymbol[] {
  return outlineOf(tree, lang).symbols;
}

/** The outline, flagged when its query pass was cut by the time budget. */
/** `text`: the tree's text; needed only when it has a lone '\r' (spans then come from offsets). */
export function outlineOf(tree: Tree, lang: LanguageInfo | LanguageName, budgetMs?: number,
  text?: string): { symbols: SyntaxSymbol[]; incomplete?: Incomplete } {
  const lines = linesIfRowsDiffer(text);
  const tags = collectTags(tree, lang, {
    ...(budgetMs !== undefined ? { budgetMs } : {}),
    ...(lines ? { lines } : {}),
  });
  return {
    symbols: buildOutline(tags.definitions).symbols(),
    ...(tags.incomplete ? { incomplete: tags.incomplete } : {}),
  };
}

/** The diagnostic that tells the reader an analysis was cut (at the file's start). */
function incompleteDiagnostic(i: Incomplete): SyntaxDiagnostic {
  return { span: [0, 0, 0, 0], kind: 'incomplete', message: `Strata: ${incompleteMessage(i)}` };
}

/** Every use of a name (calls, type uses, identifiers), in document order; definitions excluded. */
export function references(tree: Tree, lang: LanguageInfo | LanguageName): SyntaxReference[] {
  return collectTags(tree, lang, { references: true }).references!;
}

/** The distinct names that occur in the file, sorted (what a per-file name filter is built from). */
export function identifierNames(tree: Tree, lang: LanguageInfo | LanguageName): string[] {
  return [...collectTags(tree, lang).names].sort();
}

/**
 * The syntax errors `analyzeFile` reports for the tree, without its query pass (so without the
 * 'incomplete' marker: nothing is cut), for a text whose symbols and occurrences are known already.
 */
export function errorsOf(tree: Tree, text?: string, limit = DEFAULT_DIAGNOSTIC_LIMIT): SyntaxDiagnostic[] {
  return syntaxDiagnostics(tree, limit, linesIfRowsDiffer(text));
}

/** Everything the indexer needs from one file. */
export function analyzeFile(tree: Tree, lang: LanguageInfo | LanguageName, opts: AnalyzeOptions = {}): FileAnalysis {
  const lines = linesIfRowsDiffer(opts.text);
  const tags = collectTags(tree, lang, {
    references: true,
    ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}),
    ...(lines ? { lines } : {}),
  });
  opts.clock?.lap('query');
  const limit = opts.diagnosticLimit ?? DEFAULT_DIAGNOSTIC_LIMIT;
  const diagnostics = tags.incomplete && limit > 0
    ? [incompleteDiagnostic(tags.incomplete), ...syntaxDiagnostics(tree, limit - 1, lines)]
    : syntaxDiagnostics(tree, limit, lines);
  opts.clock?.lap('diagnostics');
  const result: FileAnalysis = {
    // Kept packed below: the objects are built only if something reads them.
    symbols: [],
    occurrences: packOccurrenceRows(withDefinitions(tags.referenceRows!, tags.definitions)),
    diagnostics,
  };
  keepOutlinePacked(result, buildOutline(tags.definitions));
  opts.clock?.lap('pack');
  // Built after the definitions joined the rows: referencesOf leaves them out.
  if (opts.references) result.references = referencesOf(tags.referenceRows!);
  if (tags.incomplete) result.incomplete = tags.incomplete;
  return result;
}

/**
 * The file's occurrences: every reference (the rows as collected), and the name of every definition
 * but an `impl` (whose name node is the implemented type's, a use rather than a definition, and whose
 * symbol name is not the node's text).
 */
function withDefinitions(rows: OccurrenceRows, definitions: readonly RawDefinition[]): OccurrenceRows {
  for (const d of definitions) if (d.definitionKind !== 'impl') rows.add(d.name, d.nameSpan, 'definition');
  return rows;
}
