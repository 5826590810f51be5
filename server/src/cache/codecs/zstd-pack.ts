/**
 * Cold-tier codec: Zstandard frames over packs of chunks. Compressed by @foxglove/wasm-zstd (a wasm
 * build of the reference zstd, so it runs in VS Code's own Node too), decompressed by fzstd (pure JS,
 * the project's chosen decoder). No dictionaries: fzstd silently mis-decodes raw-content ones.
 *
 * Compressor chosen by a side-by-side measurement on the typescript 5.6.2 corpus in 128 KiB packs
 * (same process, medians of 5): level 3 at 112 MB/s (@bokuweb/zstd-wasm 55 MB/s) for the same ratio
 * (4.733 vs 4.739). Decompression: fzstd measured 198–203 MB/s on warmed-up 128 KiB packs of
 * typescript/lib (the wasm decoder 283–661 MB/s), above the 120 MB/s the cold read needs; fzstd
 * throws on a malformed frame (turned into `undefined` here), and the chunk store then checks every
 * member's length and CRC, so nothing here is trusted anyway.
 * Wasm memory: each compress call mallocs its input and output and frees them before returning, so
 * the wasm heap stays at the size of the largest pack (≤ 256 KiB plus its bound).
 *
 * The wasm module's initialisation is asynchronous; `initZstd()` waits for it once per process and
 * every SourceCache waits for it in its async factory, so the synchronous cache API never meets an
 * uninitialised codec.
 */
import zstd from '@foxglove/wasm-zstd';
import { decompress as fzstdDecompress } from 'fzstd';

let ready: Promise<void> | undefined;
let initialised = false;

export function initZstd(): Promise<void> {
  ready ??= zstd.isLoaded.then(() => {
    initialised = true;
  });
  return ready;
}

export const DEFAULT_ZSTD_LEVEL = 3;

function check(): void {
  if (!initialised) throw new Error('zstd is not initialised: await createSourceCache() or initZstd() first');
}

/** A Zstandard frame of `raw` (a fresh buffer the caller owns). */
export function zstdCompress(raw: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
  check();
  return zstd.compress(raw, level);
}

/** Decompresses a pack frame of exactly rawLength bytes; undefined if it is malformed or another size. */
export function zstdDecompress(frame: Uint8Array, rawLength: number): Uint8Array | undefined {
  try {
    const out = fzstdDecompress(frame, new Uint8Array(rawLength));
    return out.length === rawLength ? out : undefined;
  } catch {
    return undefined;
  }
}
