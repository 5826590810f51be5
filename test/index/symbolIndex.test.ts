/**
 * SymbolIndex: outlines round-trip exactly (names, kinds, spans, nesting); a model-based property
 * test of replace/remove churn against a plain Map (outlines, lookup, counts); search answers
 * with container names; and the stated memory cost, measured on 100 000 synthetic symbols and
 * under churn (memory must not grow with the number of re-index operations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SymbolIndex, SYMBOL_SLOT_BYTES } from '../../server/src/index/symbolIndex.js';
import { NAME_FIXED_BYTES } from '../../server/src/index/nameTable.js';
import { NAME_SEARCH_BYTES } from '../../server/src/index/nameSearch.js';
import { PackedOutline } from '../../server/src/syntax/packedOutline.js';
import { SymbolKind, type Span, type SyntaxSymbol } from '../../server/src/syntax/types.js';

const span: fc.Arbitrary<Span> = fc.tuple(fc.nat(1_000_000), fc.nat(70_000), fc.nat(1_000_000), fc.nat(70_000));
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const symbolTree: fc.Arbitrary<SyntaxSymbol[]> = fc.letrec<{ list: SyntaxSymbol[]; sym: SyntaxSymbol }>((tie) => ({
  sym: fc.record({
    name, kind: fc.integer({ min: 1, max: 26 }) as fc.Arbitrary<SymbolKind>, span, nameSpan: span,
    children: fc.option(tie('list'), { nil: undefined, depthSize: 'small' }),
  }).map((s) => {
    const out: SyntaxSymbol = { name: s.name, kind: s.kind, span: s.span, nameSpan: s.nameSpan };
    if (s.children && s.children.length > 0) out.children = s.children;
    return out;
  }),
  list: fc.array(tie('sym'), { maxLength: 5 }),
})).list;

function flatten(list: readonly SyntaxSymbol[], path: string, out: Map<string, number>): void {
  for (const s of list) {
    out.set(s.name, (out.get(s.name) ?? 0) + 1);
    if (s.children) flatten(s.children, path, out);
  }
}

test('symbolsOf returns exactly the stored outline, given as objects or packed', () => {
  fc.assert(fc.property(symbolTree, fc.boolean(), (symbols, packed) => {
    const index = new SymbolIndex({ initialSymbols: 16 });
    index.replaceFile('/w/a.ts', packed ? PackedOutline.of(symbols) : symbols);
    assert.deepEqual(index.symbolsOf('/w/a.ts'), symbols);
    assert.deepEqual(index.symbolsOf('/w/missing.ts'), []);
  }), { numRuns: 200 });
});

test('churn of replace/remove agrees with a plain model', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), file: fc.nat(5), symbols: symbolTree, packed: fc.boolean() }),
    fc.record({ kind: fc.constant('remove' as const), file: fc.nat(5) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, compact) => {
    const index = new SymbolIndex({ initialSymbols: 16, compactSlack: compact ? 0 : 4096 });
    const model = new Map<string, SyntaxSymbol[]>();
    for (const o of ops) {
      const path = `/w/f${o.file}.py`;
      if (o.kind === 'replace') { index.replaceFile(path, o.packed ? PackedOutline.of(o.symbols) : o.symbols); model.set(path, o.symbols); }
      else assert.equal(index.removeFile(path), model.delete(path));
    }
    const counts = new Map<string, number>();
    for (const [path, symbols] of model) {
      assert.deepEqual(index.symbolsOf(path), symbols);
      flatten(symbols, path, counts);
    }
    assert.deepEqual([...index.files()].sort(), [...model.keys()].sort());
    for (const [n, c] of counts) {
      assert.equal(index.countOf(n), c);
      const defs = index.lookup(n);
      assert.equal(defs.length, c);
      for (const d of defs) assert.equal(d.name, n);
      // Without container names: the same definitions, in the same order.
      assert.deepEqual(index.lookup(n, { containerNames: false }), defs.map(({ containerName: _, ...d }) => d));
    }
    const st = index.stats();
    assert.equal(st.files, model.size);
    assert.equal(st.names, counts.size);
    assert.equal(st.symbols, [...counts.values()].reduce((a, b) => a + b, 0));
  }), { numRuns: 300 });
});

test('lookup and search answer across files with container names', () => {
  const index = new SymbolIndex();
  const sym = (n: string, kind: SymbolKind, line: number, children?: SyntaxSymbol[]): SyntaxSymbol =>
    ({ name: n, kind, span: [line, 0, line + 5, 1], nameSpan: [line, 6, line, 6 + n.length], ...(children ? { children } : {}) });
  index.replaceFile('/w/cache.ts', [sym('SourceCache', SymbolKind.Class, 1, [sym('getSourceCache', SymbolKind.Method, 2), sym('get', SymbolKind.Method, 4)])]);
  index.replaceFile('/w/other.ts', [sym('getSourceCache', SymbolKind.Function, 10), sym('scan', SymbolKind.Function, 20)]);
  const defs = index.lookup('getSourceCache');
  assert.deepEqual(defs.map((d) => [d.path, d.containerName]), [['/w/cache.ts', 'SourceCache'], ['/w/other.ts', undefined]]);
  assert.deepEqual(index.lookup('getSourceCache', { containerNames: false }).map((d) => [d.path, d.containerName]), [['/w/cache.ts', undefined], ['/w/other.ts', undefined]]);
  const hits = index.search('gSC', 10);
  assert.deepEqual(hits.map((h) => h.name), ['getSourceCache', 'getSourceCache']);
  assert.equal(index.search('SourceCache', 10)[0]!.name, 'SourceCache');
  assert.equal(index.search('s', 2).length, 2);
  index.removeFile('/w/cache.ts');
  assert.deepEqual(index.search('SourceCache', 10).map((h) => h.name), ['getSourceCache']);
  assert.deepEqual(index.lookup('get'), []);
});

test('search: a name with many definitions gives its first ones by path (as strings order), then line', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.constantFrom('/w/a', '/w/a/b', '/w/B', '/w/é', '/w/a-b', '/w/a.b', '/w/\u{1F600}', '/x'), fc.nat(40), fc.array(fc.nat(30), { maxLength: 4 })), { maxLength: 60 }),
    fc.integer({ min: 1, max: 40 }),
    (files, limit) => {
      const index = new SymbolIndex({ initialSymbols: 16 });
      const model = new Map<string, number[]>();
      files.forEach(([dir, k, lines]) => {
        const path = `${dir}/f${k}.c`;
        index.replaceFile(path, lines.map((line) => ({ name: 'dev', kind: SymbolKind.Field, span: [line, 0, line, 9], nameSpan: [line, 2, line, 5] })));
        model.set(path, lines);
      });
      const expected = [...model].flatMap(([path, lines]) => lines.map((line) => `${path}:${line}`))
        .sort((a, b) => {
          const [pa, la] = [a.slice(0, a.lastIndexOf(':')), Number(a.slice(a.lastIndexOf(':') + 1))];
          const [pb, lb] = [b.slice(0, b.lastIndexOf(':')), Number(b.slice(b.lastIndexOf(':') + 1))];
          return pa < pb ? -1 : pa > pb ? 1 : la - lb;
        });
      const hits = index.search('dev', limit);
      assert.deepEqual(hits.map((h) => `${h.path}:${h.nameSpan[0]}`), expected.slice(0, limit));
    }), { numRuns: 200 });
});

test('version counts the changes: replaceFile and removeFile of an indexed file, nothing else', () => {
  const index = new SymbolIndex();
  const v0 = index.version;
  index.replaceFile('/w/a.ts', [{ name: 'f', kind: SymbolKind.Function, span: [0, 0, 1, 0], nameSpan: [0, 9, 0, 10] }]);
  assert.equal(index.version, v0 + 1);
  index.search('f', 10);
  index.lookup('f');
  assert.equal(index.removeFile('/w/missing.ts'), false);
  assert.equal(index.version, v0 + 1);
  assert.equal(index.removeFile('/w/a.ts'), true);
  assert.equal(index.version, v0 + 2);
});

/** Synthetic file: `perFile` symbols, a class with methods, names drawn from `nameCount` names. */
function syntheticFile(fileNo: number, perFile: number, nameCount: number, salt = 0): SyntaxSymbol[] {
  const out: SyntaxSymbol[] = [];
  let made = 0;
  while (made < perFile) {
    const id = (fileNo * 7919 + made * 104729 + salt) % nameCount;
    const cls: SyntaxSymbol = { name: `Class${id}`, kind: SymbolKind.Class, span: [made, 0, made + 50, 1], nameSpan: [made, 6, made, 12], children: [] };
    made++;
    for (let m = 0; m < 9 && made < perFile; m++, made++) {
      const mid = (id + m * 31 + salt) % nameCount;
      cls.children!.push({ name: `method_${mid}`, kind: SymbolKind.Method, span: [made, 2, made + 3, 3], nameSpan: [made, 2, made, 10] });
    }
    out.push(cls);
  }
  return out;
}

test(`cost: 100 000 symbols take ≤ ${SYMBOL_SLOT_BYTES} B each (after trim or shrinkToFit) plus names and files`, () => {
  const build = (): SymbolIndex => {
    const index = new SymbolIndex();
    for (let f = 0; f < files; f++) index.replaceFile(`/workspace/src/module${f}/file${f}.ts`, syntheticFile(f, perFile, nameCount));
    return index;
  };
  const files = 1000, perFile = 100, nameCount = 20_000;
  const index = build();
  const st = index.stats();
  assert.equal(st.symbols, files * perFile);
  // names: a 4 B offset + ≤ 11 B of hash slots (at least 3/8 full) + 8 B chain head and count + the
  // search's bytes + 1 B per unit (53 B + units; the names are 8-bit); files: the same for the path +
  // 21 B range columns (36 B + units); growth headroom: an eighth
  assert.equal(NAME_FIXED_BYTES, 4);
  assert.equal(NAME_SEARCH_BYTES, 30);
  const nameBytes = st.names * (NAME_FIXED_BYTES + 11 + 8 + NAME_SEARCH_BYTES + 'method_19999'.length);
  const fileBytes = files * (NAME_FIXED_BYTES + 11 + 21 + '/workspace/src/module999/file999.ts'.length);
  const bound = SYMBOL_SLOT_BYTES * st.symbols + nameBytes + fileBytes + 64 * 1024;
  const untrimmed = index.byteSize();
  assert.ok(untrimmed <= 1.125 * bound, `untrimmed ${untrimmed} > ${1.125 * bound}`);
  index.trim();
  assert.ok(index.byteSize() <= bound, `trimmed ${index.byteSize()} > ${bound}`);
  const shrunk = build();
  shrunk.shrinkToFit();
  // shrinkToFit leaves a 64th for the next edits (fittedCapacity)
  assert.ok(shrunk.byteSize() <= bound * (65 / 64) + 4096, `shrunk ${shrunk.byteSize()} > ${bound * (65 / 64) + 4096}`);
  // stats say where the bytes are: the parts and a few KB of scratch make byteSize
  for (const i of [index, shrunk]) {
    const st2 = i.stats();
    const sum = st2.parts.names + st2.parts.search + st2.parts.records + st2.parts.pairs + st2.parts.files;
    assert.ok(sum <= st2.byteSize && st2.byteSize - sum <= 16 * 1024, `parts ${sum} of ${st2.byteSize}`);
    assert.ok(st2.parts.records >= st2.recordBytes && st2.parts.pairs >= 13 * st2.pairs);
    assert.ok(st2.parts.search >= NAME_SEARCH_BYTES * st2.names);
  }
  // neither changes an answer
  for (const i of [index, shrunk]) {
    assert.deepEqual(i.symbolsOf('/workspace/src/module5/file5.ts'), syntheticFile(5, perFile, nameCount));
    assert.equal(i.stats().symbols, files * perFile);
    assert.deepEqual(i.search('method_1999', 5).map((m) => m.name), build().search('method_1999', 5).map((m) => m.name));
  }
});

test('after shrinkToFit, a few re-indexed files with new names grow no array', () => {
  const index = new SymbolIndex();
  for (let f = 0; f < 2000; f++) index.replaceFile(`/w/f${f}.ts`, syntheticFile(f, 50, 100_000));
  index.shrinkToFit();
  const shrunk = index.byteSize();
  // ten files re-indexed with names the index has not seen: 500 records, up to 500 names
  for (let f = 0; f < 10; f++) index.replaceFile(`/w/f${f}.ts`, syntheticFile(f, 50, 100_000, 1_000_003));
  assert.equal(index.byteSize(), shrunk);
  assert.deepEqual(index.symbolsOf('/w/f3.ts'), syntheticFile(3, 50, 100_000, 1_000_003));
});

test('churn: re-indexing and removing files does not grow memory', () => {
  const index = new SymbolIndex();
  const files = 200, perFile = 50;
  for (let f = 0; f < files; f++) index.replaceFile(`/w/f${f}.ts`, syntheticFile(f, perFile, 100_000));
  const afterLoad = index.byteSize();
  let peak = 0;
  for (let round = 1; round <= 60; round++) {
    for (let f = round % 3; f < files; f += 3) {
      // sizes vary by ±50% and names change every round (edits that rename things)
      const n = Math.round(perFile * (0.5 + ((f * round) % 11) / 10));
      if ((f + round) % 17 === 0) index.removeFile(`/w/f${f}.ts`);
      else index.replaceFile(`/w/f${f}.ts`, syntheticFile(f, n, 100_000, round * 1_000_003));
    }
    peak = Math.max(peak, index.byteSize());
  }
  const st = index.stats();
  assert.ok(st.compactions > 0, 'churn triggered compaction');
  // bounded by the live content (at most 1.6× perFile per file), not by the 60 rounds of history
  const liveBound = SYMBOL_SLOT_BYTES * files * perFile * 1.6 * 2.25 + files * perFile * 1.6 * (NAME_FIXED_BYTES + 20 + 2 * 13) * 2 + 256 * 1024;
  assert.ok(peak <= Math.max(liveBound, 3 * afterLoad), `peak ${peak}, after load ${afterLoad}, bound ${liveBound}`);
});
