/**
 * Cold-tier codec: Zstandard frames over packs of chunks, by @foxglove/wasm-zstd (a wasm build of the
 * reference zstd, so it also runs inside VS Code's own Node). No dictionaries. Chosen over the other
 * wasm and JS decoders on cold-read speed (docs/decisions.md).
 * Nothing here is trusted: a malformed frame gives `undefined`, and the chunk store checks every
 * member's length and CRC.
 * Wasm memory: each call mallocs its input and output and frees them before returning, so the wasm
 * heap stays at the size of the largest pack, never the workspace.
 * Concurrency: initialisation is asynchronous (`initZstd()`, once per process; every SourceCache
 * awaits it in its factory); after that every call is synchronous.
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

/** Throws unless `initZstd()` has completed: for synchronous callers that must not mistake it for damage. */
export function requireZstd(): void {
  if (!initialised) throw new Error('zstd is not initialised: await createSourceCache() or initZstd() first');
}

/** A Zstandard frame of `raw` (a fresh buffer the caller owns). */
export function zstdCompress(raw: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
  requireZstd();
  return zstd.compress(raw, level);
}

/** Decompresses a pack frame of exactly rawLength bytes; undefined if it is malformed or another size. */
export function zstdDecompress(frame: Uint8Array, rawLength: number): Uint8Array | undefined {
  requireZstd();
  try {
    const out = zstd.decompress(frame, rawLength);
    return out.length === rawLength ? out : undefined;
  } catch {
    return undefined;
  }
}
