/**
 * The name under the cursor (navigation.ts `identifierAt`): whole names, `$` part of a name only where
 * the language says so (a shell's `$HOME` names HOME), and nothing for numbers or blanks. The order of
 * an answer (`orderLocations`) equals a naive sort of the unique locations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { identifierAt, orderLocations, type Located } from '../../server/src/index/navigation.js';
import { languageByName } from '../../server/src/syntax/languages.js';

test('the name around a column, from its first character to past its last', () => {
  const line = '  total += sharedName(x + 1);';
  for (let c = 11; c <= 21; c++) assert.equal(identifierAt(line, c), 'sharedName', `column ${c}`);
  assert.equal(identifierAt(line, 2), 'total');
  assert.equal(identifierAt(line, 0), undefined);
  assert.equal(identifierAt(line, 26), undefined, 'a number is not a name');
  assert.equal(identifierAt('const café = 1', 8), 'café');
});

test('`$` belongs to a name in JavaScript, not in a shell', () => {
  assert.equal(identifierAt('const $el = $(x);', 7), '$el');
  assert.equal(identifierAt('echo "building in $ROOT_DIR"', 20, false), 'ROOT_DIR');
  assert.equal(identifierAt('echo "building in $ROOT_DIR"', 18, false), 'ROOT_DIR', 'on the $ itself');
  assert.equal(identifierAt('echo "building in $ROOT_DIR"', 18), '$ROOT_DIR', 'where $ is part of names');
  assert.equal(identifierAt('echo ${ROOT_DIR}', 8, false), 'ROOT_DIR');
  assert.equal(languageByName('bash')?.dollarInNames, undefined);
  assert.equal(languageByName('javascript')?.dollarInNames, true);
});

test('orderLocations: the current file first, then by path and position, each location once', () => {
  const span = fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4));
  const location = fc.record({ key: fc.constantFrom('/a', '/b/c', '/b', '/ab', 'untitled:1'), span });
  fc.assert(fc.property(fc.array(location, { maxLength: 60 }), fc.constantFrom('/a', '/b', '/z'), (found, current) => {
    // Naive: unique by value, then one comparator over everything.
    const unique = [...new Map(found.map((l) => [JSON.stringify([l.key, l.span]), l])).values()];
    const rank = (l: Located) => [l.key === current ? 0 : 1, l.key, ...l.span] as const;
    const want = unique.sort((x, y) => {
      const a = rank(x), b = rank(y);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
      return 0;
    });
    assert.deepEqual(orderLocations(current, found).map((l) => [l.key, l.span]), want.map((l) => [l.key, l.span]));
  }), { numRuns: 500 });
});
