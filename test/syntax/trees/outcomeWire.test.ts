/**
 * outcomeWire.ts: an outcome packed by a worker and unpacked by the pool equals the original — deeply,
 * with the same keys in the same order — after crossing a real structured clone with its buffer
 * transferred; for random outlines and occurrences (fast-check prints the seed of a failure) and for the
 * analyses of real files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { packOccurrences } from '../../../server/src/syntax/occurrences.js';
import { packOutcome, unpackOutcome } from '../../../server/src/syntax/outcomeWire.js';
import { PackedOutline, PackedOutlineWriter, packedOutlineOf } from '../../../server/src/syntax/packedOutline.js';
import { runParseJob, type ParseOutcome } from '../../../server/src/syntax/parseJob.js';
import type { FileAnalysis, Span, SyntaxSymbol } from '../../../server/src/syntax/types.js';
import { realFiles, repoRoot } from './helpers.js';

/** Through a real structured clone, as postMessage does, the packed buffers transferred. */
function roundTrip(o: ParseOutcome): ParseOutcome {
  const { message, transfer } = packOutcome(o);
  const crossed = structuredClone(message, { transfer });
  if (message.packed) {
    assert.equal(message.packed.outline.ints.byteLength, 0, 'the outline was transferred, not copied');
    assert.equal(message.packed.outline.nameUnits.byteLength, 0, 'the names were transferred, not copied');
    assert.equal(message.packed.occurrences.data.byteLength, 0, 'the occurrences were transferred, not copied');
  }
  return unpackOutcome(crossed);
}

/** Deep equality and the same key order everywhere (JSON text is order-sensitive). */
function assertSame(got: ParseOutcome, want: ParseOutcome): void {
  assert.deepStrictEqual(got, want);
  assert.equal(JSON.stringify(got), JSON.stringify(want));
}

const int = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const spanArb: fc.Arbitrary<Span> = fc.tuple(int, int, int, int);
/** Names of any code units: they travel as units, so even a lone surrogate arrives as it was. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const leafArb = fc.record({
  name: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: anyUnit, maxLength: 12 })),
  kind: fc.integer({ min: 1, max: 26 }),
  span: spanArb,
  nameSpan: spanArb,
  detail: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
}, { noNullPrototype: true });
const symbolArb: fc.Arbitrary<SyntaxSymbol> = fc.letrec<{ sym: SyntaxSymbol }>((tie) => ({
  sym: fc.tuple(leafArb, fc.option(fc.array(tie('sym'), { maxLength: 3 }), { nil: undefined, freq: 2 })).map(([l, children]) => {
    // The keys in outline.ts's order; detail and children only when present.
    const s: SyntaxSymbol = { name: l.name, kind: l.kind, span: l.span, nameSpan: l.nameSpan };
    if (l.detail !== undefined) s.detail = l.detail;
    if (children !== undefined) s.children = children;
    return s;
  }),
})).sym;
const analysisArb: fc.Arbitrary<FileAnalysis> = fc.record({
  symbols: fc.array(symbolArb, { maxLength: 6 }),
  occurrences: fc.array(fc.record({
    name: fc.string({ minLength: 1, maxLength: 6 }), span: fc.tuple(int, int, int, int),
    kind: fc.constantFrom('identifier' as const, 'call' as const, 'type' as const, 'definition' as const),
  }, { noNullPrototype: true }), { maxLength: 5 }).map((list) => packOccurrences(
    // One occurrence per position, as a file has.
    [...new Map(list.map((o) => [`${o.span[0]}:${o.span[1]}`, o])).values()])),
  diagnostics: fc.constant([] as FileAnalysis['diagnostics']),
}, { noNullPrototype: true }).chain((a) => fc.option(fc.record({ stage: fc.constant('query' as const), afterMs: int, budgetMs: int }, { noNullPrototype: true }), { nil: undefined })
  .map((incomplete) => (incomplete ? { ...a, incomplete } : a)));

test('random outlines and occurrences survive the trip, keys in order', () => {
  fc.assert(fc.property(analysisArb, fc.option(fc.string(), { nil: undefined }), (analysis, path) => {
    const o: ParseOutcome = { lang: 'javascript', bytes: 10, ...(path !== undefined ? { path } : {}), analysis };
    assertSame(roundTrip(structuredClone(o)), o);
  }), { numRuns: 300 });
});

/** Depth-first parents of an outline given as objects (−1 at top level). */
function parentsOf(list: readonly SyntaxSymbol[]): number[] {
  const out: number[] = [];
  const walk = (l: readonly SyntaxSymbol[], parent: number): void => {
    for (const s of l) {
      const me = out.length;
      out.push(parent);
      if (s.children) walk(s.children, me);
    }
  };
  walk(list, -1);
  return out;
}

test('the outline stays packed on the main thread until its objects are read', () => {
  fc.assert(fc.property(analysisArb, (analysis) => {
    const o: ParseOutcome = { lang: 'go', bytes: 1, analysis };
    const got = roundTrip(structuredClone(o)).analysis!;
    const packed = packedOutlineOf(got);
    assert.ok(packed instanceof PackedOutline);
    // What the index copies: depth-first kinds, spans and parents, without building the objects.
    assert.deepEqual([...packed.parents()], parentsOf(analysis.symbols));
    assert.deepEqual(packed.symbols(), analysis.symbols);
    const spans = new Array<number>(8 * packed.count);
    for (let i = 0; i < packed.count; i++) packed.copySpans(i, spans, 8 * i);
    const flat: number[] = [];
    const walk = (l: readonly SyntaxSymbol[]): void => { for (const s of l) { flat.push(...s.span, ...s.nameSpan); if (s.children) walk(s.children); } };
    walk(analysis.symbols);
    assert.deepEqual(spans, flat);
    // Reading the objects builds them once and leaves an ordinary property.
    const first = got.symbols;
    assert.deepEqual(first, analysis.symbols);
    assert.equal(got.symbols, first);
    assert.equal(packedOutlineOf(got), undefined, 'once built, the objects are the outline');
    got.symbols = [];
    assert.deepEqual(got.symbols, []);
  }), { numRuns: 200 });
  assert.equal(packedOutlineOf({ symbols: [], occurrences: packOccurrences([]), diagnostics: [] }), undefined, 'an analysis given as objects has none');
});

test('asIndexed is the outline as the symbol index keeps it: no details, no empty children lists', () => {
  const indexed = (l: readonly SyntaxSymbol[]): SyntaxSymbol[] => l.map((s) => ({
    name: s.name, kind: s.kind, span: s.span, nameSpan: s.nameSpan, ...(s.children && s.children.length > 0 ? { children: indexed(s.children) } : {}),
  }));
  fc.assert(fc.property(fc.array(symbolArb, { maxLength: 6 }), (symbols) => {
    const packed = PackedOutline.of(symbols);
    assert.deepStrictEqual(packed.asIndexed().symbols(), indexed(symbols));
    assert.deepStrictEqual(packed.symbols(), symbols, 'the original is left as it was');
  }), { numRuns: 200 });
});

test('a packed outline refuses what its columns cannot hold as it is, and columns that do not match', () => {
  const at = (span: number[], kind = 12): SyntaxSymbol[] => [{ name: 'f', kind, span: span as unknown as Span, nameSpan: [0, 0, 0, 1] }];
  assert.deepEqual(PackedOutline.of(at([2 ** 32 - 1, 0, 0, 1])).symbols(), at([2 ** 32 - 1, 0, 0, 1]), 'the whole u32 range is kept');
  for (const bad of [[2 ** 32, 0, 0, 1], [-1, 0, 0, 1], [1.5, 0, 0, 1], [0, 0, 1]]) assert.throws(() => PackedOutline.of(at(bad)), /span value/, String(bad));
  assert.throws(() => PackedOutline.of(at([0, 0, 0, 1], 256)), /kind 256/);
  // Two top-level symbols claimed as one root: the second has no place in the tree.
  const two = PackedOutline.of([{ name: 'a', kind: 12, span: [0, 0, 0, 1], nameSpan: [0, 0, 0, 1] }, { name: 'bc', kind: 12, span: [1, 0, 1, 1], nameSpan: [1, 0, 1, 1] }]);
  assert.deepEqual([two.name(0), two.name(1), two.nameStart(1), two.nameEnd(1)], ['a', 'bc', 1, 3]);
  assert.throws(() => new PackedOutline(two.ints, two.nameUnits, two.details, 1).parents(), /more symbols than its tree holds/);
  assert.throws(() => new PackedOutline(two.ints.subarray(1), two.nameUnits, [], 2), /21 integers is not 11 per symbol/);
  assert.throws(() => new PackedOutline(two.ints, two.nameUnits.subarray(0, 2), [], 2), /names end at 3 of 2 code units/);
  const backwards = two.ints.slice();
  backwards[10] = 4; // the first name would end after the second
  assert.throws(() => new PackedOutline(backwards, new Uint16Array(3), [], 2), /symbol 1's name ends before it starts/);
});

test('the writer refuses symbols out of depth-first order and sizes that do not match what it was given', () => {
  const span: Span = [0, 0, 0, 1];
  const w = new PackedOutlineWriter(4, 4);
  assert.equal(w.push('a', 5, span, span, undefined, -1), 0);
  assert.equal(w.push('b', 6, span, span, undefined, 0), 1);
  assert.equal(w.push('c', 6, span, span, 'detail', 0), 2, 'a sibling closes the one before it');
  assert.throws(() => w.push('d', 6, span, span, undefined, 1), /parent 1 is not an open enclosing symbol/, 'symbol 1 was closed by its sibling');
  const v = new PackedOutlineWriter(1, 1);
  assert.throws(() => v.push('ab', 5, span, span, undefined, -1), /names longer than the 1 code units/);
  v.push('a', 5, span, span, undefined, -1);
  assert.throws(() => v.push('b', 5, span, span, undefined, -1), /more than the 1 symbols/);
  assert.throws(() => new PackedOutlineWriter(2, 2).finish(), /0 symbols and 0 name units written of 2 and 2 sized/);
  const u = new PackedOutlineWriter(3, 3);
  u.push('a', 5, span, span, undefined, -1);
  u.openChildren(0);
  u.push('b', 5, span, span, undefined, -1);
  u.push('c', 6, span, span, undefined, 1);
  assert.deepEqual(u.finish().symbols(), [
    { name: 'a', kind: 5, span, nameSpan: span, children: [] },
    { name: 'b', kind: 5, span, nameSpan: span, children: [{ name: 'c', kind: 6, span, nameSpan: span }] },
  ]);
});

test('outcomes without an analysis go as they are', () => {
  const o: ParseOutcome = { lang: 'c', bytes: 0, path: 'x.c', reason: 'unreadable', detail: 'ENOENT' };
  assertSame(roundTrip(structuredClone(o)), o);
});

test('real files: the unpacked analysis equals the one computed in this thread', async () => {
  let symbols = 0;
  for (const f of realFiles()) {
    const o = await runParseJob({ path: join(repoRoot, f.path), lang: f.lang, references: true });
    assert.ok(o.analysis, f.path);
    // The analysis keeps its outline packed, and packing the outcome takes it as it is, building no objects.
    const made = packedOutlineOf(o.analysis);
    assert.ok(made instanceof PackedOutline, f.path);
    assert.equal(packOutcome(o).message.packed!.outline.ints, made.ints, f.path);
    assert.equal(packedOutlineOf(o.analysis), made, `${f.path}: packing read no symbols`);
    symbols += o.analysis.symbols.length;
    assert.equal(packedOutlineOf(o.analysis), undefined, `${f.path}: read, the objects are the outline`);
    assertSame(roundTrip(structuredClone(o)), o);
  }
  assert.ok(symbols > 20, `only ${symbols} symbols`);
});
