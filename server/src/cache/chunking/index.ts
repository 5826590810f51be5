/** Chunking: content-defined boundaries (FastCDC) over a byte stream. */
export { StreamingChunker, DEFAULT_CHUNKING, MAX_CHUNK_SIZE, validateChunking } from './fastcdc.js';
export type { ChunkingOptions } from './fastcdc.js';
