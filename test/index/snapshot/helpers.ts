/**
 * Shared pieces of the snapshot tests: generators of files (texts that share chunks, duplicates,
 * empty and binary texts; symbol trees; identifier bytes), writing a set of files into a snapshot,
 * reading everything back, and the files of a store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { crc32 } from '../../../server/src/cache/common/crc32.js';
import type { SyntaxSymbol, SymbolKind } from '../../../server/src/syntax/types.js';
import type { LanguageName } from '../../../server/src/syntax/languages.js';
import type { SnapshotFile } from '../../../server/src/index/snapshot/records.js';
import { SnapshotWriter } from '../../../server/src/index/snapshot/writer.js';
import type { SnapshotWriterOptions } from '../../../server/src/index/snapshot/writer.js';
import { SnapshotReader } from '../../../server/src/index/snapshot/reader.js';
import { entryPath, readManifest, type Manifest } from '../../../server/src/index/snapshot/manifest.js';

export const enc = new TextEncoder();

export function tempDir(prefix = 'strata-snap-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Deterministic pseudo-random bytes (xorshift32) for large texts without fast-check's cost. */
export function prng(seed: number): () => number {
  let x = (seed | 0) || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Source-like text of about `bytes` bytes: lines from a vocabulary, so chunks repeat across files. */
export function sourceText(seed: number, bytes: number): Uint8Array {
  const next = prng(seed);
  const words = ['function', 'return', 'const', 'let', 'value', 'index', 'export', 'import', 'class', 'if', 'else', 'for'];
  let s = '';
  while (s.length < bytes) {
    const n = 2 + (next() % 8);
    let line = '  '.repeat(next() % 4);
    for (let i = 0; i < n; i++) line += words[next() % words.length]! + (next() % 3 === 0 ? `_${next() % 1000}` : '') + ' ';
    s += line + ';\n';
  }
  return enc.encode(s.slice(0, bytes));
}

const WORDS = ['function ', 'return ', 'const ', 'value', 'index', ' = ', '(', ');\n', '  ', 'export ', 'import ', 'class ', '{\n', '}\n', '_'].map((w) => enc.encode(w));

/** Fast source-like bytes (a few hundred MB/s) with numbers in them, so chunks rarely repeat. */
export function fastText(seed: number, bytes: number): Uint8Array {
  const next = prng(seed * 2654435761 + 1);
  const out = new Uint8Array(bytes);
  let at = 0;
  while (at < bytes) {
    const r = next();
    const w = WORDS[r % WORDS.length]!;
    const n = Math.min(w.length, bytes - at);
    out.set(w.subarray(0, n), at);
    at += n;
    if ((r >>> 8) % 4 === 0 && at + 4 <= bytes) {
      const digits = (r >>> 12) % 10000;
      for (const c of String(digits).padStart(4, '0')) out[at++] = c.charCodeAt(0);
    }
  }
  return out;
}

const LANGS: LanguageName[] = ['typescript', 'javascript', 'python', 'go', 'rust', 'c', 'json', 'bash'];

const spanArb = fc.tuple(fc.nat(2 ** 32 - 1), fc.nat(5000), fc.nat(100000), fc.nat(2 ** 32 - 1)) as fc.Arbitrary<[number, number, number, number]>;

const { tree: symbolTreeArb } = fc.letrec<{ tree: SyntaxSymbol[]; sym: SyntaxSymbol }>((tie) => ({
  tree: fc.array(tie('sym'), { maxLength: 4, depthIdentifier: 'sym' }),
  sym: fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
      kind: fc.integer({ min: 1, max: 26 }).map((k) => k as SymbolKind),
      span: spanArb,
      nameSpan: spanArb,
      detail: fc.string({ maxLength: 8 }),
      children: tie('tree'),
    },
    { requiredKeys: ['name', 'kind', 'span', 'nameSpan'], noNullPrototype: true },
  ),
}));

/** A text: empty, arbitrary bytes, source-like, or built from shared pieces (cross-file dedup). */
export function textArb(): fc.Arbitrary<Uint8Array> {
  const pieces = [sourceText(1, 9000), sourceText(2, 5000), sourceText(3, 12000)];
  return fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ maxLength: 3000 }),
    fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 30000 })).map(([s, n]) => sourceText(s, n)),
    fc.array(fc.tuple(fc.nat(2), fc.nat(8000)), { minLength: 1, maxLength: 4 }).map((parts) => {
      const chunks = parts.map(([i, at]) => pieces[i]!.subarray(at));
      const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
      let o = 0;
      for (const c of chunks) { out.set(c, o); o += c.length; }
      return out;
    }),
  );
}

export interface Original {
  file: SnapshotFile;
  text: Uint8Array;
}

export function fileFor(key: string, text: Uint8Array, extra: Partial<SnapshotFile> = {}): SnapshotFile {
  return { key, size: text.length, mtimeMs: 1.7e12, language: 'typescript', length: text.length, crc: crc32(text), hasErrors: false, symbols: [], ...extra };
}

/** Files with distinct keys; some texts are duplicates of earlier ones. */
export function filesArb(maxFiles = 30): fc.Arbitrary<Original[]> {
  const one = fc.record({
    text: textArb(),
    dupOf: fc.option(fc.nat(), { freq: 4 }),
    language: fc.constantFrom(...LANGS),
    size: fc.nat(2 ** 40),
    mtimeMs: fc.double({ min: 0, max: 2e12, noNaN: true }),
    hasErrors: fc.boolean(),
    noTreeReason: fc.option(fc.constantFrom('too large', 'binary', 'not UTF-8'), { nil: undefined }),
    symbols: symbolTreeArb,
  });
  return fc.array(one, { maxLength: maxFiles }).map((rows) => {
    const out: Original[] = [];
    rows.forEach((r, i) => {
      const text = r.dupOf !== null && out.length > 0 ? out[r.dupOf % out.length]!.text : r.text;
      const file: SnapshotFile = {
        key: `/ws/dir${i % 3}/f${i}.ts`, size: r.size, mtimeMs: r.mtimeMs, language: r.language,
        length: text.length, crc: crc32(text), hasErrors: r.hasErrors, symbols: r.symbols,
        ...(r.noTreeReason !== undefined ? { noTreeReason: r.noTreeReason } : {}),
      };
      out.push({ file, text });
    });
    return out;
  });
}

export async function writeSnapshot(file: string, root: string, originals: readonly Original[], options: SnapshotWriterOptions = {}) {
  const w = await SnapshotWriter.create(file, { root }, options);
  for (const o of originals) await w.add(o.file, o.text);
  return w.commit();
}

/** Every record and text the reader gives, with the texts that failed. */
export function readAll(r: SnapshotReader): { files: SnapshotFile[]; texts: Map<string, Uint8Array | Error> } {
  const files = [...r.files()];
  const texts = new Map<string, Uint8Array | Error>();
  for (const f of files) {
    try {
      texts.set(f.key, r.readText(f.key));
    } catch (e) {
      texts.set(f.key, e as Error);
    }
  }
  return { files, texts };
}

/** The files of the snapshot store whose manifest is `manifestPath`: its base and deltas, in order. */
export function storeFiles(manifestPath: string, root: string): { manifest: Manifest; base: string; deltas: string[] } {
  const manifest = readManifest(manifestPath, root);
  if (!manifest) throw new Error(`no store at ${manifestPath}`);
  return { manifest, base: entryPath(manifestPath, manifest.base), deltas: manifest.deltas.map((d) => entryPath(manifestPath, d)) };
}
