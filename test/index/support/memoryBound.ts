/**
 * The stated memory cost of one indexed file, in one place: what the workspace (the server) keeps per
 * file beyond the budgeted tiers (`memory.totalMB`: hot trees, warm and cold chunk bytes). Peak memory
 * of the server's index run is bounded by the budgets, the run's fixed working set (parser workers,
 * files in flight, the snapshot writer's batches) and this cost times the number of files — it is
 * the only part that grows with the size of the tree. `strata index` keeps only the occurrence
 * index's part: it streams each file's record into the snapshot (headlessIndex.ts). Kept with the tests (the server does not use it); checked by test/index/memoryBound.test.ts (measured after a
 * garbage collection, V8 heap + ArrayBuffers of the main thread, with real parts).
 *
 * Per file, measured with Node 20 (x64):
 * - its path: the key string (1–2 B per unit, shared by the maps below) and the symbol index's copy;
 * - symbol index: SYMBOL_SLOT_BYTES (26 B) per symbol (a ≈11–13 B record and a name's pair), ≈50 B + 1 B
 *   per path unit (2 B in a table holding a unit above 255: nameTable.ts) (symbolIndex.ts);
 *   each distinct name once (≈47–53 B + 1–2 B per unit, of which NAME_SEARCH_BYTES, 30 B, is the
 *   workspace/symbol search structure, nameSearch.ts) — shared by all files, not counted here;
 * - file table: ≈400 B of objects (record, disk state, analysed length + CRC, Map entry; fileTable.ts);
 * - occurrence index, once its memtable (budgeted) is written: the owner entry (a Map entry, a small integer), the
 *   segment's copy of the path and the text signature (occurrences/occurrenceIndex.ts, segment.ts);
 *   the occurrences themselves are on disk;
 * - cache entry: ≈900 B (Entry, its chunk-id list as a typed array, the disk fallback's closure,
 *   the entry map and tier list entries); per chunk, the store's own costs (22 B per chunk row, the
 *   chunk bytes in a budgeted tier) are shared by identical content and not counted here.
 * - persistent cache: one record signature per file (a flat string and its map entry, ≈90 B;
 *   persistence.ts), not among the parts the test measures;
 * E.g. a Go file of the benchmark corpus (66 symbols, 65 path units): ≈3.7 KB.
 */
import { SYMBOL_SLOT_BYTES } from '../../../server/src/index/symbolIndex.js';

/** Objects kept per file outside the symbol columns: file table record + cache entry (see header). */
export const FILE_FIXED_BYTES = 1_500;
/** The symbol index's part of a file that does not depend on its symbols (21 B of range columns, path table). */
export const SYMBOL_FILE_BYTES = 50;
/** The occurrence index's entry of a file, beside its path's copy (2 B per unit, counted in `perFileBytes`). */
export const OCCURRENCE_FILE_BYTES = 150;

export interface FileShape {
  symbols: number;
  /** UTF-16 units of the file's path. */
  pathUnits: number;
}

/** The stated memory cost of one indexed file (bytes). */
export function perFileBytes(f: FileShape): number {
  return SYMBOL_SLOT_BYTES * f.symbols + SYMBOL_FILE_BYTES + 6 * f.pathUnits + FILE_FIXED_BYTES
    + OCCURRENCE_FILE_BYTES;
}
