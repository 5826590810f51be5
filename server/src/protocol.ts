/**
 * The protocol module: what Strata's clients and tools rely on beyond standard LSP, in one place.
 * - The `strata/*` requests: `strata/stats` (no params) and the debug requests served only with
 *   STRATA_DEBUG=1 (lsp/handlers/debug.ts).
 * - The stats object, returned by `strata/stats` and printed by `strata index --json`: fields keep
 *   their meaning; fields may be added, never repurposed.
 * - The LSP languageIds each language answers to, which the VS Code extension's selector uses.
 * - The environment every launcher gives the server process.
 * It imports nothing: the VS Code extension bundles it and imports nothing else of the server,
 * and every layer of the server may import it.
 */

export const STATS_METHOD = 'strata/stats';
/** `{ uri }` → `{ text }`: the text the server would serve for a document. */
export const DEBUG_TEXT_METHOD = 'strata/debug/text';
/** `{ seed, flips, targets?, uris? }` → `{ injected: [{ region, byte, bit }], entries }`. */
export const DEBUG_INJECT_METHOD = 'strata/debug/injectFaults';
/**
 * No params → the main thread's heap figures: ends the idle parser workers and runs a full garbage
 * collection, so the process's memory read next is what the server retains (the soak judges drift by it).
 */
export const DEBUG_RELEASE_METHOD = 'strata/debug/releaseMemory';

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
  /**
   * hot: live trees (wasm-heap bytes); warm and cold: texts in memory (stored bytes); disk: files held
   * as metadata only, their texts read back on demand, verified, from the persistent store (or the
   * file itself) — `bytes` are those texts' bytes, none of them in memory.
   */
  tiers: { hot: TierStats; warm: TierStats; cold: TierStats; disk?: TierStats };
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
  process?: {
    rssBytes: number;
    heapUsedBytes: number;
    externalBytes: number;
    arrayBuffersBytes: number;
    workersHeapBytes: number;
  };
  /** The persistent cache (index/persistence.ts); its detected damage is also in integrity.crcFailures. */
  persist?: PersistStats;
  /** The occurrence index (index/occurrences/): find-references answers from it. */
  occurrences?: OccurrenceStats;
  /**
   * The symbol index (index/symbolIndex.ts), held in memory: definitions and workspace symbols.
   * `bytes` allocated, and by part (`parts`): the name table, the workspace/symbol search structure,
   * the definition records, the (name, file) pairs with the per-name columns, and the paths with the
   * per-file columns.
   */
  symbols?: {
    files: number; symbols: number; names: number; bytes: number;
    parts?: { names: number; search: number; records: number; pairs: number; files: number };
  };
  /** Where indexing's time went (since the process started). */
  indexing?: IndexingStats;
}

/**
 * `stages`: the parser workers' jobs summed by language: files, source bytes, and milliseconds per
 * stage (read, check, setup, parse, query, pack, diagnostics, release, wire: syntax/stageClock.ts).
 * `run`: `strata index` only, its whole run.
 */
interface IndexingStats {
  stages: Record<string, { files: number; bytes: number; ms: Record<string, number> }>;
  run?: IndexRunStats;
}

/** One `strata index` run's time, milliseconds. */
export interface IndexRunStats {
  /** CPU time of the process, every thread (`process.cpuUsage`). */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** The main thread's busy time (event-loop utilisation): the workers' results merged, files stored. */
  mainBusyMs: number;
  /**
   * The run's steps, wall: the scan (files read, parsed, stored as they come), the copy of kept files,
   * the commit, the occurrence index's last flush and merge.
   */
  steps: { scanMs: number; copyKeptMs: number; commitMs: number; occurrencesMs: number };
  /**
   * Wall time spent awaiting the snapshot writer (chunking, hashing, compressing, writing texts and
   * records, the commit): `persist.lastSaveMs`, unrounded until here.
   */
  storeMs: number;
  /** Main-thread time handing files' occurrences to the occurrence index during the scan. */
  occurrencesRecordMs: number;
}

/** The occurrence indexes of every workspace root, summed. */
export interface OccurrenceStats {
  /** Files whose occurrences are held. */
  files: number;
  /** Files with a tree whose occurrences are not held yet: searched by parsing until indexed again. */
  missing: number;
  segments: number;
  /** Bytes of the segments on disk. */
  segmentBytes: number;
  /** Bytes (estimated) of occurrences held in memory before they are written to a segment. */
  memtableBytes: number;
  memtableFiles: number;
  /** Bytes (estimated) of dictionary blocks cached in memory. */
  blockCacheBytes: number;
  flushes: number;
  merges: number;
  /** Segments (or manifests) found damaged and dropped; their files were indexed again. */
  damaged: number;
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
  /**
   * The last save: the bytes it wrote (its file — a delta or a whole base — and the manifest), the
   * files the snapshot holds after it, and its milliseconds.
   */
  lastSaveBytes: number;
  lastSaveFiles: number;
  lastSaveMs: number;
  /** Other workspaces' caches deleted by the disk budget. */
  evictedCaches: number;
  /**
   * The most saves of one snapshot file that ran at the same time: saves wait for each other, so at
   * most 1. Only the server reports it (`strata index` writes one snapshot, once).
   */
  mostSavesAtOnce?: number;
  /** Saves that wrote a delta (the changed files and removals) rather than a whole base. */
  deltaSaves?: number;
  /** Merges of the newest deltas into one, made by saves after their delta (counted in their bytes). */
  deltaMerges?: number;
  /** Saves that folded the deltas into a new base because they had grown past their bound. */
  compactions?: number;
  /** Records and removals of changed files the last save wrote (a merge's copies aside). */
  lastSaveRecords?: number;
  /** Delta files in the snapshots now. */
  deltas?: number;
  /** Bytes of the snapshots' files now (manifests, bases and deltas). */
  storeBytes?: number;
  /**
   * Cache entries whose text the snapshot store holds (loaded, or saved since): they leave memory
   * instead of going cold (tiers.disk). Only the server reports it.
   */
  backedFiles?: number;
  /** Cold entries whose texts left memory because the store holds them (after saves; counted since start). */
  adoptedFiles?: number;
}

export type LanguageName =
  | 'javascript' | 'typescript' | 'tsx' | 'python' | 'go' | 'rust'
  | 'c' | 'cpp' | 'java' | 'json' | 'bash';

/** The LSP languageIds that VS Code and neovim send for each language, in registry order. */
export const LANGUAGE_IDS: Readonly<Record<LanguageName, readonly string[]>> = {
  javascript: ['javascript', 'javascriptreact'],
  typescript: ['typescript'],
  tsx: ['typescriptreact'],
  python: ['python'],
  go: ['go'],
  rust: ['rust'],
  c: ['c'],
  cpp: ['cpp', 'cuda-cpp'],
  java: ['java'],
  json: ['json', 'jsonc'],
  bash: ['shellscript', 'sh', 'bash', 'zsh'],
};

/**
 * The environment every shipped launcher gives the server: `bin/strata.js`'s `#!` line (which must
 * say the same; tested), the VS Code extension and the benchmark. glibc's malloc keeps memory that
 * parser threads freed unless allocations of 8 KiB and more are mmapped and trimmed above 64 KiB;
 * JavaScript cannot call mallopt, and glibc reads these only at start. Other C libraries ignore them.
 * (Figures: docs/decisions.md.)
 */
export const SERVER_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=8192:glibc.malloc.trim_threshold=65536',
};
