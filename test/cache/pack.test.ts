/**
 * The cold pack layout (store/pack-store.ts): a stored member table (u16 length − 1 per member)
 * then one Zstandard frame, and nothing per member in memory. Properties: any members round-trip
 * byte for byte (from the LRU and from the frames); a flipped bit in the member table makes the
 * whole pack unreadable (never a shifted member); a flipped bit in the frame gives no member or one
 * of its recorded length (the chunk CRC then decides); live counts reach 'freed' exactly at the last
 * kill and report 'sparse' exactly when less than half the member bytes are live.
 * fast-check prints the seed of a failing run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { initZstd } from '../../server/src/cache/codecs/index.js';
import { PackStore } from '../../server/src/cache/store/pack-store.js';

/** A member as a plain Uint8Array (the decompressor hands out Buffers), or undefined. */
const plain = (m: Uint8Array | undefined) => (m === undefined ? undefined : Uint8Array.from(m));

const membersArb = fc.array(
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 3000 }),
    fc.tuple(fc.constantFrom('export const a = 1;\n', 'function f(x) { return x; }\n', '\n'), fc.integer({ min: 1, max: 200 })).map(([s, n]) => new TextEncoder().encode(s.repeat(n))),
  ),
  { minLength: 1, maxLength: 60 },
);

test('pack members round-trip byte for byte, cached or not', async () => {
  await initZstd();
  fc.assert(
    fc.property(membersArb, fc.integer({ min: 1, max: 3 }), (members, cached) => {
      const packs = new PackStore(3, cached);
      const ids = [packs.write(members), packs.write(members.slice().reverse())];
      for (let round = 0; round < 2; round++) {
        members.forEach((m, i) => {
          assert.deepEqual(plain(packs.member(ids[0], i)), m);
          assert.equal(packs.memberLength(ids[0], i), m.length);
          assert.deepEqual(plain(packs.member(ids[1], members.length - 1 - i)), m);
        });
        assert.equal(packs.member(ids[0], members.length), undefined);
        packs.dropDecompressed();
      }
      const total = members.reduce((n, m) => n + m.length, 0);
      assert.equal(packs.storedBytes, ids.reduce((n, id) => n + packs.storedParts(id)!.table.length + packs.storedParts(id)!.frame.length, 0));
      assert.equal(packs.storedParts(ids[0])!.table.length, 2 * members.length);
      assert.equal(packs.get(ids[0])!.rawLength, total);
    }),
    { numRuns: 300 },
  );
});

test('a flipped bit in a pack never yields a member of another length, and a flipped table bit none at all', async () => {
  await initZstd();
  fc.assert(
    fc.property(membersArb, fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 }), (members, inTable, at, bit) => {
      const packs = new PackStore(3);
      const id = packs.write(members);
      const parts = packs.storedParts(id)!;
      const region = inTable ? parts.table : parts.frame;
      region[at % region.length] ^= 1 << bit;
      packs.dropDecompressed();
      members.forEach((m, i) => {
        const got = packs.member(id, i);
        if (inTable) assert.equal(got, undefined, `member ${i} read through a damaged member table`);
        else if (got !== undefined) assert.equal(got.length, m.length);
      });
    }),
    { numRuns: 1000 },
  );
});

test('live counts: sparse exactly below half the member bytes, freed exactly at the last member', async () => {
  await initZstd();
  fc.assert(
    fc.property(membersArb, fc.func(fc.integer()), (members, order) => {
      const packs = new PackStore(3);
      const id = packs.write(members);
      const total = members.reduce((n, m) => n + m.length, 0);
      const left = members.map((_, i) => i).sort((a, b) => order(a) - order(b) || a - b);
      let live = total;
      left.forEach((i, k) => {
        live -= members[i].length;
        const state = packs.kill(id, i);
        if (k === left.length - 1) {
          assert.equal(state, 'freed');
          assert.equal(packs.get(id), undefined);
          assert.equal(packs.storedBytes, 0);
        } else {
          assert.equal(state, live * 2 < total ? 'sparse' : 'ok');
          assert.deepEqual(plain(packs.member(id, left[k + 1])), members[left[k + 1]]); // still readable until freed
        }
      });
      assert.equal(packs.packCount, 0);
    }),
    { numRuns: 300 },
  );
});
