/**
 * The delta index agrees with a Map under any sequence of sets and deletes, in both forms and
 * across switches between them, and its bytes stay within its bound: the table while sparse
 * (≤ 32 B per delta once past its minimum size, and never more than the column), the column (4 B per slot of capacity) while dense.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeltaIndex } from '../../server/src/cache/store/delta-index.js';

const opArb = fc.oneof(
  fc.tuple(fc.constant('set' as const), fc.nat(4095), fc.integer({ min: 1, max: 0xffffffff })),
  fc.tuple(fc.constant('delete' as const), fc.nat(4095), fc.constant(0)),
  // Runs of sets or deletes over a range (pushes the index across its switching points).
  fc.tuple(fc.constant('fill' as const), fc.nat(4095), fc.integer({ min: 1, max: 2000 })),
  fc.tuple(fc.constant('clear' as const), fc.nat(4095), fc.integer({ min: 1, max: 2000 })),
);

test('the delta index agrees with a Map in both forms, and its bytes stay bounded', () => {
  let switches = 0;
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 4096, max: 8192 }), (ops, capacity) => {
      const index = new DeltaIndex(() => capacity);
      const model = new Map<number, number>();
      let wasDense = false;
      for (const [op, slot, n] of ops) {
        if (op === 'set') {
          index.set(slot, n);
          model.set(slot, n);
        } else if (op === 'delete') {
          index.delete(slot);
          model.delete(slot);
        } else {
          for (let s = slot; s < Math.min(4096, slot + n); s++) {
            if (op === 'fill') {
              index.set(s, s * 16 + 1);
              model.set(s, s * 16 + 1);
            } else {
              index.delete(s);
              model.delete(s);
            }
          }
        }
        if (index.dense !== wasDense) switches++;
        wasDense = index.dense;
        assert.equal(index.size, model.size);
        if (index.dense) assert.ok(index.bytes <= 4 * capacity);
        else assert.ok(index.bytes <= Math.min(4 * capacity, Math.max(16 * 8, 32 * index.size)), `sparse: ${index.bytes} B for ${index.size}`);
      }
      for (let s = 0; s < 4096; s++) assert.equal(index.get(s), model.get(s) ?? 0, `slot ${s}`);
      for (const s of [...model.keys()]) index.delete(s);
      assert.equal(index.size, 0);
      assert.ok(index.bytes <= 16 * 8, `empty index holds ${index.bytes} B`);
    }),
    { numRuns: 400 },
  );
  assert.ok(switches > 30, `only ${switches} switches between forms`);
});
