/**
 * The query pass's time budget (analysis/budget.ts): a pathologically nested file is cut, flagged
 * incomplete (plain data) with one 'incomplete' diagnostic at its start, and what was found is a
 * subset of the whole pass; a real file is never flagged under the default budget.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { analyzeFile, budgetMsFor, BUDGET_FLOOR_MS, BUDGET_MS_PER_KIB } from '../../../server/src/syntax/analysis/index.js';
import { collectTags } from '../../../server/src/syntax/analysis/tags.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';
import { demoText, releaseAll, withTree } from './demo.js';
import { allFiles } from './files.js';

after(releaseAll);

const DEPTH = 100_000;

describe('query pass budget', () => {
  test('the budget: floor + per KiB; a repeat pass (previous one cut) has no floor', () => {
    assert.equal(budgetMsFor(0), BUDGET_FLOOR_MS);
    assert.equal(budgetMsFor(2 * 1024 * 1024), BUDGET_FLOOR_MS + 2048 * BUDGET_MS_PER_KIB);
    assert.ok(budgetMsFor(200_000, true) < budgetMsFor(200_000) - BUDGET_FLOOR_MS / 2);
    assert.ok(budgetMsFor(1024 * 1024, true) >= 1024, 'a repeat pass over 1 MiB still gets ≥ 1 s (real files need ≤ 0.5 s)');
  });

  test('100 000 nested parentheses in JavaScript: the pass is cut, flagged, and reports it', async () => {
    const text = '('.repeat(DEPTH) + ')'.repeat(DEPTH) + '\n';
    await withTree('javascript', text, (tree) => {
      const a = analyzeFile(tree, 'javascript', { text, budgetMs: 200 });
      assert.ok(a.incomplete, 'flagged incomplete');
      assert.equal(a.incomplete.stage, 'query');
      assert.ok(a.incomplete.afterMs >= 200 && a.incomplete.budgetMs === 200, JSON.stringify(a.incomplete));
      assert.equal(a.diagnostics[0]!.kind, 'incomplete');
      assert.match(a.diagnostics[0]!.message, /outline incomplete: the query stopped after \d+ ms/);
      assert.deepEqual(a.diagnostics[0]!.span, [0, 0, 0, 0]);
      assert.ok(a.diagnostics.length <= 100);
    });
  });

  test('100 000 nested JSON brackets edited in the middle (51 s unbounded): cut and flagged', async () => {
    const text = '['.repeat(DEPTH) + ']'.repeat(113) + '中文中文)';
    await withTree('json', text, (tree) => {
      const tags = collectTags(tree, 'json', { budgetMs: 200 });
      assert.ok(tags.incomplete, 'flagged incomplete');
    });
  });

  test('a cut pass returns a subset of the whole pass', async () => {
    // A big real file with a budget of 0 ms: stopped at the first progress check.
    const text = Array.from({ length: 4000 }, (_, i) => `function f${i}(a) { return g${i}(a) + ${i}; }`).join('\n');
    await withTree('javascript', text, (tree) => {
      const whole = collectTags(tree, 'javascript', { references: true });
      const cut = collectTags(tree, 'javascript', { references: true, budgetMs: 0 });
      assert.equal(whole.incomplete, undefined);
      assert.ok(cut.incomplete);
      assert.ok(cut.definitions.length < whole.definitions.length);
      const names = new Set(whole.definitions.map((d) => `${d.name}@${d.start}`));
      for (const d of cut.definitions) assert.ok(names.has(`${d.name}@${d.start}`), d.name);
    });
  });

  test('no real file is flagged under the default budget', async () => {
    for (const path of allFiles()) {
      const lang = detectLanguage(path)?.name;
      if (!lang) continue;
      const text = demoText(path);
      await withTree(lang, text, (tree) => {
        const a = analyzeFile(tree, lang, { text, references: true });
        assert.equal(a.incomplete, undefined, path);
        assert.ok(a.diagnostics.every((d) => d.kind !== 'incomplete'), path);
      });
    }
  });
});
