/**
 * analyzeFile: one call gives what the separate functions give, as plain data that survives a
 * structured clone (what a worker posts back); queries are compiled once per thread and freed by
 * disposeQueries; a large file is analysed completely (same symbols as its parts).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  analyzeFile, compiledQueryCount, disposeQueries, foldingRanges, identifierNames, outline, queryFor,
  references, syntaxDiagnostics,
} from '../../../server/src/syntax/analysis/index.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';
import { decodeOccurrences, packOccurrences } from '../../../server/src/syntax/occurrences.js';
import { SymbolKind, type SyntaxSymbol } from '../../../server/src/syntax/types.js';
import { demoText, releaseAll, withDemoTree, withTree } from './demo.js';
import { demoFiles } from './files.js';

after(releaseAll);

function flatten(symbols: readonly SyntaxSymbol[]): SyntaxSymbol[] {
  return symbols.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}

describe('analyzeFile', () => {
  test('equals the separate analyses for every demo file, and is plain data', async () => {
    for (const path of demoFiles()) {
      const lang = detectLanguage(path, { firstLine: demoText(path).split('\n', 1)[0]! })!.name;
      await withDemoTree(lang, path, (tree, text) => {
        const all = analyzeFile(tree, lang, { text });
        assert.deepEqual(all.symbols, outline(tree, lang), path);
        // The occurrences: every reference the separate pass finds, and every definition's name.
        const refs = references(tree, lang);
        const defs = outline(tree, lang);
        const expected = packOccurrences([
          ...refs.map((r) => ({ name: r.name, span: r.span, kind: r.kind ?? 'identifier' as const })),
          ...flatten(defs).filter((d) => !d.name.startsWith('impl '))
            .map((d) => ({ name: d.name, span: d.nameSpan, kind: 'definition' as const })),
        ]);
        assert.deepEqual(all.occurrences, expected, path);
        assert.deepEqual(new Set(all.occurrences.names), new Set(identifierNames(tree, lang)), path);
        assert.equal('folds' in all, false, 'no folds: nothing keeps them');
        assert.deepEqual(all.diagnostics, syntaxDiagnostics(tree), path);
        assert.equal(all.references, undefined, 'references only on request');
        assert.deepEqual(structuredClone(all), all, path);
        const withRefs = analyzeFile(tree, lang, { text, references: true });
        assert.deepEqual(withRefs.references, references(tree, lang), path);
      });
    }
  });

  test('a language query is compiled once per thread and reused', async () => {
    disposeQueries();
    assert.equal(compiledQueryCount(), 0);
    await withDemoTree('rust', 'rust/lib.rs', (tree) => {
      analyzeFile(tree, 'rust');
      const first = queryFor('rust', tree.language);
      analyzeFile(tree, 'rust');
      outline(tree, 'rust');
      assert.equal(queryFor('rust', tree.language), first);
      assert.equal(compiledQueryCount(), 1);
    });
    disposeQueries();
    assert.equal(compiledQueryCount(), 0);
    // After disposal the next analysis compiles afresh and still works.
    const symbols = await withDemoTree('rust', 'rust/lib.rs', (tree) => outline(tree, 'rust'));
    assert.ok(symbols.length > 5);
    assert.equal(compiledQueryCount(), 1);
  });

  test('a large file is analysed completely', async () => {
    const unit = demoText('web/cart.js');
    const copies = Math.ceil((1 << 20) / unit.length);
    const text = unit.repeat(copies);
    const [result, folds] = await withTree('javascript', text,
      (tree) => [analyzeFile(tree, 'javascript', { text }), foldingRanges(tree, text)] as const);
    const classes = result.symbols.filter((s) => s.kind === SymbolKind.Class);
    assert.equal(classes.length, copies);
    const lines = unit.split('\n').length - 1;
    assert.deepEqual(classes[copies - 1]!.span, [5 + (copies - 1) * lines, 7, 24 + (copies - 1) * lines, 1]);
    assert.equal(folds.length, 6 * copies);
    assert.deepEqual(result.diagnostics, []);
    const i = result.occurrences.names.indexOf('applyTax');
    assert.ok(i >= 0);
    const uses = decodeOccurrences('applyTax', result.occurrences.data,
      i === 0 ? 0 : result.occurrences.ends[i - 1]!, result.occurrences.ends[i]!);
    assert.equal(uses.length % copies, 0, 'as many occurrences in every copy');
  });
});
