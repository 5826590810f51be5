/**
 * Cold-tier codec: Zstandard frames over packs of chunks, compressed and decompressed by
 * @foxglove/wasm-zstd (a wasm build of the reference zstd, so it also runs inside VS Code's own
 * Node). No dictionaries.
 *
 * Chosen by measurement, side by side in one process on the typescript 5.6.2 corpus in 128 KiB
 * packs: compression at level 3 112 MB/s (@bokuweb/zstd-wasm 55 MB/s) for the same ratio (4.733 vs
 * 4.739). Decompression: the design named fzstd, but in the cache's cold read path (bench section
 * `cache`, same run, 2 cores) fzstd gave 34.8 MB/s when handed the output buffer and 92.8 MB/s
 * without, against 223 MB/s for this decoder; the target is ≥ 120 MB/s. Malformed frames make the
 * decoder throw (turned into `undefined` here), and the chunk store then checks every member's length
 * and CRC, so nothing here is trusted anyway.
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
