/**
 * outcomeWire.ts: an outcome packed by a worker and unpacked by the pool equals the original — deeply,
 * with the same keys in the same order — after crossing a real structured clone with its buffer
 * transferred; for random outlines and folds (fast-check prints the seed of a failure) and for the
 * analyses of real files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { packOutcome, unpackOutcome } from '../../../server/src/syntax/outcomeWire.js';
import { runParseJob, type ParseOutcome } from '../../../server/src/syntax/parseJob.js';
import type { FileAnalysis, FoldSpan, Span, SyntaxSymbol } from '../../../server/src/syntax/types.js';
import { realFiles, repoRoot } from './helpers.js';

/** Through a real structured clone, as postMessage does, the packed buffers transferred. */
function roundTrip(o: ParseOutcome): ParseOutcome {
  const { message, transfer } = packOutcome(o);
  const crossed = structuredClone(message, { transfer });
  if (message.packed) assert.equal(message.packed.ints.byteLength, 0, 'the buffer was transferred, not copied');
  return unpackOutcome(crossed);
}

/** Deep equality and the same key order everywhere (JSON text is order-sensitive). */
function assertSame(got: ParseOutcome, want: ParseOutcome): void {
  assert.deepStrictEqual(got, want);
  assert.equal(JSON.stringify(got), JSON.stringify(want));
}

const int = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const spanArb: fc.Arbitrary<Span> = fc.tuple(int, int, int, int);
const leafArb = fc.record({
  name: fc.string({ unit: 'grapheme', maxLength: 12 }),
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
const foldArb: fc.Arbitrary<FoldSpan> = fc.tuple(int, int, fc.constantFrom(undefined, 'comment' as const, 'imports' as const, 'region' as const))
  .map(([startLine, endLine, kind]) => (kind ? { startLine, endLine, kind } : { startLine, endLine }));
const analysisArb: fc.Arbitrary<FileAnalysis> = fc.record({
  symbols: fc.array(symbolArb, { maxLength: 6 }),
  identifiers: fc.array(fc.string({ maxLength: 6 }), { maxLength: 5 }),
  folds: fc.array(foldArb, { maxLength: 6 }),
  diagnostics: fc.constant([] as FileAnalysis['diagnostics']),
}, { noNullPrototype: true }).chain((a) => fc.option(fc.record({ stage: fc.constant('query' as const), afterMs: int, budgetMs: int }, { noNullPrototype: true }), { nil: undefined })
  .map((incomplete) => (incomplete ? { ...a, incomplete } : a)));

test('random outlines and folds survive the trip, keys in order', () => {
  fc.assert(fc.property(analysisArb, fc.option(fc.string(), { nil: undefined }), (analysis, path) => {
    const o: ParseOutcome = { lang: 'javascript', bytes: 10, ...(path !== undefined ? { path } : {}), analysis };
    assertSame(roundTrip(structuredClone(o)), o);
  }), { numRuns: 300 });
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
    symbols += o.analysis.symbols.length;
    assertSame(roundTrip(structuredClone(o)), o);
  }
  assert.ok(symbols > 20, `only ${symbols} symbols`);
});
