/**
 * nameMerge.ts against a model (every input's items gathered, grouped by name, sorted): each distinct
 * name once, in compareNames order, with the inputs holding it ascending and their own items; an
 * unsorted input is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mergeByName } from '../../../server/src/index/occurrences/nameMerge.js';
import { compareNames } from '../../../server/src/syntax/occurrences.js';

interface Item { name: string; at: string }

/** Sorted, distinct names per input (as a segment's dictionary is), any code units. */
const inputArb = fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '\u{1F600}', '_', 'A'), maxLength: 4 }),
  { maxLength: 30 }).map((names) => [...names].sort(compareNames));

test('mergeByName equals grouping every input\'s names, sorted', () => {
  fc.assert(fc.property(fc.array(inputArb, { maxLength: 12 }), (inputs) => {
    const items: Item[][] = inputs.map((names, i) => names.map((name, j) => ({ name, at: `${i}:${j}` })));
    const got = [...mergeByName(items.map((list) => list[Symbol.iterator]()))]
      .map((s) => ({ name: s.name, inputs: s.inputs, items: s.items.map((x) => x.at) }));
    const model = new Map<string, { inputs: number[]; items: string[] }>();
    items.forEach((list, i) => list.forEach((x) => {
      const m = model.get(x.name) ?? { inputs: [], items: [] };
      m.inputs.push(i);
      m.items.push(x.at);
      model.set(x.name, m);
    }));
    const want = [...model].sort((a, b) => compareNames(a[0], b[0])).map(([name, m]) => ({ name, ...m }));
    assert.deepEqual(got, want);
  }), { numRuns: 500 });
});

test('an input out of order is refused, not merged wrongly', () => {
  const sorted = [{ name: 'a' }, { name: 'c' }];
  const unsorted = [{ name: 'b' }, { name: 'a' }];
  assert.throws(() => [...mergeByName([sorted[Symbol.iterator](), unsorted[Symbol.iterator]()])], /not sorted/);
});
