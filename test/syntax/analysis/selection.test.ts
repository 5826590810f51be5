/**
 * Selection ranges: for each position, a chain of spans from the innermost node out to the whole
 * tree, each strictly containing the one before.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { selectionRanges } from '../../../server/src/syntax/analysis/index.js';
import type { Span } from '../../../server/src/syntax/types.js';
import { releaseAll, withDemoTree } from './demo.js';

after(releaseAll);

const contains = (outer: Span, inner: Span): boolean =>
  (outer[0] < inner[0] || (outer[0] === inner[0] && outer[1] <= inner[1])) &&
  (outer[2] > inner[2] || (outer[2] === inner[2] && outer[3] >= inner[3]));

describe('selection ranges', () => {
  test('a call inside a method expands to the call, the statement, the method, the class', async () => {
    // cart.js line 18: `    return applyTax(net);`, position inside `applyTax`.
    const [chain] = await withDemoTree('javascript', 'web/cart.js', (tree) =>
      selectionRanges(tree, [{ line: 18, character: 13 }]));
    assert.ok(chain);
    assert.deepEqual(chain[0], [18, 11, 18, 19]); // applyTax
    assert.deepEqual(chain[1], [18, 11, 18, 24]); // applyTax(net)
    assert.ok(chain.some((s) => s[0] === 16 && s[1] === 2 && s[2] === 19 && s[3] === 3), 'the method total()');
    assert.ok(chain.some((s) => s[0] === 5 && s[1] === 7 && s[2] === 24 && s[3] === 1), 'the class Cart');
    assert.deepEqual(chain[chain.length - 1], [0, 0, 33, 0]); // the program
  });

  test('every chain nests strictly, in every language', async () => {
    const cases: [Parameters<typeof withDemoTree>[0], string, number, number][] = [
      ['python', 'python/inventory.py', 21, 15],
      ['go', 'go/store.go', 41, 24],
      ['rust', 'rust/lib.rs', 36, 45],
      ['json', 'config/settings.json', 10, 20],
      ['bash', 'scripts/deploy.sh', 22, 6],
    ];
    for (const [lang, path, line, character] of cases) {
      const chains = await withDemoTree(lang, path, (tree) =>
        selectionRanges(tree, [{ line, character }, { line: 0, character: 0 }]));
      assert.equal(chains.length, 2);
      assert.ok(contains(chains[0]![0]!, [line, character, line, character]), `${path}: starts at the position`);
      for (const chain of chains) {
        assert.ok(chain.length >= 2, path);
        for (let i = 1; i < chain.length; i++) {
          assert.ok(contains(chain[i]!, chain[i - 1]!), `${path}: nests`);
          assert.notDeepEqual(chain[i], chain[i - 1], `${path}: no repeats`);
        }
      }
    }
  });
});
