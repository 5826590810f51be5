/**
 * bytes.ts: a string written from its UTF-16 code units (`ByteSink.strUnits`, as a packed outline's
 * names are written) is the very bytes `str` writes, and reads back as the string; a lone surrogate
 * is refused by both, and a refused string leaves the sink as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteSink, ByteSource } from '../../../server/src/index/snapshot/bytes.js';

/** Any code unit, lone surrogates included. */
const unitString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const wellFormed = fc.string({ unit: 'grapheme', maxLength: 300 });

function unitsOf(s: string, pad: number): Uint16Array {
  const u = new Uint16Array(pad + s.length + pad);
  for (let i = 0; i < s.length; i++) u[pad + i] = s.charCodeAt(i);
  return u;
}

/** The bytes `write` adds after a 3-byte prefix, or the error it throws (and then the sink is unchanged). */
function written(write: (sink: ByteSink) => void): Uint8Array | Error {
  const sink = new ByteSink(16); // small: the text forces growth
  sink.bytes(new Uint8Array([1, 2, 3]));
  try {
    write(sink);
  } catch (e) {
    assert.deepEqual([...sink.written()], [1, 2, 3], 'a refused string wrote nothing');
    return e as Error;
  }
  return sink.written(3).slice();
}

test('strUnits writes the bytes str writes, for every string, and refuses what str refuses', () => {
  fc.assert(fc.property(fc.oneof(unitString, wellFormed), fc.nat(4), (s, pad) => {
    const units = unitsOf(s, pad);
    const a = written((sink) => sink.str(s));
    const b = written((sink) => sink.strUnits(units, pad, pad + s.length));
    if (a instanceof Error) {
      assert.ok(b instanceof Error, `str refused ${JSON.stringify(s)}, strUnits did not`);
      assert.equal(b.message, a.message);
      return;
    }
    assert.ok(!(b instanceof Error), `strUnits refused ${JSON.stringify(s)}: ${String(b)}`);
    assert.deepEqual(b, a);
    assert.equal(new ByteSource(b).str(), s);
  }), { numRuns: 2000 });
});

test('strUnits: every kind of UTF-8 sequence, and a lone surrogate at either end', () => {
  for (const s of ['', 'a', '\u007f\u0080', '\u07ff\u0800', '\uffff', '\ud800\udc00', '\udbff\udfff', 'x\ud83d\ude00y']) {
    const utf8 = new TextEncoder().encode(s); // all shorter than 128 bytes: a one-byte length
    assert.deepEqual(written((sink) => sink.strUnits(unitsOf(s, 1), 1, 1 + s.length)), Uint8Array.of(utf8.length, ...utf8), JSON.stringify(s));
  }
  for (const s of ['\ud800', 'a\ud800', '\udc00b', '\udc00\ud800', 'ok\ud83d']) {
    assert.throws(() => new ByteSink().strUnits(unitsOf(s, 0), 0, s.length), /not well-formed UTF-16/, JSON.stringify(s));
  }
  // A surrogate pair cut by the end of the range is a lone surrogate there.
  const pair = unitsOf('\ud83d\ude00', 0);
  assert.throws(() => new ByteSink().strUnits(pair, 0, 1), /not well-formed UTF-16/);
});
