/**
 * Shared generators for the cache tests: texts that look like source (so chunks repeat and
 * compress) or are arbitrary bytes, chunk-size options, and edit sequences against a model text.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChunkingOptions, JournalEdit, SourceCache } from '../../server/src/cache/index.js';

export const enc = new TextEncoder();

/** Arbitrary bytes or source-like text built from repeated lines, up to ~maxLength bytes. */
export function textArb(maxLength = 6000): fc.Arbitrary<Uint8Array> {
  const lines = fc.array(
    fc.oneof(
      fc.constantFrom('function f(x) {\n', '  return x + 1;\n', '}\n', 'import { a } from "b";\n', '// comment\n', '\n'),
      fc.string({ maxLength: 60 }).map((s) => s + '\n'),
    ),
    { maxLength: maxLength / 16 },
  ).map((ls) => enc.encode(ls.join('')));
  return fc.oneof(lines, fc.uint8Array({ maxLength }));
}

export const chunkingArb: fc.Arbitrary<ChunkingOptions> = fc
  .tuple(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 2048 }))
  .map(([min, extraAvg, extraMax]) => ({ minSize: min, avgSize: min + extraAvg, maxSize: min + extraAvg + extraMax }));

/** Edits as fractions, resolved against the current length so they are always in range. */
export const editSpecsArb = fc.array(
  fc.record({ a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.uint8Array({ maxLength: 40 }), aux: fc.option(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 6 })) }),
  { maxLength: 20 },
);

export type EditSpec = { a: number; b: number; text: Uint8Array; aux: number[] | null };

export function resolveEdit(spec: EditSpec, length: number): JournalEdit {
  const x = Math.floor(spec.a * length);
  const y = Math.floor(spec.b * length);
  const edit: JournalEdit = { start: Math.min(x, y), end: Math.max(x, y), text: spec.text };
  if (spec.aux && spec.aux.length > 0) edit.aux = Int32Array.from(spec.aux); // an empty aux reads back as absent
  return edit;
}

export function applyEdit(text: Uint8Array, e: JournalEdit): Uint8Array {
  const out = new Uint8Array(text.length - (e.end - e.start) + e.text.length);
  out.set(text.subarray(0, e.start));
  out.set(e.text, e.start);
  out.set(text.subarray(e.end), e.start + e.text.length);
  return out;
}

/** Splices (position fraction, deleted length, inserted bytes) applied to a text: a "new version". */
export const splicesArb = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(40), fc.uint8Array({ maxLength: 40 })), { maxLength: 8 });

export function mutate(text: Uint8Array, splices: [number, number, Uint8Array][]): Uint8Array {
  let t = text;
  for (const [where, del, ins] of splices) {
    const at = Math.floor(where * t.length);
    const end = Math.min(t.length, at + del);
    const next = new Uint8Array(t.length - (end - at) + ins.length);
    next.set(t.subarray(0, at));
    next.set(ins, at);
    next.set(t.subarray(end), at + ins.length);
    t = next;
  }
  return t;
}

/**
 * Puts lineages of versions, as the delta and repair tests need them: for each first text, `f<i>v0`,
 * a copy `f<i>copy` sharing all its chunks, then `f<i>v1`… each the one before with `versions`'
 * splices applied and put with `previous` = the version before (so new chunks may be deltas).
 * `fallbackFor(n, text)` gives the n-th put's fallback. Returns the model: key → text.
 */
export function putLineages(cache: SourceCache, firsts: Uint8Array[], versions: [number, number, Uint8Array][][],
  fallbackFor: (n: number, text: Uint8Array) => (() => Uint8Array) | undefined): Map<string, Uint8Array> {
  const model = new Map<string, Uint8Array>();
  const put = (key: string, text: Uint8Array, previous?: string) => {
    cache.put(key, text, fallbackFor(model.size, text), previous === undefined ? undefined : { previous });
    model.set(key, text);
  };
  firsts.forEach((first, f) => {
    let text = first;
    put(`f${f}v0`, text);
    put(`f${f}copy`, text);
    versions.forEach((splices, i) => {
      text = mutate(text, splices);
      put(`f${f}v${i + 1}`, text, `f${f}v${i}`);
    });
  });
  return model;
}

/** Some source every text starts with, so every version has chunks to delta against. */
export const PREFIX = enc.encode(Array.from({ length: 12 }, (_, i) => `export const v${i} = compute(${i}, "${'ab'.repeat(i)}");\n`).join(''));

/**
 * Recounts the store from its parts and checks every figure the store keeps incrementally: each
 * chunk's references (entries' + deltas'), warm references (warm entries' + warm deltas'), the tier
 * a chunk sits in, the unique raw bytes, warm stored bytes (Σ stored lengths of warm chunks), cold
 * stored bytes (Σ packs), each pack's live member count, and the facade's rawBytes and chunk count.
 * Throws (assert) naming the first disagreement.
 */
export function auditStore(cache: SourceCache): void {
  const st = cache.store;
  const t = st.table;
  const refs = new Map<number, number>();
  const warm = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  let entryRefs = 0;
  let rawBytes = 0;
  let listBytes = 0;
  for (const e of cache.entries.values()) {
    listBytes += e.chunks.byteLength;
    if (e.tier === 'evicted') continue;
    rawBytes += e.baseLength;
    for (const s of e.chunks) {
      bump(refs, s);
      if (e.tier === 'warm') bump(warm, s);
      entryRefs++;
    }
  }
  const slots = [...t.slots()];
  for (const s of slots) {
    const b = st.deltaBase(s);
    if (b < 0) continue;
    bump(refs, b);
    if (t.warmRefs(s) > 0) bump(warm, b);
  }
  let uniqueRaw = 0;
  let warmStored = 0;
  const members = new Map<number, number>();
  for (const s of slots) {
    assert.equal(t.refs(s), refs.get(s) ?? 0, `chunk ${s}: references`);
    assert.equal(t.warmRefs(s), warm.get(s) ?? 0, `chunk ${s}: warm references`);
    assert.equal(st.isWarmChunk(s), t.warmRefs(s) > 0, `chunk ${s}: warm iff warm-referenced`);
    uniqueRaw += t.rawLength(s);
    if (st.isWarmChunk(s)) warmStored += t.aux[s] + 1;
    else if (t.loc[s] !== 0xffffffff) bump(members, t.loc[s] & 0x7fffffff);
  }
  assert.equal(refs.size, slots.length, 'every referenced chunk is in use, every chunk in use is referenced');
  let coldStored = 0;
  for (const id of st.packs.ids()) {
    const p = st.packs.get(id)!;
    coldStored += p.storedLength;
    assert.equal(p.liveMembers, members.get(id) ?? 0, `pack ${id}: live members`);
  }
  const s = cache.stats();
  assert.equal(s.store.chunks, entryRefs, 'chunk references');
  assert.equal(s.store.chunkListBytes, listBytes, 'chunk list bytes');
  assert.equal(s.store.uniqueChunks, slots.length, 'unique chunks');
  assert.equal(s.store.uniqueRawBytes, uniqueRaw, 'unique raw bytes');
  assert.equal(s.store.rawBytes, rawBytes, 'raw bytes');
  assert.equal(s.tiers.warm.bytes, warmStored, 'warm stored bytes');
  assert.equal(s.tiers.cold.bytes, coldStored, 'cold stored bytes');
}
