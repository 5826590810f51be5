/**
 * The cache's accounting, exact at any moment between calls (every counter is maintained
 * incrementally by the operation that changes it; `test/cache` checks them against a recount).
 *
 * store
 * - rawBytes: Σ over resident entries of the base text length (the bytes the chunk references
 *   stand for, duplicates counted every time; evicted entries hold no chunks and count 0).
 * - storedBytes: bytes held for chunk content: warm LZ4 blocks (or raw chunks) in slabs plus cold
 *   Zstandard pack frames (including dead members of packs not yet repacked).
 * - chunks: chunk references held by entries (Σ refs).
 * - uniqueChunks: distinct chunks stored.
 * - uniqueRawBytes: raw bytes of the distinct chunks.
 * - dedupRatio: rawBytes / uniqueRawBytes (1 when empty).
 * - compressionRatio: uniqueRawBytes / storedBytes (1 when empty).
 *   So rawBytes / storedBytes = dedupRatio × compressionRatio.
 * - deltaChunks: distinct chunks stored as deltas against a base chunk (counted in uniqueChunks too).
 * - slabBytes: memory of all slabs (warm + cold), ≥ storedBytes; metadataBytes: the store's
 *   per-chunk metadata (chunk columns, id index, delta index, pack objects); journalBytes: encoded
 *   journal records.
 * - chunkListBytes: the entries' chunk lists (a u32 slot per reference: 4 × chunks); per file and
 *   per reference, so not in metadataBytes, which is per unique chunk.
 * integrity
 * - verifiedReads: reads (read/readBase) served from stored bytes that passed every check.
 * - crcFailures: reads that found any disagreement (chunk CRC, pack, journal record, structure,
 *   whole-text length/CRC); counted once per failing read.
 * - fallbacks: failing reads then served by the fallback's bytes after they verified.
 * - refills: reads of evicted entries served by their verified fallback (not failures).
 * tiers: files = entries in the tier; bytes = stored bytes of the chunks located there (warm: slab
 *   blocks; cold: pack frames). A chunk shared by a warm and a cold entry is warm and counted once.
 *   hot is what the syntax layer last reported through `reportHot` (the cache does not own trees).
 */
export interface CacheStats {
  store: {
    rawBytes: number;
    storedBytes: number;
    chunks: number;
    uniqueChunks: number;
    uniqueRawBytes: number;
    deltaChunks: number;
    dedupRatio: number;
    compressionRatio: number;
    slabBytes: number;
    metadataBytes: number;
    journalBytes: number;
    chunkListBytes: number;
  };
  integrity: { verifiedReads: number; crcFailures: number; fallbacks: number; refills: number };
  tiers: {
    hot: { files: number; bytes: number };
    warm: { files: number; bytes: number };
    cold: { files: number; bytes: number };
    evicted: { files: number };
  };
}
