/** Codecs: LZ4 blocks for the warm tier, Zstandard packs for the cold tier. */
export { lz4Encode, lz4Decode } from './lz4-block.js';
export { lz4DecodeBlock, viewOf } from './lz4-decode.js';
export { initZstd, requireZstd, zstdCompress, zstdDecompress, DEFAULT_ZSTD_LEVEL } from './zstd-pack.js';
