/**
 * The cache's accounting (`CacheStats`), exact at any moment between calls: each counter is kept by
 * the operation that changes it, and `test/cache` checks them against a recount.
 * - store: rawBytes (base text of resident entries, duplicates counted), storedBytes (warm blocks plus
 *   cold pack frames), chunks (references), uniqueChunks, uniqueRawBytes, dedupRatio
 *   (raw / uniqueRaw), compressionRatio (uniqueRaw / stored), deltaChunks, slabBytes, metadataBytes
 *   (per unique chunk), journalBytes, chunkListBytes (per reference, so not in metadataBytes).
 * - integrity: verifiedReads; crcFailures (once per failing read); fallbacks (failures served by
 *   verified fallback bytes); refills (reads of evicted entries, not failures); originChanged (reads
 *   of an entry backed by its origin, a file, that no longer holds the text: no damage, not counted
 *   as a CRC failure).
 * - tiers: files and stored bytes per tier; a chunk shared by a warm and a cold entry is warm, counted
 *   once; evicted (metadata-only) entries hold no bytes, `bytes` there is their texts' length, read back
 *   from their fallbacks. hot is what the syntax layer last reported (`reportHot`): the cache owns no trees.
 * - backedFiles: entries whose fallback holds their text (`adopt`, `back`), in any tier.
 * Plain data; no behaviour.
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
  integrity: { verifiedReads: number; crcFailures: number; fallbacks: number; refills: number; originChanged: number };
  tiers: {
    hot: { files: number; bytes: number };
    warm: { files: number; bytes: number };
    cold: { files: number; bytes: number };
    evicted: { files: number; bytes: number };
  };
  backedFiles: number;
}
