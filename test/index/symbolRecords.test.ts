/**
 * symbolRecords.ts: any run of symbol records reads back exactly as written — kinds, name ids, parents
 * and their names, both spans over the whole [0, 2³²) range, lines in any order, irregular names —
 * also from any record on (records depend on no other), and a run re-encoded through a name-id map
 * reads back with the mapped ids and nothing else changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VarintSink } from '../../server/src/syntax/occurrences.js';
import { SymbolCursor, SymbolRunWriter, reencodeSymbols, type SymbolFields } from '../../server/src/index/symbolRecords.js';

const u32 = fc.oneof(fc.nat(300), fc.nat(70_000), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 31));
const record = (index: number): fc.Arbitrary<SymbolFields> => fc.record({
  kind: fc.nat(255),
  nameId: fc.nat(40),
  parent: index === 0 ? fc.constant(-1) : fc.integer({ min: -1, max: index - 1 }),
  parentNameId: fc.nat(40),
  span: fc.tuple(u32, u32, u32, u32),
  nameSpan: fc.oneof(
    fc.tuple(u32, u32, u32, u32),
    // regular: on one line, as long as the name
    fc.tuple(u32, fc.nat(1000)).map(([l, c]) => [l, c, l, c] as [number, number, number, number]),
  ),
  nameLength: fc.constant(0),
});
const names = fc.array(fc.nat(60), { minLength: 41, maxLength: 41 });
const run = fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => record(i))));
const renumbering = fc.shuffledSubarray([...Array(41).keys()], { minLength: 41, maxLength: 41 });

/** As written and as read: a generated "regular" name span made one name long, no parent name at top level. */
function normal(r: SymbolFields, lengths: readonly number[]): SymbolFields {
  const ns = Array.from(r.nameSpan);
  if (ns[0] === ns[2] && ns[1] === ns[3]) ns[3] = ns[1]! + lengths[r.nameId]!;
  return {
    ...r, span: Array.from(r.span), nameSpan: ns, nameLength: lengths[r.nameId]!,
    parentNameId: r.parent < 0 ? 0 : r.parentNameId,
  };
}

/** The records from byte `from`, record number `first`, on (parents as indexes in the whole run). */
function readAll(bytes: Uint8Array, lengths: readonly number[], from = 0, first = 0): SymbolFields[] {
  const out: SymbolFields[] = [];
  for (const c = new SymbolCursor(bytes, from, bytes.length, (id) => lengths[id]!); c.next();) {
    out.push({
      kind: c.kind, nameId: c.nameId, parent: c.hasParent ? c.parent + first : -1,
      parentNameId: c.hasParent ? c.parentNameId : 0,
      span: [...c.span], nameSpan: [...c.nameSpan], nameLength: lengths[c.nameId]!,
    });
  }
  return out;
}

test('symbol records round-trip exactly, from any record on, and re-encode through a name map', () => {
  fc.assert(fc.property(run, names, renumbering, (records, lengths, remap) => {
    const written = records.map((r) => normal(r, lengths));
    const sink = new VarintSink(16);
    const writer = new SymbolRunWriter(sink);
    const offsets: number[] = [];
    for (const r of written) {
      offsets.push(sink.length);
      writer.write(r);
    }
    const bytes = sink.finish();
    assert.deepEqual(readAll(bytes, lengths), written);
    offsets.forEach((at, k) => {
      assert.deepEqual(readAll(bytes, lengths, at, k), written.slice(k), `from record ${k}`);
    });
    // re-encoded through a renumbering (as NameTable.compact makes): each name keeps its length
    const mappedLengths: number[] = [];
    remap.forEach((to, from) => { mappedLengths[to] = lengths[from]!; });
    const again = new VarintSink(16);
    const told: [number, number][] = [];
    reencodeSymbols(again, bytes, 0, bytes.length, (id) => lengths[id]!, remap, (id, at) => told.push([id, at]));
    const copy = again.finish();
    const reread = readAll(copy, mappedLengths);
    assert.deepEqual(reread, written.map((r) => ({
      ...r, nameId: remap[r.nameId]!, parentNameId: r.parent < 0 ? 0 : remap[r.parentNameId]!,
    })));
    // each record's new id and offset, as a cursor started there reads it
    assert.equal(told.length, written.length);
    for (const [id, at] of told) assert.equal(readAll(copy, mappedLengths, at)[0]!.nameId, id);
  }), { numRuns: 500 });
});

test('a run costs about eleven bytes a symbol for an ordinary outline', () => {
  const sink = new VarintSink(16);
  const writer = new SymbolRunWriter(sink);
  for (let i = 0; i < 1000; i++) {
    const line = i * 12;
    writer.write({ kind: 12, nameId: 100_000 + i, parent: -1, parentNameId: 0, span: [line, 0, line + 10, 1],
      nameSpan: [line, 4, line, 4 + 9], nameLength: 9 });
  }
  const perSymbol = sink.length / 1000;
  console.log(`${perSymbol} B per symbol`);
  assert.ok(perSymbol <= 11, `${perSymbol} B per symbol`);
});
