/**
 * NameTable: interning identity, exact round trip of any UTF-16 text, lookup of absent names, and
 * compaction keeping exactly the chosen names under a correct old→new id map.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NameTable } from '../../server/src/index/nameTable.js';

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
      assert.ok(t.verifyHash(id));
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
      assert.ok(t.verifyHash(first));
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
      const bits = names.map((_, id) => t.wordStartBits[id]);
      names.forEach((n, id) => {
        assert.equal(t.nameOf(id), n);
        assert.equal(t.find(n), id);
        assert.ok(t.verifyHash(id));
      });
      const keep = names.map((_, i) => keepFn(i));
      const remap = t.compact((id) => keep[id]!);
      const keptWide = names.some((n, i) => keep[i] && [...n].some((c) => c.charCodeAt(0) > 0xff || c.length > 1));
      assert.equal(t.units instanceof Uint16Array, keptWide);
      names.forEach((n, old) => {
        if (!keep[old]) return;
        assert.equal(t.nameOf(remap[old]!), n);
        assert.equal(t.wordStartBits[remap[old]!], bits[old]);
      });
    }));
});
