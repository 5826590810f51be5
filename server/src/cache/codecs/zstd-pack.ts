/**
 * Cold-tier codec: Zstandard frames over packs of chunks. Compression by a wasm build of the
 * reference zstd (@bokuweb/zstd-wasm, chosen by measurement, see the benchmark), decompression by
 * fzstd (pure JS, synchronous, no wasm memory growth). No dictionaries: fzstd mis-decodes
 * raw-content dictionaries.
 *
 * The wasm module's initialisation is asynchronous; `initZstd()` runs it once per process and every
 * SourceCache waits for it in its async factory, so the synchronous cache API never meets an
 * uninitialised compressor.
 */
import zstdWasm from '@bokuweb/zstd-wasm';
import { decompress as fzstdDecompress } from 'fzstd';

let ready: Promise<void> | undefined;
let initialised = false;

export function initZstd(): Promise<void> {
  ready ??= zstdWasm.init().then(() => {
    initialised = true;
  });
  return ready;
}

export const DEFAULT_ZSTD_LEVEL = 3;

export function zstdCompress(raw: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
  if (!initialised) throw new Error('zstd is not initialised: await createSourceCache() or initZstd() first');
  // The wasm binding returns a view of its own memory in some versions; copy to own the bytes.
  return new Uint8Array(zstdWasm.compress(raw, level));
}

/** Decompresses a pack frame into a buffer of exactly rawLength bytes; undefined if it does not fit. */
export function zstdDecompress(frame: Uint8Array, rawLength: number): Uint8Array | undefined {
  try {
    const out = new Uint8Array(rawLength);
    const got = fzstdDecompress(frame, out);
    if (got.length !== rawLength) return undefined;
    if (got.buffer !== out.buffer) out.set(got);
    return out;
  } catch {
    return undefined;
  }
}
