/**
 * The stated per-file memory cost (index/memoryBound.ts) holds: files recorded the way the indexer
 * records them (fileIndexer's `recordAnalysis` into the real symbol index and file table, the bytes
 * put into the real source cache with the disk fallback) cost no more per file than
 * `perFileBytes` says. Measured as the slope between two counts of files (so fixed costs and warm-up
 * cancel out) of the main thread's V8 heap + ArrayBuffers after full garbage collections. Every file
 * has the same text, so the chunk store holds it once (as with the benchmark's hard-link copies):
 * what is measured is what each file adds beyond its chunk bytes, which live in budgeted tiers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '../../server/src/base/log.js';
import { createSourceCache } from '../../server/src/cache/index.js';
import { diskFallback } from '../../server/src/index/diskFallback.js';
import { recordAnalysis, type IndexTargets } from '../../server/src/index/fileIndexer.js';
import { FileTable } from '../../server/src/index/fileTable.js';
import { perFileBytes } from './support/memoryBound.js';
import { SymbolIndex, SYMBOL_SLOT_BYTES } from '../../server/src/index/symbolIndex.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { packOccurrences } from '../../server/src/syntax/occurrences.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';
import { SymbolKind, type FileAnalysis, type SyntaxSymbol } from '../../server/src/syntax/types.js';
import { liveBytes } from './support/liveBytes.js';


/** A Go-like file of the benchmark corpus: 66 symbols (types with fields, functions), 130 identifiers used. */
function analysis(f: number): FileAnalysis {
  const symbols: SyntaxSymbol[] = [];
  let n = 0;
  for (let t = 0; n < 66; t++) {
    const line = t * 10;
    const fields: SyntaxSymbol[] = [];
    for (let k = 0; k < 4 && n + 1 + fields.length < 66; k++) {
      fields.push({ name: `Field${k}`, kind: SymbolKind.Field, span: [line + k + 1, 1, line + k + 1, 20], nameSpan: [line + k + 1, 1, line + k + 1, 7] });
    }
    symbols.push({ name: `Type${(f * 3 + t) % 4000}`, kind: SymbolKind.Struct, span: [line, 0, line + 6, 1], nameSpan: [line, 5, line, 12], children: fields });
    n += 1 + fields.length;
  }
  const identifiers = Array.from({ length: 130 }, (_, j) => `ident${(f * 17 + j) % 30000}`).sort();
  const occurrences = packOccurrences(identifiers.map((name, j) => ({ name, span: [j, 4, j, 4 + name.length], kind: 'identifier' })));
  return { symbols, occurrences, diagnostics: [] };
}

const keyOf = (f: number) => `/home/someone/src/corpus/copy${f % 10}/cmd/compile/internal/pkg${f % 97}/file_${f}.go`;

test('per-file memory of the index stays within the stated cost (memoryBound.ts)', async () => {
  const cache = await createSourceCache({ warmBytes: 64 << 20, coldBytes: 64 << 20 });
  const pool = new ParserPool({ size: 1 });
  const occurrences = new Occurrences({ log: Logger.silent(), memtableBytes: 4 << 20, blockCacheBytes: 1 << 20 });
  const t: IndexTargets = {
    cache, pool, symbols: new SymbolIndex(), files: new FileTable(), occurrences,
    enabled: () => true, treeCapBytes: () => 1 << 20, log: Logger.silent(),
  };
  const text = new TextEncoder().encode('package p\n\ntype T struct{ A int }\n'.repeat(40));
  const add = (from: number, to: number) => {
    for (let f = from; f < to; f++) {
      const key = keyOf(f);
      const disk = { size: text.length, mtimeMs: 1_700_000_000_000 + f * 0.25 };
      cache.put(key, text, diskFallback(key, disk.size, disk.mtimeMs));
      recordAnalysis(t, key, 'go', { bytes: text.length, crc: 0 }, disk, analysis(f));
    }
  };
  try {
    const N1 = 2_000;
    const N2 = 22_000;
    add(0, N1);
    await occurrences.flush();
    // As the server does when an index run ends (workspace.ts).
    t.symbols.shrinkToFit();
    const m1 = await liveBytes();
    add(N1, N2);
    // The memtable is budgeted, not per file: measured once written (and merged) into segments.
    await occurrences.flush();
    await occurrences.compact();
    const untrimmed = await liveBytes();
    t.symbols.shrinkToFit();
    const m2 = await liveBytes();
    const files = N2 - N1;
    const measured = (m2 - m1) / files;
    const stated = perFileBytes({ symbols: 66, pathUnits: keyOf(N2).length });
    const symbolPart = SYMBOL_SLOT_BYTES * 66;
    console.log(`per file: measured ${measured.toFixed(0)} B (before shrinkToFit ${((untrimmed - m1) / files).toFixed(0)} B), stated ${stated.toFixed(0)} B, of which symbol slots ${symbolPart} B`);
    assert.equal(t.files.size, N2);
    assert.equal(occurrences.stats().files, N2);
    assert.equal(occurrences.stats().memtableFiles, 0);
    assert.equal(t.symbols.stats().symbols, 66 * N2);
    // The measurement sees the data: at least the symbol columns.
    assert.ok(measured >= symbolPart, `measured ${measured} B below the symbol slots alone (${symbolPart} B): the measurement is broken`);
    assert.ok(measured <= stated, `measured ${measured.toFixed(0)} B per file > stated ${stated.toFixed(0)} B`);
    // During a run the columns keep up to an eighth of their size as growth headroom (nameTable.ts, grownCapacity).
    assert.ok((untrimmed - m1) / files <= stated + 0.125 * symbolPart, `before shrinkToFit ${((untrimmed - m1) / files).toFixed(0)} B per file`);
  } finally {
    occurrences.close();
    await pool.close();
  }
});
