/**
 * Backed entries (`back`, `adopt`): an entry whose fallback holds its current text leaves memory
 * instead of going cold, and is read back from the fallback, verified.
 * - model-based (property): random puts, adoptions of a text from where it lives (as the indexer
 *   adopts a file it just read: `origin`), edits (with and without the CRC after), saves into a durable
 *   copy (a map standing for the persistent store) followed by `back` with the saved or an older
 *   text's length and CRC, fallback swaps, damage to the durable copy, reads, peeks and budget
 *   changes: every read gives the model's text or an IntegrityError (only while the durable copy is
 *   damaged), never other bytes; `back` succeeds exactly when the declared text is the current one;
 *   no entry is both backed and cold; a backed entry's durable copy is its current text; the store's
 *   counters agree with a recount after every step;
 * - once every entry is backed, a zero warm budget leaves no text bytes in memory at all (warm and cold
 *   stored bytes 0), and every text still reads back exactly;
 * - an edit to a metadata-only entry goes to the entry its refill made (not the one it replaced), and
 *   stays in memory even under a zero warm budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, crc32, IntegrityError, type SourceCache } from '../../server/src/cache/index.js';
import { applyEdit, auditStore, resolveEdit, textArb, type EditSpec } from './helpers.js';

const KEYS = 6;

type Op =
  | { kind: 'put'; k: number; text: Uint8Array }
  | { kind: 'adoptOrigin'; k: number; text: Uint8Array }
  | { kind: 'edit'; k: number; spec: EditSpec; withCrc: boolean }
  | { kind: 'save'; k: number }
  | { kind: 'backStale'; k: number }
  | { kind: 'setFallback'; k: number }
  | { kind: 'damage'; k: number; at: number }
  | { kind: 'heal'; k: number }
  | { kind: 'read'; k: number; peek: boolean }
  | { kind: 'budget'; warm: number };

const keyArb = fc.nat(KEYS - 1);
const specArb = fc.record({
  a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
  text: fc.uint8Array({ maxLength: 40 }), aux: fc.constant(null),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('put' as const), k: keyArb, text: textArb(5000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adoptOrigin' as const), k: keyArb, text: textArb(5000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), k: keyArb, spec: specArb, withCrc: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('save' as const), k: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('backStale' as const), k: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setFallback' as const), k: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('damage' as const), k: keyArb, at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const), k: keyArb }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('read' as const), k: keyArb, peek: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('budget' as const), warm: fc.constantFrom(0, 2000, 8000, 1 << 20) }) },
);

function small(): Promise<SourceCache> {
  return createSourceCache({ chunking: { minSize: 32, avgSize: 128, maxSize: 512 }, slabSize: 4096, packBytes: 4096, journalLimit: 8 });
}

test('backed entries: never served other bytes, never cold, backed only for their current text (model-based)', async () => {
  let backs = 0;
  let dropped = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(textArb(5000), { minLength: KEYS, maxLength: KEYS }), fc.array(opArb, { minLength: 20, maxLength: 60 }), async (firsts, ops) => {
      const cache = await small();
      cache.setBudgets({ warmBytes: 4000 });
      const model: Uint8Array[] = firsts.map((t) => t.slice());
      /** What each durable copy holds now (maybe damaged), and what was saved into it. */
      const durable = new Map<number, Uint8Array>();
      const saved = new Map<number, Uint8Array>();
      const damaged = new Set<number>();
      const older = new Map<number, Uint8Array>();
      const fallbackOf = (k: number) => () => durable.get(k)?.slice();
      const key = (k: number) => `f${k}`;
      firsts.forEach((t, k) => cache.put(key(k), t));
      for (const op of ops) {
        if (op.kind === 'put') {
          older.set(op.k, model[op.k]!);
          model[op.k] = op.text.slice();
          cache.put(key(op.k), op.text);
        } else if (op.kind === 'adoptOrigin') {
          // A text just read from where it lives: the cache keeps its length and CRC only.
          older.set(op.k, model[op.k]!);
          model[op.k] = op.text.slice();
          durable.set(op.k, op.text.slice());
          saved.set(op.k, op.text.slice());
          damaged.delete(op.k);
          cache.adopt(key(op.k), { length: op.text.length, crc: crc32(op.text) }, fallbackOf(op.k), 'origin');
          assert.equal(cache.backing(key(op.k)), 'origin');
          assert.equal(cache.tier(key(op.k)), 'evicted');
          backs++;
        } else if (op.kind === 'edit') {
          const edit = resolveEdit(op.spec, model[op.k]!.length);
          const next = applyEdit(model[op.k]!, edit);
          const options = op.withCrc ? { crcAfter: crc32(next) } : {};
          let ok: boolean;
          try {
            ok = cache.appendEdit(key(op.k), edit, options);
          } catch (e) {
            // An evicted entry is refilled first: from a damaged durable copy it cannot be.
            assert.ok(e instanceof IntegrityError && damaged.has(op.k), `edit: ${String(e)}`);
            continue;
          }
          if (!ok) {
            cache.compact(key(op.k));
            assert.ok(cache.appendEdit(key(op.k), edit, options));
          }
          older.set(op.k, model[op.k]!);
          model[op.k] = next;
        } else if (op.kind === 'save') {
          // A save: the durable copy becomes the current text, then the entry is declared backed by it.
          const text = model[op.k]!;
          durable.set(op.k, text.slice());
          saved.set(op.k, text.slice());
          damaged.delete(op.k);
          const crcKnown = cache.entries.get(key(op.k))!.crc !== undefined;
          const ok = cache.back(key(op.k), { length: text.length, crc: crc32(text) }, fallbackOf(op.k));
          assert.equal(ok, crcKnown, 'back refused the current text, or took a text whose CRC is unknown');
          if (ok) {
            backs++;
            assert.notEqual(cache.tier(key(op.k)), 'cold');
          }
        } else if (op.kind === 'backStale') {
          const stale = older.get(op.k);
          if (!stale) continue;
          const same = stale.length === model[op.k]!.length && crc32(stale) === crc32(model[op.k]!);
          const wasBacked = cache.isBacked(key(op.k));
          const tier = cache.tier(key(op.k));
          const ok = cache.back(key(op.k), { length: stale.length, crc: crc32(stale) }, () => stale.slice());
          if (!same) {
            assert.equal(ok, false, 'backed by another text');
            assert.equal(cache.isBacked(key(op.k)), wasBacked);
            assert.equal(cache.tier(key(op.k)), tier);
          } else if (ok) {
            durable.set(op.k, stale.slice());
            saved.set(op.k, stale.slice());
            damaged.delete(op.k);
          }
        } else if (op.kind === 'setFallback') {
          cache.setFallback(key(op.k), fallbackOf(op.k));
          assert.equal(cache.isBacked(key(op.k)), false);
        } else if (op.kind === 'damage') {
          const d = saved.get(op.k)?.slice();
          if (!d || d.length === 0) continue;
          d[op.at % d.length]! ^= 1 << (op.at % 8);
          durable.set(op.k, d);
          damaged.add(op.k);
        } else if (op.kind === 'heal') {
          if (!damaged.has(op.k)) continue;
          durable.set(op.k, saved.get(op.k)!.slice());
          damaged.delete(op.k);
        } else if (op.kind === 'read') {
          const before = cache.tier(key(op.k));
          try {
            const got = op.peek ? cache.peek(key(op.k)) : cache.read(key(op.k));
            assert.deepEqual(got, model[op.k], 'a read gave other bytes');
            if (before === 'evicted') dropped++;
          } catch (e) {
            assert.ok(e instanceof IntegrityError, String(e));
            assert.equal(before, 'evicted', 'only a metadata-only entry depends on its durable copy');
            assert.ok(damaged.has(op.k), 'an intact durable copy was refused');
          }
        } else {
          cache.setBudgets({ warmBytes: op.warm });
        }
        auditStore(cache);
        for (let k = 0; k < KEYS; k++) {
          const tier = cache.tier(key(k));
          if (cache.isBacked(key(k))) {
            assert.notEqual(tier, 'cold', `f${k} is backed and cold`);
            assert.deepEqual(saved.get(k), model[k], `f${k}: backed by another text`);
          }
        }
      }
      // Healed, every entry reads back exactly.
      for (let k = 0; k < KEYS; k++) {
        if (damaged.has(k)) durable.set(k, saved.get(k)!.slice());
        assert.deepEqual(cache.read(key(k)), model[k]);
      }
      auditStore(cache);
    }),
    { numRuns: 150 },
  );
  assert.ok(backs > 100, `${backs} entries backed`);
  assert.ok(dropped > 20, `${dropped} metadata-only entries read back`);
});

test('all entries backed: no text bytes left in memory under a zero warm budget; every text reads back', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(textArb(8000), { minLength: 1, maxLength: 12 }), async (texts) => {
      const cache = await small();
      texts.forEach((t, i) => cache.put(`f${i}`, t));
      // Half of them cold before they are backed, half warm.
      cache.setBudgets({ warmBytes: 0 });
      texts.forEach((_, i) => {
        if (i % 2 === 0) cache.read(`f${i}`);
      });
      texts.forEach((t, i) => assert.ok(cache.back(`f${i}`, { length: t.length, crc: crc32(t) }, () => t.slice())));
      cache.setBudgets({ warmBytes: 0 });
      const s = cache.stats();
      assert.equal(s.tiers.warm.bytes, 0);
      assert.equal(s.tiers.cold.bytes, 0);
      assert.equal(s.tiers.cold.files, 0);
      assert.equal(s.backedFiles, texts.length);
      assert.equal(s.tiers.evicted.bytes, texts.reduce((n, t) => n + t.length, 0));
      texts.forEach((t, i) => assert.deepEqual(cache.read(`f${i}`), t));
      texts.forEach((t, i) => assert.deepEqual(cache.peek(`f${i}`), t));
      auditStore(cache);
    }),
    { numRuns: 60 },
  );
});

test('an edit to a metadata-only entry lands in the entry its refill made, whatever the warm budget', async () => {
  for (const warmBytes of [Infinity, 0]) {
    const cache = await small();
    cache.setBudgets({ warmBytes });
    const text = new TextEncoder().encode('function f(x) {\n  return x + 1;\n}\n'.repeat(40));
    cache.adopt('f', { length: text.length, crc: crc32(text) }, () => text.slice());
    const edit = { start: 3, end: 9, text: new TextEncoder().encode('ction g') };
    const after = applyEdit(text, edit);
    assert.ok(cache.appendEdit('f', edit, { crcAfter: crc32(after) }));
    assert.equal(cache.isBacked('f'), false, 'an edited entry is no longer its fallback\'s text');
    assert.notEqual(cache.tier('f'), 'evicted', 'the edited text exists only in memory');
    assert.deepEqual(cache.read('f'), after);
    assert.deepEqual(cache.journal('f').length, 1);
    auditStore(cache);
  }
});

test('an origin that changed is no damage: the read fails, counted apart from CRC failures; a changed copy is', async () => {
  const cache = await small();
  const text = new TextEncoder().encode('export const a = 1;\n'.repeat(40));
  let file: Uint8Array | undefined = text.slice();
  let store: Uint8Array | undefined = text.slice();
  const meta = { length: text.length, crc: crc32(text) };
  cache.adopt('file', meta, () => file?.slice(), 'origin');
  cache.adopt('stored', meta, () => store?.slice());
  assert.deepEqual([cache.backing('file'), cache.backing('stored')], ['origin', 'copy']);
  assert.deepEqual(cache.peek('file'), text);
  file = new TextEncoder().encode('export const a = 2;\n'.repeat(40)); // the file was written since
  store = undefined; // the store lost its copy
  assert.throws(() => cache.read('file'), IntegrityError);
  assert.throws(() => cache.peek('stored'), IntegrityError);
  const { integrity } = cache.stats();
  assert.equal(integrity.originChanged, 1);
  assert.equal(integrity.crcFailures, 1);
});
