/**
 * Folding ranges: known blocks of the demo files fold from their header line to the line before
 * their closer (`}` stays visible) or to their last line (Python); comment runs and import runs
 * fold with their kind; one fold per start line; nothing folds a single line.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { foldingRanges } from '../../../server/src/syntax/analysis/index.js';
import type { LanguageName } from '../../../server/src/syntax/languages.js';
import type { FoldSpan } from '../../../server/src/syntax/types.js';
import { releaseAll, withDemoTree, withTree } from './demo.js';

after(releaseAll);

const folds = (lang: LanguageName, path: string): Promise<FoldSpan[]> =>
  withDemoTree(lang, path, (tree, text) => foldingRanges(tree, text));

function assertWellFormed(list: readonly FoldSpan[]): void {
  for (let i = 0; i < list.length; i++) {
    assert.ok(list[i]!.endLine > list[i]!.startLine, 'spans lines');
    if (i > 0) assert.ok(list[i - 1]!.startLine < list[i]!.startLine, 'sorted, one per start line');
  }
}

describe('folding ranges', () => {
  test('javascript: class, methods and function; closers stay visible', async () => {
    const list = await folds('javascript', 'web/cart.js');
    assertWellFormed(list);
    assert.deepEqual(list, [
      { startLine: 5, endLine: 23 }, // class Cart { ... }
      { startLine: 6, endLine: 8 }, // constructor
      { startLine: 11, endLine: 13 }, // add
      { startLine: 16, endLine: 18 }, // total
      { startLine: 21, endLine: 22 }, // describe
      { startLine: 26, endLine: 27 }, // applyTax
    ]);
  });

  test('python: blocks fold to their last line; no extra fold for a body under its def', async () => {
    const list = await folds('python', 'python/inventory.py');
    assertWellFormed(list);
    assert.deepEqual(list.map((f) => [f.startLine, f.endLine]), [
      [6, 9], [12, 30], [15, 17], [19, 22], [24, 26], [28, 30], [29, 30], [33, 34], [37, 40], [43, 44],
    ]);
  });

  test('go: imports fold as imports, bodies to the line before `}`', async () => {
    const list = await folds('go', 'go/store.go');
    assertWellFormed(list);
    assert.deepEqual(list[0], { startLine: 3, endLine: 5, kind: 'imports' });
    assert.ok(list.some((f) => f.startLine === 36 && f.endLine === 43)); // func (s *Store) Get
    assert.ok(list.some((f) => f.startLine === 40 && f.endLine === 41)); // if !ok { ... }
  });

  test('c: the include guard folds to the line before #endif', async () => {
    const list = await folds('c', 'c/ring.h');
    assert.deepEqual(list, [{ startLine: 1, endLine: 19 }, { startLine: 8, endLine: 12 }]);
  });

  test('c++: a template folds from its template line, its function from the header', async () => {
    const list = await folds('cpp', 'cpp/scheduler.cpp');
    assertWellFormed(list);
    assert.ok(list.some((f) => f.startLine === 42 && f.endLine === 44));
    assert.ok(list.some((f) => f.startLine === 43 && f.endLine === 44));
    assert.deepEqual(list[0], { startLine: 1, endLine: 4, kind: 'imports' });
  });

  test('bash: consecutive comment lines fold as a comment; loops keep `done` visible', async () => {
    const list = await folds('bash', 'scripts/deploy.sh');
    assertWellFormed(list);
    assert.deepEqual(list[0], { startLine: 0, endLine: 1, kind: 'comment' });
    assert.ok(list.some((f) => f.startLine === 21 && f.endLine === 23)); // while ... done
  });

  test('json: nested objects', async () => {
    const list = await folds('json', 'config/settings.json');
    assert.deepEqual(list.map((f) => [f.startLine, f.endLine]), [[0, 14], [3, 6], [8, 13], [9, 11]]);
  });

  test('tsx: JSX elements keep their closing tag visible', async () => {
    const list = await folds('tsx', 'web/CartView.tsx');
    assert.ok(list.some((f) => f.startLine === 11 && f.endLine === 14)); // <section> ... </section>
  });

  test('a comment after code does not start a comment fold', async () => {
    const list = await withTree('javascript', 'f(); // trailing\n// one\n// two\nf();\n', (tree) => foldingRanges(tree));
    assert.deepEqual(list, [{ startLine: 1, endLine: 2, kind: 'comment' }]);
  });

  test('the text is read from the tree when not given', async () => {
    const a = await withDemoTree('rust', 'rust/lib.rs', (tree) => foldingRanges(tree));
    const b = await folds('rust', 'rust/lib.rs');
    assert.deepEqual(a, b);
    assert.ok(a.length > 5);
  });
});
