/**
 * The cache's fallback for a file that is a clean copy of what is on disk: re-read the file, but only
 * while its size and mtime are the ones recorded when it was indexed. The cache then checks the bytes
 * against the entry's length and CRC before serving them, so a file changed behind Strata's back
 * (same size, same mtime, other bytes) is still never served as the entry's text.
 * Synchronous (stat + read), because the cache calls fallbacks inside a synchronous read.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Fallback } from '../cache/index.js';

export function diskFallback(path: string, size: number, mtimeMs: number): Fallback {
  return () => readIfUnchanged(path, size, mtimeMs);
}

/** The file's bytes while its size and mtime are these; undefined otherwise (a fallback's candidate, unverified). */
export function readIfUnchanged(path: string, size: number, mtimeMs: number): Uint8Array | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile() || st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
  return readFileSync(path);
}
