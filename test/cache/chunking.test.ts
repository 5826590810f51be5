/**
 * Chunker, hash and CRC: boundaries must not depend on how input is split, sizes stay in bounds,
 * chunks reassemble to the input, the two CRC implementations agree, and ids are 64-bit and
 * sensitive to every byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamingChunker, hash64, crc32 } from '../../server/src/cache/index.js';
import { crc32Portable } from '../../server/src/cache/common/crc32.js';
import { lz4Encode, lz4Decode, lz4TableIsClean } from '../../server/src/cache/codecs/lz4-block.js';
import { chunkingArb, textArb } from './helpers.js';

function chunkSizes(opts: { minSize: number; avgSize: number; maxSize: number }, pieces: Uint8Array[]): { sizes: number[]; joined: Uint8Array } {
  const sizes: number[] = [];
  const parts: Uint8Array[] = [];
  const c = new StreamingChunker(opts, (b) => {
    sizes.push(b.length);
    parts.push(b.slice());
  });
  for (const p of pieces) c.push(p);
  c.finish();
  return { sizes, joined: Buffer.concat(parts) };
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

test('chunk boundaries are independent of how the input is split', () => {
  fc.assert(
    fc.property(textArb(20000), chunkingArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }), (text, opts, cuts) => {
      const whole = chunkSizes(opts, [text]);
      const pieces = chunkSizes(opts, split(text, cuts));
      const bytewise = chunkSizes(opts, Array.from(text.subarray(0, 3000), (b) => Uint8Array.of(b)));
      assert.deepEqual(pieces.sizes, whole.sizes);
      assert.deepEqual(bytewise.sizes, chunkSizes(opts, [text.subarray(0, 3000)]).sizes);
      assert.deepEqual(whole.joined, Buffer.from(text));
    }),
    { numRuns: 300 },
  );
});

test('chunk sizes respect min and max, and cuts are content-defined (an insertion resynchronises)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20000, maxLength: 40000 }), chunkingArb, (text, opts) => {
      const { sizes } = chunkSizes(opts, [text]);
      sizes.forEach((s, i) => {
        assert.ok(s <= opts.maxSize, `chunk ${s} > max ${opts.maxSize}`);
        if (i < sizes.length - 1) assert.ok(s >= opts.minSize, `chunk ${s} < min ${opts.minSize}`);
      });
    }),
    { numRuns: 100 },
  );
  // Inserting bytes at the front changes only the first chunks: most later boundaries survive.
  const text = new Uint8Array(200000).map((_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff);
  const opts = { minSize: 256, avgSize: 1024, maxSize: 4096 };
  const ends = (t: Uint8Array, shift: number) => {
    let at = -shift;
    return new Set(chunkSizes(opts, [t]).sizes.map((s) => (at += s)));
  };
  const shifted = Buffer.concat([Buffer.from('inserted text'), text]);
  const a = ends(text, 0);
  const b = ends(shifted, 13);
  let same = 0;
  for (const x of a) if (b.has(x)) same++;
  assert.ok(same / a.size > 0.95, `only ${same}/${a.size} boundaries survived an insertion`);
});

test('crc32 agrees with the crc-32 package and continues across pieces', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
      assert.equal(crc32(a), crc32Portable(a));
      assert.equal(crc32(b, crc32(a)), crc32(Buffer.concat([a, b])));
      assert.ok(crc32(a) >= 0);
    }),
    { numRuns: 500 },
  );
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('hash64 is deterministic, 64-bit, and changes with any single bit flip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.nat(), (bytes, where) => {
      const h1 = hash64(bytes, 0, bytes.length, { hi: 0, lo: 0 });
      const h2 = hash64(bytes.slice(), 0, bytes.length, { hi: 0, lo: 0 });
      assert.deepEqual(h1, h2);
      const flipped = bytes.slice();
      flipped[where % bytes.length] ^= 1 << (where % 8);
      const h3 = hash64(flipped, 0, flipped.length, { hi: 0, lo: 0 });
      assert.ok(h3.hi !== h1.hi && h3.lo !== h1.lo, 'both lanes must change');
      // Appending a zero byte changes the id (length is part of it, the zero padding is not ambiguous).
      const longer = Buffer.concat([bytes, Uint8Array.of(0)]);
      assert.notDeepEqual(hash64(longer, 0, longer.length, { hi: 0, lo: 0 }), h1);
    }),
    { numRuns: 1000 },
  );
  // No collisions among 200k distinct small inputs (a 32-bit id would show ~5 expected collisions).
  const seen = new Set<string>();
  const buf = new Uint8Array(8);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < 200000; i++) {
    view.setUint32(0, i, true);
    const h = hash64(buf, 0, 8, { hi: 0, lo: 0 });
    seen.add(`${h.hi}:${h.lo}`);
  }
  assert.equal(seen.size, 200000);
});

test('LZ4 block codec round-trips and leaves its hash table clean after every call', () => {
  fc.assert(
    fc.property(textArb(20000), (raw) => {
      const encoded = lz4Encode(raw).slice();
      assert.ok(lz4TableIsClean(), 'stale hash-table entries would allow zero-offset matches');
      assert.ok(encoded.length <= raw.length);
      const out = new Uint8Array(raw.length);
      assert.ok(lz4Decode(encoded, raw.length, out));
      assert.deepEqual(out, raw);
    }),
    { numRuns: 500 },
  );
});
