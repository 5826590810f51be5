/**
 * The stats object: the contract that `strata/stats` (LSP) and `strata index --json` (CLI) return.
 * Other tools read it, so these fields keep their meaning; fields may be added, never repurposed.
 */

export interface TierStats {
  files: number;
  /** hot: estimated wasm-heap bytes of live trees; warm/cold: stored (compressed) bytes. */
  bytes: number;
}

export interface StrataStats {
  /** Files known to the workspace (indexed or open). */
  files: number;
  /** Raw bytes of those files' current text. */
  bytes: number;
  /** Files per language name. */
  languages: Record<string, number>;
  /** Files whose tree has at least one ERROR or MISSING node. */
  parseErrors: number;
  /** Milliseconds spent indexing (the last full index run). */
  elapsedMs: number;
  /** Peak resident set size of this process, in bytes. */
  peakRssBytes: number;
  store: {
    rawBytes: number;
    storedBytes: number;
    chunks: number;
    uniqueChunks: number;
    dedupRatio: number;
    compressionRatio: number;
  };
  tiers: { hot: TierStats; warm: TierStats; cold: TierStats };
  trees: { live: number; created: number; deleted: number };
  integrity: { verifiedReads: number; crcFailures: number; fallbacks: number };
  journal: { replays: number; fullParses: number };
  /** The budgets in force, in bytes (hot: wasm heap; warm/cold: stored bytes). */
  budgets?: { hotBytes: number; warmBytes: number; coldBytes: number };
  /**
   * This process's memory now (`process.memoryUsage()`): resident set, V8 heap in use, external
   * memory (the main thread's wasm heap, where live trees are, plus ArrayBuffers such as cache slabs)
   * and ArrayBuffer bytes; `workersHeapBytes` = the parser workers' latest reported wasm heaps.
   */
  process?: { rssBytes: number; heapUsedBytes: number; externalBytes: number; arrayBuffersBytes: number; workersHeapBytes: number };
  /** The persistent cache (index/persistence.ts); its detected damage is also in integrity.crcFailures. */
  persist?: PersistStats;
}

/** Counts since the process started, summed over workspace folders. */
export interface PersistStats {
  /** False when the `cacheDir` setting is 'off'. */
  enabled: boolean;
  /** The snapshot file last loaded or written. */
  snapshotPath?: string;
  /** Files loaded from snapshots (symbols, filter, metadata-only cache entry; nothing parsed). */
  loadedFiles: number;
  /** Loaded files found unchanged on disk (size and mtime) and used as they were. */
  keptFiles: number;
  /** Files indexed from disk by runs that followed a load (changed or new). */
  reindexedFiles: number;
  /** Loaded files whose file was gone. */
  removedFiles: number;
  /** Damage detected in snapshots: unusable snapshots, damaged FILES blocks, damaged packs. */
  damagedBlocks: number;
  /** Milliseconds spent loading snapshots. */
  loadMs: number;
  saves: number;
  failedSaves: number;
  /** Bytes, files and milliseconds of the last snapshot written. */
  lastSaveBytes: number;
  lastSaveFiles: number;
  lastSaveMs: number;
  /** Other workspaces' caches deleted by the disk budget. */
  evictedCaches: number;
}
