/**
 * Shared generators for the cache tests: texts that look like source (so chunks repeat and
 * compress) or are arbitrary bytes, chunk-size options, and edit sequences against a model text.
 */
import fc from 'fast-check';
import type { ChunkingOptions, JournalEdit } from '../../server/src/cache/index.js';

export const enc = new TextEncoder();

/** Arbitrary bytes or source-like text built from repeated lines, up to ~maxLength bytes. */
export function textArb(maxLength = 6000): fc.Arbitrary<Uint8Array> {
  const lines = fc.array(
    fc.oneof(
      fc.constantFrom('function f(x) {\n', '  return x + 1;\n', '}\n', 'import { a } from "b";\n', '// comment\n', '\n'),
      fc.string({ maxLength: 60 }).map((s) => s + '\n'),
    ),
    { maxLength: maxLength / 16 },
  ).map((ls) => enc.encode(ls.join('')));
  return fc.oneof(lines, fc.uint8Array({ maxLength }));
}

export const chunkingArb: fc.Arbitrary<ChunkingOptions> = fc
  .tuple(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 2048 }))
  .map(([min, extraAvg, extraMax]) => ({ minSize: min, avgSize: min + extraAvg, maxSize: min + extraAvg + extraMax }));

/** Edits as fractions, resolved against the current length so they are always in range. */
export const editSpecsArb = fc.array(
  fc.record({ a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.uint8Array({ maxLength: 40 }), aux: fc.option(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 6 })) }),
  { maxLength: 20 },
);

export type EditSpec = { a: number; b: number; text: Uint8Array; aux: number[] | null };

export function resolveEdit(spec: EditSpec, length: number): JournalEdit {
  const x = Math.floor(spec.a * length);
  const y = Math.floor(spec.b * length);
  const edit: JournalEdit = { start: Math.min(x, y), end: Math.max(x, y), text: spec.text };
  if (spec.aux && spec.aux.length > 0) edit.aux = Int32Array.from(spec.aux); // an empty aux reads back as absent
  return edit;
}

export function applyEdit(text: Uint8Array, e: JournalEdit): Uint8Array {
  const out = new Uint8Array(text.length - (e.end - e.start) + e.text.length);
  out.set(text.subarray(0, e.start));
  out.set(e.text, e.start);
  out.set(text.subarray(e.end), e.start + e.text.length);
  return out;
}
