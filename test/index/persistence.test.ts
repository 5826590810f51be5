/**
 * Persistent forms (binaryBlocks.ts) of NameTable, SymbolIndex and IdentifierFilter: round trips
 * answer exactly as the original (and keep answering alike after further edits), and damage is
 * never silent — flipping any byte, truncating or extending the form, or reading the wrong kind
 * raises IndexFormatError or (for bytes that do not matter) changes no answer; a CRC-valid form
 * with inconsistent content is rejected by the consistency checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BlockWriter, IndexFormatError, tagOf } from '../../server/src/index/binaryBlocks.js';
import { NameTable, NAME_TABLE_FORMAT_VERSION } from '../../server/src/index/nameTable.js';
import { SymbolIndex } from '../../server/src/index/symbolIndex.js';
import { IdentifierFilter } from '../../server/src/index/identifierFilter.js';
import { searchNames } from '../../server/src/index/fuzzy.js';
import type { Span, SymbolKind, SyntaxSymbol } from '../../server/src/syntax/types.js';

const QUERIES = ['', 'a', 'gS', 'src', 'x_', 'Ab', 'zz', 'get'];

/** Everything a NameTable answers, as plain data. */
function tableAnswers(t: NameTable, probes: readonly string[]): unknown {
  const names = Array.from({ length: t.count }, (_, id) => t.nameOf(id));
  return {
    names,
    found: probes.map((p) => t.find(p)),
    search: QUERIES.map((q) => searchNames(t, q, 7)),
    hashes: names.map((_, id) => t.verifyHash(id)),
  };
}

/** Everything a SymbolIndex answers for these paths and names, as plain data. */
function indexAnswers(index: SymbolIndex, paths: readonly string[], names: readonly string[]): unknown {
  // capacity and bytes are not answers: a loaded index holds no growth headroom
  const { byteSize: _b, slotCapacity: _c, ...stats } = index.stats();
  return {
    files: [...index.files()].sort(),
    outlines: paths.map((p) => index.symbolsOf(p)),
    lookups: names.map((n) => index.lookup(n)),
    counts: names.map((n) => index.countOf(n)),
    search: QUERIES.map((q) => index.search(q, 9)),
    stats,
  };
}

/** Flips one byte; returns the error or undefined when the form still loads. */
function loadFlipped<T>(bytes: Uint8Array, at: number, xor: number, load: (b: Uint8Array) => T): { error?: unknown; value?: T } {
  const damaged = bytes.slice();
  damaged[at]! ^= xor;
  try {
    return { value: load(damaged) };
  } catch (error) {
    return { error };
  }
}

const nameArb = fc.string({ unit: 'binary', maxLength: 10 });
const identArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);

test('NameTable: round trip answers alike, and interning continues alike', () => {
  fc.assert(fc.property(fc.array(nameArb, { maxLength: 150 }), fc.array(nameArb, { maxLength: 20 }), (names, more) => {
    const t = new NameTable(4, 8);
    for (const n of names) t.intern(n);
    const u = NameTable.fromBytes(t.toBytes());
    const probes = [...names.slice(0, 10), ...more];
    assert.deepEqual(tableAnswers(u, probes), tableAnswers(t, probes));
    for (const n of more) assert.equal(u.intern(n), t.intern(n));
    assert.deepEqual(tableAnswers(u, probes), tableAnswers(t, probes));
  }), { numRuns: 150 });
});

test('NameTable: any flipped byte is an error or changes nothing', () => {
  fc.assert(fc.property(fc.array(identArb, { minLength: 1, maxLength: 30 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (names, pos, xor) => {
    const t = new NameTable(4, 8);
    for (const n of names) t.intern(n);
    const bytes = t.toBytes();
    const r = loadFlipped(bytes, pos % bytes.length, xor, NameTable.fromBytes);
    if (r.error) assert.ok(r.error instanceof IndexFormatError, String(r.error));
    else assert.deepEqual(tableAnswers(r.value!, names), tableAnswers(t, names));
  }), { numRuns: 500 });
});

test('NameTable: every byte of a small form is covered (exhaustive flips)', () => {
  const t = new NameTable();
  for (const n of ['getSourceCache', 'src', 'x', '', 'HTTPServer']) t.intern(n);
  const bytes = t.toBytes();
  const expected = tableAnswers(t, ['src', 'nope']);
  let errors = 0;
  for (let at = 0; at < bytes.length; at++) {
    for (const xor of [1, 0x80, 0xff]) {
      const r = loadFlipped(bytes, at, xor, NameTable.fromBytes);
      if (r.error) { assert.ok(r.error instanceof IndexFormatError); errors++; } else assert.deepEqual(tableAnswers(r.value!, ['src', 'nope']), expected);
    }
  }
  assert.equal(errors, bytes.length * 3, 'with a CRC over every block, every flip is detected');
});

const span: fc.Arbitrary<Span> = fc.tuple(fc.nat(5000), fc.nat(200), fc.nat(5000), fc.nat(200));
const symbolTree: fc.Arbitrary<SyntaxSymbol[]> = fc.letrec<{ list: SyntaxSymbol[]; sym: SyntaxSymbol }>((tie) => ({
  sym: fc.record({
    name: identArb, kind: fc.integer({ min: 1, max: 26 }), span, nameSpan: span,
    children: fc.option(tie('list'), { nil: undefined, depthSize: 'small' }),
  }).map((s) => {
    const out: SyntaxSymbol = { name: s.name, kind: s.kind as SymbolKind, span: s.span, nameSpan: s.nameSpan };
    if (s.children && s.children.length > 0) out.children = s.children;
    return out;
  }),
  list: fc.array(tie('sym'), { maxLength: 4 }),
})).list;
const ops = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), file: fc.nat(4), symbols: symbolTree }),
  fc.record({ kind: fc.constant('remove' as const), file: fc.nat(4) }),
), { maxLength: 20 });

function build(list: readonly { kind: 'replace' | 'remove'; file: number; symbols?: SyntaxSymbol[] }[], compact: boolean, trim: boolean): SymbolIndex {
  const index = new SymbolIndex({ initialSymbols: 16, compactSlack: compact ? 0 : 4096 });
  for (const o of list) {
    if (o.kind === 'replace') index.replaceFile(`/w/f${o.file}.ts`, o.symbols!);
    else index.removeFile(`/w/f${o.file}.ts`);
  }
  if (trim) index.trim();
  return index;
}

type Op = { kind: 'replace'; file: number; symbols: SyntaxSymbol[] } | { kind: 'remove'; file: number };
function namesOf(list: readonly Op[]): string[] {
  const out = new Set<string>(['absent']);
  const walk = (s: readonly SyntaxSymbol[]) => { for (const x of s) { out.add(x.name); if (x.children) walk(x.children); } };
  for (const o of list) if (o.kind === 'replace') walk(o.symbols);
  return [...out];
}

const PATHS = [0, 1, 2, 3, 4, 9].map((f) => `/w/f${f}.ts`);

test('SymbolIndex: round trip answers alike, before and after further edits', () => {
  fc.assert(fc.property(ops, ops, fc.boolean(), fc.boolean(), (before, after, compact, trim) => {
    const index = build(before, compact, trim);
    const copy = SymbolIndex.fromBytes(index.toBytes(), { compactSlack: compact ? 0 : 4096 });
    const names = namesOf([...before, ...after]);
    assert.deepEqual(indexAnswers(copy, PATHS, names), indexAnswers(index, PATHS, names));
    for (const o of after) {
      for (const x of [index, copy]) {
        if (o.kind === 'replace') x.replaceFile(`/w/f${o.file}.ts`, o.symbols);
        else x.removeFile(`/w/f${o.file}.ts`);
      }
    }
    assert.deepEqual(indexAnswers(copy, PATHS, names), indexAnswers(index, PATHS, names));
  }), { numRuns: 200 });
});

test('SymbolIndex: any flipped byte is an error or changes nothing', () => {
  fc.assert(fc.property(ops, fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (list, trim, pos, xor) => {
    const index = build(list, false, trim);
    const bytes = index.toBytes();
    const names = namesOf(list);
    const r = loadFlipped(bytes, pos % bytes.length, xor, (b) => SymbolIndex.fromBytes(b));
    if (r.error) assert.ok(r.error instanceof IndexFormatError, String(r.error));
    else assert.deepEqual(indexAnswers(r.value!, PATHS, names), indexAnswers(index, PATHS, names));
  }), { numRuns: 400 });
});

test('truncated, extended, and other-kind forms are errors', () => {
  const index = new SymbolIndex();
  index.replaceFile('/w/a.ts', [{ name: 'getSourceCache', kind: 12 as SymbolKind, span: [1, 0, 3, 1], nameSpan: [1, 9, 1, 23] }]);
  const bytes = index.toBytes();
  for (let n = 0; n < bytes.length; n += 7) assert.throws(() => SymbolIndex.fromBytes(bytes.subarray(0, n)), IndexFormatError);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => SymbolIndex.fromBytes(longer), /after the last block/);
  assert.throws(() => NameTable.fromBytes(bytes), /not a name table/);
  assert.throws(() => IdentifierFilter.fromBytes(bytes), /not a identifier filter|not an? identifier filter/);
  // a view into a larger buffer at an odd offset reads the same
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 1);
  assert.deepEqual(SymbolIndex.fromBytes(padded.subarray(1, 1 + bytes.length)).lookup('getSourceCache'), index.lookup('getSourceCache'));
});

test('a CRC-valid form with inconsistent content is rejected', () => {
  // name offsets that decrease: every block's CRC is right, the content is not
  const w = new BlockWriter(tagOf('STNT'), NAME_TABLE_FORMAT_VERSION);
  w.scalars('NTAB', [2, 3, 32]);
  w.array('UNIT', new Uint16Array([97, 98, 99]));
  w.array('OFFS', new Uint32Array([0, 3, 3 - 1]));
  for (const tag of ['HASH', 'MASK']) w.array(tag, new Uint32Array(2));
  w.array('FRST', new Uint16Array(2));
  for (const tag of ['WSBT', 'WSMK', 'WSPR']) w.array(tag, new Uint32Array(2));
  const slots = new Int32Array(32); slots[0] = 1; slots[5] = 2;
  w.array('SLOT', slots);
  assert.throws(() => NameTable.fromBytes(w.finish()), IndexFormatError);
});

test('IdentifierFilter: round trip answers alike; any flipped byte is an error or changes nothing', () => {
  fc.assert(fc.property(fc.array(identArb, { maxLength: 60 }), fc.array(identArb, { maxLength: 30 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (names, probes, pos, xor) => {
    const f = IdentifierFilter.of(names);
    const bytes = f.toBytes();
    const g = IdentifierFilter.fromBytes(bytes);
    const answers = (x: IdentifierFilter) => [...names, ...probes].map((n) => x.mightContain(n));
    assert.deepEqual(answers(g), answers(f));
    assert.equal(g.probes, f.probes);
    const r = loadFlipped(bytes, pos % bytes.length, xor, IdentifierFilter.fromBytes);
    if (r.error) assert.ok(r.error instanceof IndexFormatError, String(r.error));
    else assert.deepEqual(answers(r.value!), answers(f));
  }), { numRuns: 300 });
});
