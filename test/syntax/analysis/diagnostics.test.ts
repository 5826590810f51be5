/**
 * Syntax diagnostics: the demo file with a deliberate error reports exactly that error, every
 * other demo file reports none, messages name the unexpected or missing text, and the count is
 * bounded.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { syntaxDiagnostics } from '../../../server/src/syntax/analysis/index.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';
import { demoFiles } from './files.js';
import { releaseAll, withDemoTree, withTree } from './demo.js';

after(releaseAll);

describe('syntax diagnostics', () => {
  test('web/broken.js: the missing `)` of the for header', async () => {
    const diags = await withDemoTree('javascript', 'web/broken.js', (tree) => syntaxDiagnostics(tree));
    assert.deepEqual(diags, [{ span: [3, 26, 3, 26], kind: 'missing', message: 'Missing `)`' }]);
  });

  test('every other demo file is valid', async () => {
    const files = demoFiles().filter((f) => f !== 'web/broken.js');
    assert.ok(files.length >= 14);
    for (const path of files) {
      const lang = detectLanguage(path, { firstLine: '#!/bin/bash' })!;
      const diags = await withDemoTree(lang.name, path, (tree) => syntaxDiagnostics(tree));
      assert.deepEqual(diags, [], path);
    }
  });

  test('an unexpected token is named, innermost first', async () => {
    const diags = await withTree('javascript', 'let x = );\nfunction f( {\n', (tree) => syntaxDiagnostics(tree));
    assert.deepEqual(diags, [{ span: [0, 8, 0, 10], kind: 'error', message: 'Syntax error: unexpected `);`' }]);
  });

  test('errors and missing tokens are reported in document order', async () => {
    const diags = await withTree('c', 'int main() { return 0 }\nint f(int a b) { }\n', (tree) => syntaxDiagnostics(tree));
    assert.deepEqual(diags, [
      { span: [0, 21, 0, 21], kind: 'missing', message: 'Missing `;`' },
      { span: [1, 12, 1, 13], kind: 'error', message: 'Syntax error: unexpected `b`' },
    ]);
  });

  test('long unexpected text is shortened to its first line', async () => {
    const diags = await withTree('json', '{"a": 1 "b" "this is a rather long string value"\n}', (tree) => syntaxDiagnostics(tree));
    assert.ok(diags.length >= 1);
    for (const d of diags) {
      assert.ok(!d.message.includes('\n'));
      assert.ok(d.message.length <= 'Syntax error: unexpected ``'.length + 33, d.message);
    }
  });

  test('the count is bounded', async () => {
    const text = 'let a = );\n'.repeat(300);
    const all = await withTree('javascript', text, (tree) => syntaxDiagnostics(tree));
    assert.equal(all.length, 100);
    const few = await withTree('javascript', text, (tree) => syntaxDiagnostics(tree, 5));
    assert.deepEqual(few, all.slice(0, 5));
  });
});
