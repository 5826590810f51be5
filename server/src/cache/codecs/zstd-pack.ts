/**
 * Cold-tier codec: Zstandard frames over packs of chunks, compressed and decompressed by
 * @foxglove/wasm-zstd (a wasm build of the reference zstd). No dictionaries.
 *
 * Chosen by a side-by-side measurement on the typescript 5.6.2 corpus in 128 KiB packs (medians of
 * 5, same process, machine under load): compress at level 3 112 MB/s (@bokuweb/zstd-wasm 55 MB/s)
 * at the same ratio (4.733 vs 4.739); decompress 406 MB/s (fzstd 23 MB/s, @bokuweb 356 MB/s).
 * fzstd was the cold read's bottleneck. Decompression goes through the reference decoder, which
 * rejects malformed frames with an error (turned into `undefined` here); the chunk store then
 * checks every member's length and CRC, so nothing here is trusted anyway.
 * Wasm memory: each call mallocs its input and output and frees them before returning, so the wasm
 * heap stays at the size of the largest pack (≤ 256 KiB plus its bound), never the workspace.
 *
 * The wasm module's initialisation is asynchronous; `initZstd()` waits for it once per process and
 * every SourceCache waits for it in its async factory, so the synchronous cache API never meets an
 * uninitialised codec.
 */
import zstd from '@foxglove/wasm-zstd';

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
  check();
  try {
    const out = zstd.decompress(frame, rawLength);
    return out.length === rawLength ? out : undefined;
  } catch {
    return undefined;
  }
}
