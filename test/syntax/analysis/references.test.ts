/**
 * References: known call sites and type uses of the demo files are found with their exact name
 * spans and kinds; a definition's own name is not a reference; the identifier-name set holds the
 * names of the file (definitions and uses) and nothing from other files.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { identifierNames, references } from '../../../server/src/syntax/analysis/index.js';
import type { LanguageName } from '../../../server/src/syntax/languages.js';
import type { SyntaxReference } from '../../../server/src/syntax/types.js';
import { releaseAll, withDemoTree } from './demo.js';

after(releaseAll);

/** [language, file, name, line, column, kind] of a use that must be found. */
const KNOWN: [LanguageName, string, string, number, number, SyntaxReference['kind']][] = [
  ['javascript', 'web/cart.js', 'applyTax', 18, 11, 'call'],
  ['javascript', 'web/cart.js', 'formatPrice', 22, 29, 'call'],
  ['javascript', 'web/cart.js', 'Cart', 30, 33, 'call'],
  ['javascript', 'web/cart.js', 'TAX_RATE', 27, 23, 'identifier'],
  ['typescript', 'web/api.ts', 'fetchJson', 29, 26, 'call'],
  ['typescript', 'web/api.ts', 'ProductId', 26, 20, 'type'],
  ['typescript', 'web/api.ts', 'product', 36, 26, 'call'],
  ['tsx', 'web/CartView.tsx', 'Total', 13, 7, 'call'],
  ['tsx', 'web/CartView.tsx', 'CartViewProps', 9, 47, 'type'],
  ['python', 'python/inventory.py', 'is_low', 26, 56, 'call'],
  ['python', 'python/inventory.py', 'Item', 20, 42, 'call'],
  ['python', 'python/inventory.py', 'LOW_STOCK', 34, 27, 'identifier'],
  ['go', 'go/store.go', 'Product', 21, 17, 'type'],
  ['go', 'go/store.go', 'Lock', 37, 6, 'call'],
  ['go', 'go/store.go', 'ErrNotFound', 41, 20, 'identifier'],
  ['rust', 'rust/lib.rs', 'next_job', 58, 31, 'call'],
  ['rust', 'rust/lib.rs', 'Job', 31, 32, 'type'],
  ['rust', 'rust/lib.rs', 'write', 51, 8, 'call'],
  ['c', 'c/ring.c', 'ring_index', 18, 12, 'call'],
  ['c', 'c/ring.c', 'ring_index', 29, 14, 'call'],
  ['c', 'c/ring.c', 'ring_t', 7, 15, 'type'],
  ['cpp', 'cpp/scheduler.cpp', 'clamp_priority', 51, 47, 'call'],
  ['cpp', 'cpp/scheduler.cpp', 'submit', 51, 14, 'call'],
  ['cpp', 'cpp/scheduler.cpp', 'Task', 17, 22, 'type'],
  ['java', 'java/Inventory.java', 'count', 19, 15, 'call'],
  ['java', 'java/Inventory.java', 'HashMap', 9, 51, 'call'],
  ['java', 'java/Inventory.java', 'Countable', 6, 34, 'type'],
  ['bash', 'scripts/deploy.sh', 'build_all', 22, 4, 'call'],
  ['bash', 'scripts/deploy.sh', 'log', 13, 2, 'call'],
  ['bash', 'scripts/deploy.sh', 'RETRIES', 21, 27, 'identifier'],
  ['bash', 'scripts/release', 'tag_release', 8, 0, 'call'],
];

describe('references in the demo workspace', () => {
  for (const [lang, path, name, line, col, kind] of KNOWN) {
    test(`${lang}: ${name} at ${path}:${line + 1}:${col + 1} (${kind})`, async () => {
      const refs = await withDemoTree(lang, path, (tree) => references(tree, lang));
      const hit = refs.find((r) => r.span[0] === line && r.span[1] === col);
      assert.ok(hit, `no reference at ${line}:${col}`);
      assert.deepEqual(hit, { name, span: [line, col, line, col + name.length], kind });
    });
  }

  test('definitions are not references of themselves; uses are sorted and unique', async () => {
    const refs = await withDemoTree('javascript', 'web/cart.js', (tree) => references(tree, 'javascript'));
    // `export function applyTax(amount)` names applyTax at 26:16.
    assert.ok(!refs.some((r) => r.span[0] === 26 && r.span[1] === 16));
    assert.ok(!refs.some((r) => r.name === 'Cart' && r.span[0] === 5));
    for (let i = 1; i < refs.length; i++) {
      const a = refs[i - 1]!.span;
      const b = refs[i]!.span;
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), 'sorted, one per position');
    }
  });

  test('bash positional parameters are not names', async () => {
    const refs = await withDemoTree('bash', 'scripts/release', (tree) => references(tree, 'bash'));
    assert.ok(!refs.some((r) => /^\d+$/.test(r.name)));
  });

  test('JSON has no references', async () => {
    const refs = await withDemoTree('json', 'config/settings.json', (tree) => references(tree, 'json'));
    assert.deepEqual(refs, []);
  });
});

describe('identifier names (the per-file filter)', () => {
  test('hold definitions and uses of the file, sorted and distinct', async () => {
    const names = await withDemoTree('go', 'go/store.go', (tree) => identifierNames(tree, 'go'));
    for (const n of ['NewStore', 'Store', 'Product', 'Lock', 'ErrNotFound', 'products', 'mu']) {
      assert.ok(names.includes(n), n);
    }
    assert.deepEqual(names, [...new Set(names)].sort());
    assert.ok(!names.includes('Cart'), 'a name from another file');
    assert.ok(!names.includes('product not found'), 'string contents are not names');
  });

  test('JSON keys are the names of a JSON file', async () => {
    const names = await withDemoTree('json', 'config/settings.json', (tree) => identifierNames(tree, 'json'));
    assert.deepEqual(names, ['cache', 'compress', 'hot', 'megabytes', 'name', 'port', 'routes', 'server', 'tiers', 'tls', 'version', 'warm']);
  });
});
