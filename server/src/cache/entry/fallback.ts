/**
 * A fallback supplies candidate bytes for an entry when its stored bytes fail verification (or were
 * evicted): e.g. re-read the file from disk when size and mtime are unchanged, or the kept copy of
 * an unsaved buffer. Its bytes are never trusted: they are served only if their length and CRC-32
 * equal the entry's recorded current length and CRC.
 * Concurrency: a fallback runs synchronously inside a cache read; a throw means "no candidate".
 */
export type Fallback = () => Uint8Array | undefined;

/** Calls a fallback, treating a throw as "no candidate". */
export function candidateFrom(fallback: Fallback | undefined): Uint8Array | undefined {
  if (!fallback) return undefined;
  try {
    return fallback();
  } catch {
    return undefined;
  }
}
