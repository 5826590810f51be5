/**
 * Strata's source cache: content-defined chunks, deduplicated in one reference-counted store,
 * warm as LZ4 blocks in slabs and cold as Zstandard packs, with per-file entries and edit
 * journals; every read verified end to end. Pure: imports nothing from LSP or tree-sitter.
 * Concurrency: synchronous once created; a SourceCache belongs to one thread.
 */
export { SourceCache, createSourceCache } from './source-cache.js';
export type { JournalEdit } from './entry/journal.js';
export type { Fallback } from './entry/fallback.js';
export { IntegrityError } from './common/errors.js';
export { StreamingChunker, DEFAULT_CHUNKING, MAX_CHUNK_SIZE } from './chunking/index.js';
export type { ChunkingOptions } from './chunking/index.js';
export { fmix32, hash64 } from './common/hash64.js';
export type { Hash64 } from './common/hash64.js';
export { crc32 } from './common/crc32.js';
export { initZstd, requireZstd, zstdCompress, zstdDecompress, DEFAULT_ZSTD_LEVEL } from './codecs/index.js';
export { debugStorage } from './debug.js';
export type { StorageRegion } from './debug.js';
