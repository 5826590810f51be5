/**
 * Entry chunk lists are protected by a CRC-32: flip any bit of any entry's chunk list (or of its
 * CRC) → reads give the exact text (through the fallback) or an IntegrityError, entries whose list
 * is intact keep reading verified (no wrong slot was released under them, whatever order the
 * damaged entries are read, deleted or demoted in), the store's figures are exact once the damage
 * is settled, and deleting every entry leaves the store empty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, debugStorage, IntegrityError } from '../../server/src/cache/index.js';
import { auditStore, PREFIX, putLineages, splicesArb, textArb } from './helpers.js';

test('a flipped bit in an entry chunk list: exact or IntegrityError, no reference drift, the store empties', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(textArb(3000).map((t): Uint8Array => new Uint8Array(Buffer.concat([PREFIX, t]))), { minLength: 1, maxLength: 3 }),
      fc.array(splicesArb, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(Infinity, 0, 2500),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(31), fc.boolean()), { minLength: 1, maxLength: 3 }),
      fc.array(fc.constantFrom('read', 'delete', 'demote'), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      async (firsts, versions, warmBytes, flips, firstActions, noFallbackPick) => {
        const cache = await createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096 });
        // Every third entry (offset by noFallbackPick) has no fallback: its damage is a clear error.
        const model = putLineages(cache, firsts, versions, (n, text) => ((n + noFallbackPick) % 3 === 0 ? undefined : () => text.slice()));
        cache.setBudgets({ warmBytes });
        auditStore(cache);

        const keys = [...model.keys()];
        const before = new Map(keys.map((k) => [k, cache.entries.get(k)!.chunks.slice()]));
        const crcBefore = new Map(keys.map((k) => [k, cache.entries.get(k)!.chunksCrc]));
        const dbg = debugStorage(cache);
        for (const [pick, at, bit, inCrc] of flips) {
          const key = keys[pick % keys.length]!;
          if (inCrc) {
            dbg.flipEntryField(key, 'chunksCrc', bit);
          } else {
            const region = dbg.regions(key).find((r) => r.name === `entry-chunks ${key}`)!;
            if (region.bytes.length > 0) region.bytes[at % region.bytes.length] ^= 1 << (bit & 7);
          }
        }
        // The entries actually damaged (two flips may cancel out).
        const damaged = new Set(keys.filter((k) => {
          const e = cache.entries.get(k)!;
          const was = before.get(k)!;
          return e.chunksCrc !== crcBefore.get(k) || e.chunks.some((slot, i) => slot !== was[i]);
        }));

        // Damaged entries first, in the generated order of actions: read, delete, or demote everything.
        const deleted = new Set<string>();
        [...damaged].forEach((k, i) => {
          const action = firstActions[i % firstActions.length];
          if (action === 'delete') {
            cache.delete(k);
            deleted.add(k);
          } else if (action === 'demote') {
            cache.setBudgets({ warmBytes: 0 });
            cache.setBudgets({ warmBytes });
          } else {
            // Not yet settled by an earlier action: the read finds the damage and counts it.
            const unsettled = cache.tier(k) !== 'evicted';
            const failures = cache.stats().integrity.crcFailures;
            try {
              assert.deepEqual(cache.read(k), model.get(k), `${k}: a damaged list read gave other bytes`);
            } catch (err) {
              if (!(err instanceof IntegrityError)) throw err;
            }
            if (unsettled) assert.equal(cache.stats().integrity.crcFailures, failures + 1, `${k}: the damaged list was not counted (${failures} → ${cache.stats().integrity.crcFailures}, tier ${cache.tier(k)})`);
          }
        });
        // Every entry whose list was intact reads verified: nothing was released under it.
        for (const k of keys) {
          if (damaged.has(k) || deleted.has(k)) continue;
          const c = cache.stats().integrity;
          assert.deepEqual(cache.read(k), model.get(k), `${k}: intact entry`);
          const d = cache.stats().integrity;
          assert.equal(d.crcFailures, c.crcFailures, `${k}: an intact entry failed a check (a wrong slot was released)`);
        }
        // The damaged ones still there: exact or a clear error.
        for (const k of damaged) {
          if (deleted.has(k)) continue;
          try {
            assert.deepEqual(cache.read(k), model.get(k), `${k}: read after the damage was settled`);
          } catch (err) {
            if (!(err instanceof IntegrityError)) throw err;
          }
        }
        auditStore(cache);
        for (const k of keys) cache.delete(k);
        auditStore(cache);
        const s = cache.stats().store;
        assert.deepEqual([s.chunks, s.uniqueChunks, s.deltaChunks, s.storedBytes, s.rawBytes, s.uniqueRawBytes, s.journalBytes], [0, 0, 0, 0, 0, 0, 0]);
      },
    ),
    { numRuns: 1000 },
  );
});
