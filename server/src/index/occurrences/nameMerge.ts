/**
 * A k-way merge of sorted name streams (segments' dictionaries) for a segment merge: each distinct
 * name once, in `compareNames` order, with the inputs that hold it in input order.
 *
 * A binary heap of input indices keyed by (current name, input index), so a step costs O(log k)
 * comparisons, not k: the final merge of `strata index` takes dozens of segments and millions of names.
 * Guarantees: every item of every input is in exactly one step; within a step, `inputs` ascend (the
 * merge adds postings input by input, and file ids grow that way); an input's items must ascend.
 * Synchronous; the caller owns the iterators.
 */
import { compareNames } from '../../syntax/occurrences.js';

export interface MergeStep<T> {
  name: string;
  /** The inputs holding `name`, ascending, each with its item. */
  inputs: number[];
  items: T[];
}

export function* mergeByName<T extends { name: string }>(cursors: readonly Iterator<T>[]): Generator<MergeStep<T>> {
  const heads: (T | undefined)[] = cursors.map((c) => {
    const r = c.next();
    return r.done ? undefined : r.value;
  });
  const heap: number[] = [];
  const before = (a: number, b: number): boolean => {
    const c = compareNames(heads[a]!.name, heads[b]!.name);
    return c < 0 || (c === 0 && a < b);
  };
  const up = (at: number): void => {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(heap[at]!, heap[parent]!)) return;
      [heap[at], heap[parent]] = [heap[parent]!, heap[at]!];
      at = parent;
    }
  };
  const down = (at: number): void => {
    for (;;) {
      const l = 2 * at + 1;
      if (l >= heap.length) return;
      const r = l + 1;
      const least = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[least]!, heap[at]!)) return;
      [heap[at], heap[least]] = [heap[least]!, heap[at]!];
      at = least;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  heads.forEach((h, i) => {
    if (h === undefined) return;
    heap.push(i);
    up(heap.length - 1);
  });
  while (heap.length > 0) {
    const name = heads[heap[0]!]!.name;
    const inputs: number[] = [];
    const items: T[] = [];
    // Popped in (name, input) order: the inputs holding `name` come out ascending.
    while (heap.length > 0 && heads[heap[0]!]!.name === name) {
      const i = pop();
      inputs.push(i);
      items.push(heads[i]!);
    }
    yield { name, inputs, items };
    for (const i of inputs) {
      const r = cursors[i]!.next();
      heads[i] = r.done ? undefined : r.value;
      if (heads[i] === undefined) continue;
      if (compareNames(heads[i]!.name, name) <= 0) {
        throw new Error(`strata: merge input ${i} is not sorted: '${heads[i]!.name}' after '${name}'`);
      }
      heap.push(i);
      up(heap.length - 1);
    }
  }
}
