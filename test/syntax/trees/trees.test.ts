/**
 * Tree lifetime accounting: counts are exact, release is idempotent, a released tree is unreachable,
 * and `live` returns to 0 when every owner has released.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import { TreeLedger } from '../../../server/src/syntax/trees.js';

test('ledger counts creations and deletions exactly; live returns to 0', async () => {
  const parser = await parserFor('javascript');
  const ledger = new TreeLedger();
  const a = ledger.parse(parser, 'let a = 1;', 'javascript');
  const b = ledger.parse(parser, 'let b = 2;', 'javascript');
  assert.deepEqual(ledger.counts(), { live: 2, created: 2, deleted: 0 });
  a.release();
  a.release(); // second release is a no-op, not a double delete
  assert.deepEqual(ledger.counts(), { live: 1, created: 2, deleted: 1 });
  assert.equal(a.alive, false);
  assert.throws(() => a.tree, /used after release/);
  assert.equal(b.tree.rootNode.type, 'program');
  b.release();
  assert.deepEqual(ledger.counts(), { live: 0, created: 2, deleted: 2 });
});

test('incremental parse with an old tree creates a new owned tree; old one stays owned', async () => {
  const parser = await parserFor('javascript');
  const ledger = new TreeLedger();
  const old = ledger.parse(parser, 'let a = 1;', 'javascript');
  const next = ledger.parse(parser, 'let a = 1;', 'javascript', old);
  assert.equal(ledger.counts().live, 2);
  old.release();
  next.release();
  assert.deepEqual(ledger.counts(), { live: 0, created: 2, deleted: 2 });
});

test('any interleaving of parses and (repeated) releases keeps live = created - deleted = holders', async () => {
  const parser = await parserFor('json');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.nat(20)), { maxLength: 60 }), async (ops) => {
      const ledger = new TreeLedger();
      const held: ReturnType<TreeLedger['parse']>[] = [];
      for (const [create, i] of ops) {
        if (create || held.length === 0) held.push(ledger.parse(parser, `[${i}]`, 'json'));
        else held[i % held.length]!.release(); // may hit an already released one
      }
      const alive = held.filter((h) => h.alive).length;
      const c = ledger.counts();
      assert.equal(c.live, alive);
      assert.equal(c.created - c.deleted, c.live);
      for (const h of held) h.release();
      assert.deepEqual(ledger.counts(), { live: 0, created: held.length, deleted: held.length });
    }),
    { numRuns: 100 },
  );
});
