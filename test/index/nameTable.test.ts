/**
 * NameTable: interning identity, exact round trip of any UTF-16 text, lookup of absent names,
 * compaction keeping exactly the chosen names under a correct old→new id map, and the cost of a
 * table without headroom (shrinkToFit, a tight compact).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fittedCapacity, NameTable } from '../../server/src/index/nameTable.js';

test('interning the same text gives the same id, different text a different id', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 300 }), (names) => {
    const t = new NameTable(4, 8); // tiny start: forces every growth path
    const ids = new Map<string, number>();
    for (const n of names) {
      const id = t.intern(n);
      if (ids.has(n)) assert.equal(id, ids.get(n));
      else ids.set(n, id);
    }
    assert.equal(t.count, ids.size);
    assert.equal(new Set(ids.values()).size, ids.size);
    for (const [n, id] of ids) {
      assert.equal(t.nameOf(id), n);
      assert.equal(t.find(n), id);
      assert.equal(t.lengthOf(id), n.length);
    }
  }), { numRuns: 40 });
});

test('a name given as code units (internUnits, findUnits) is the same name as its string', () => {
  // Units at an offset inside a larger buffer, as a packed outline holds them.
  fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 200 }), fc.boolean(), (names, unitsFirst) => {
    const t = new NameTable(4, 8);
    const units = new Uint16Array(names.reduce((n, s) => n + s.length, 0) + 3);
    let at = 3;
    for (const n of names) {
      for (let i = 0; i < n.length; i++) units[at + i] = n.charCodeAt(i);
      const [first, second] = unitsFirst
        ? [t.internUnits(units, at, at + n.length), t.intern(n)]
        : [t.intern(n), t.internUnits(units, at, at + n.length)];
      assert.equal(first, second, JSON.stringify(n));
      assert.equal(t.findUnits(units, at, at + n.length), first);
      assert.equal(t.nameOf(first), n);
      at += n.length;
    }
    assert.equal(t.count, new Set(names).size);
  }), { numRuns: 60 });
});

test('find returns -1 for names never interned', () => {
  const t = new NameTable();
  t.intern('alpha'); t.intern('beta');
  assert.equal(t.find('gamma'), -1);
  assert.equal(t.find('alph'), -1);
  assert.equal(t.find(''), -1);
  assert.equal(t.find('alpha'), 0);
});

test('names longer than one fromCharCode batch round-trip', () => {
  const t = new NameTable();
  const long = 'x'.repeat(10000) + 'é' + 'y'.repeat(5000);
  assert.equal(t.nameOf(t.intern(long)), long);
});

test('compact keeps exactly the kept names, remapped, and interning continues', () => {
  fc.assert(fc.property(fc.uniqueArray(fc.string({ maxLength: 8 }), { maxLength: 200 }), fc.func(fc.boolean()), (names, keepFn) => {
    const t = new NameTable(4, 8);
    for (const n of names) t.intern(n);
    const keep = names.map((_, i) => keepFn(i));
    const remap = t.compact((id) => keep[id]!);
    assert.equal(t.count, keep.filter(Boolean).length);
    names.forEach((n, old) => {
      if (keep[old]) {
        assert.equal(t.nameOf(remap[old]!), n);
        assert.equal(t.find(n), remap[old]);
      } else {
        assert.equal(remap[old], -1);
        assert.equal(t.find(n), -1);
      }
    });
    const fresh = t.intern('\u0000fresh');
    assert.equal(t.nameOf(fresh), '\u0000fresh');
  }));
});

test('units stay 8-bit until a wider unit comes, widen with every name intact, and narrow again when it goes', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 120 }), fc.func(fc.boolean()),
    (names, keepFn) => {
      const t = new NameTable(4, 8);
      const wideAt = names.findIndex((n) => [...n].some((c) => c.charCodeAt(0) > 0xff || c.length > 1));
      names.forEach((n, i) => {
        t.intern(n);
        assert.equal(t.units instanceof Uint8Array, wideAt < 0 || i < wideAt, `after name ${i}`);
      });
      names.forEach((n, id) => {
        assert.equal(t.nameOf(id), n);
        assert.equal(t.find(n), id);
      });
      const keep = names.map((_, i) => keepFn(i));
      const remap = t.compact((id) => keep[id]!);
      const keptWide = names.some((n, i) => keep[i] && [...n].some((c) => c.charCodeAt(0) > 0xff || c.length > 1));
      assert.equal(t.units instanceof Uint16Array, keptWide);
      names.forEach((n, old) => {
        if (!keep[old]) return;
        assert.equal(t.nameOf(remap[old]!), n);
        assert.equal(t.find(n), remap[old]);
      });
    }));
});

/**
 * Bytes of a table of `names` without headroom: its units, an offset per name, the fewest slots at
 * most 3/4 full; `room`: the units and offsets with shrinkToFit's room.
 */
function fittedBytes(names: readonly string[], room: boolean): number {
  const units = names.reduce((n, s) => n + s.length, 0);
  const wide = names.some((n) => [...n].some((c) => c.charCodeAt(0) > 0xff || c.length > 1));
  let slots = 32;
  while (slots * 3 < names.length * 4) slots *= 2;
  const capacity = (n: number) => room ? fittedCapacity(n) : Math.max(16, n);
  return capacity(units) * (wide ? 2 : 1) + 4 * (room ? fittedCapacity(names.length) + 1 : Math.max(17, names.length + 1))
    + 4 * slots;
}

test('shrinkToFit and a tight compact leave no headroom (shrinkToFit a 64th), every name found, and interning goes on', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 10 }), { minLength: 1, maxLength: 400 }).chain((names) =>
      // Some runs at exactly 3/4 of a slot count, where the table must not grow.
      fc.constantFrom(names, names.slice(0, 24), names.slice(0, 48), names.slice(0, 96), names.slice(0, 192))),
    fc.boolean(),
    fc.func(fc.boolean()),
    (names, viaCompact, keepFn) => {
      const t = new NameTable(4, 8);
      for (const n of names) t.intern(n);
      let kept: string[] = names;
      if (viaCompact) {
        const keep = names.map((_, i) => keepFn(i));
        kept = names.filter((_, i) => keep[i]);
        t.compact((id) => keep[id]!, true);
      } else {
        t.shrinkToFit();
      }
      if (viaCompact) assert.equal(t.byteSize(), fittedBytes(kept, false));
      else assert.ok(t.byteSize() <= fittedBytes(kept, true), `${t.byteSize()} > ${fittedBytes(kept, true)}`);
      kept.forEach((n, id) => { assert.equal(t.find(n), id); assert.equal(t.nameOf(id), n); });
      const fresh = t.intern('\u0000fresh');
      assert.equal(t.find('\u0000fresh'), fresh);
      kept.forEach((n, id) => assert.equal(t.find(n), id));
    }), { numRuns: 80 });
});

test('the slots stay at most 3/4 full while names are interned', () => {
  const t = new NameTable(4, 8);
  for (let i = 0; i < 5000; i++) {
    t.intern(`name_${i}`);
    const slots = (t.byteSize() - t.units.length - t.offsets.byteLength) / 4;
    assert.ok(t.count * 4 <= slots * 3, `${t.count} names in ${slots} slots`);
  }
});
