/**
 * Our LZ4 block decoder against lz4js (the reference it replaces on the read path): the same output
 * for blocks lz4js makes from random, source-like and real inputs; and on malformed blocks (random
 * bytes, valid blocks with bytes flipped, truncated or extended) it returns -1 or stops, never
 * writes outside its output window (guard bytes around it stay intact), and never reads outside
 * its input range (the result is the same whatever bytes surround the block).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as lz4 from 'lz4js';
import { lz4DecodeBlock } from '../../server/src/cache/codecs/lz4-decode.js';
import { lz4Encode } from '../../server/src/cache/codecs/lz4-block.js';
import { textArb } from './helpers.js';

/** lz4js's block for `raw` (or undefined when it does not compress). */
function reference(raw: Uint8Array): Uint8Array | undefined {
  const e = lz4Encode(raw);
  return e.length < raw.length ? e.slice() : undefined;
}

const GUARD = 24;

/**
 * Decodes `block` placed at `pad` inside a buffer filled with `fill`, into a window of `cap` bytes
 * at `at` (with guard bytes on both sides), and checks the guards.
 */
function decodeGuarded(block: Uint8Array, cap: number, fill: number, pad = 5, at = GUARD): { end: number; window: Uint8Array } {
  const src = new Uint8Array(block.length + 2 * pad).fill(fill);
  src.set(block, pad);
  const dst = new Uint8Array(at + cap + GUARD).fill(0xa5);
  const end = lz4DecodeBlock(src, pad, pad + block.length, dst, at, at + cap);
  for (let i = 0; i < at; i++) assert.equal(dst[i], 0xa5, `wrote before the window at ${i}`);
  for (let i = at + cap; i < dst.length; i++) assert.equal(dst[i], 0xa5, `wrote after the window at ${i}`);
  assert.ok(end === -1 || (end >= at && end <= at + cap), `end ${end} outside the window`);
  return { end, window: dst.slice(at, at + cap) };
}

test('decodes every block lz4js makes to the same bytes (random and source-like inputs)', () => {
  fc.assert(
    fc.property(textArb(20000), fc.nat(40), (raw, at) => {
      const block = reference(raw);
      if (!block) return;
      const { end, window } = decodeGuarded(block, raw.length, 0, 3, at + GUARD);
      assert.equal(end, at + GUARD + raw.length);
      assert.deepEqual(window, raw);
      const viaLz4js = new Uint8Array(raw.length);
      lz4.decompressBlock(block, viaLz4js, 0, block.length, 0);
      assert.deepEqual(window, viaLz4js);
    }),
    { numRuns: 1000 },
  );
});

test('runs and short periods (overlapping matches) decode exactly', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 16, max: 5000 }), fc.uint8Array({ maxLength: 30 }), (unit, n, tail) => {
      const raw = new Uint8Array(n + tail.length);
      for (let i = 0; i < n; i++) raw[i] = unit[i % unit.length];
      raw.set(tail, n);
      const block = reference(raw);
      if (!block) return;
      const { end, window } = decodeGuarded(block, raw.length, 0);
      assert.equal(end, GUARD + raw.length);
      assert.deepEqual(window, raw);
    }),
    { numRuns: 500 },
  );
});

test('real files: every chunk-sized piece of the repository sources round-trips', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (/\.ts$/.test(d.name)) files.push(p);
    }
  };
  walk('server/src');
  assert.ok(files.length > 10);
  let blocks = 0;
  for (const f of files) {
    const bytes = new Uint8Array(fs.readFileSync(f));
    for (let at = 0; at < bytes.length; at += 2048) {
      const raw = bytes.subarray(at, at + 2048 + (at % 3000));
      const block = reference(raw);
      if (!block) continue;
      const { end, window } = decodeGuarded(block, raw.length, 0x77);
      assert.equal(end, GUARD + raw.length);
      assert.deepEqual(window, raw);
      blocks++;
    }
  }
  assert.ok(blocks > 20);
});

test('malformed blocks: -1 or a stop inside the window, no write outside it, no read outside the input', () => {
  const mutated = fc
    .tuple(textArb(4000), fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 4 }), fc.integer({ min: -8, max: 8 }))
    .map(([raw, flips, cut]) => {
      const block = reference(raw) ?? raw;
      const b = block.slice(0, Math.max(0, block.length + Math.min(0, cut)));
      for (const [where, bit] of flips) if (b.length) b[where % b.length] ^= 1 << bit;
      return { block: b, cap: Math.max(0, raw.length + (cut > 0 ? cut : 0)) };
    });
  const random = fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.nat(3000)).map(([block, cap]) => ({ block, cap }));
  fc.assert(
    fc.property(fc.oneof(mutated, random), ({ block, cap }) => {
      const a = decodeGuarded(block, cap, 0x00);
      const b = decodeGuarded(block, cap, 0xff, 9);
      // Same result whatever surrounds the input: nothing outside [sStart, sEnd) was read.
      assert.equal(a.end, b.end);
      if (a.end !== -1) assert.deepEqual(a.window.subarray(0, a.end - GUARD), b.window.subarray(0, b.end - GUARD));
    }),
    { numRuns: 3000 },
  );
});

test('matches may reach into history only down to histStart', () => {
  const base = new TextEncoder().encode('function alpha(beta) { return beta * 2; }\n');
  // One sequence: 0 literals, a match of 4+0 bytes at offset base.length (the start of the history).
  const block = Uint8Array.of(0x00, base.length & 0xff, base.length >> 8, 0x10, 0x21);
  const dst = new Uint8Array(base.length + 5);
  dst.set(base);
  assert.equal(lz4DecodeBlock(block, 0, block.length, dst, base.length, base.length + 5, 0), base.length + 5);
  assert.deepEqual(dst.subarray(base.length), Uint8Array.of(...base.subarray(0, 4), 0x21));
  // Without history (histStart = dStart) the same block is refused.
  assert.equal(lz4DecodeBlock(block, 0, block.length, dst, base.length, base.length + 5), -1);
  assert.equal(lz4DecodeBlock(block, 0, block.length, dst, base.length, base.length + 5, 1), -1);
});
