/**
 * Syntax analysis over live trees, returning plain data: outline, references, identifier names,
 * folding ranges, selection ranges, syntax diagnostics, and `analyzeFile` for all of them at once.
 * Queries are compiled once per thread; call `disposeQueries()` before a thread ends.
 */
export { analyzeFile, errorsOf, identifierNames, outline, outlineOf, references } from './analyze.js';
export { BUDGET_FLOOR_MS, BUDGET_MS_PER_KIB, budgetMsFor, incompleteMessage } from './budget.js';
export { syntaxDiagnostics } from './diagnostics.js';
export { foldingRanges } from './folding.js';
export { selectionRanges } from './selection.js';
export { compiledQueryCount, compileQuery, disposeQueries, queryFor, querySource } from './queries.js';
