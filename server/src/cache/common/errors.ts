/**
 * Typed errors of the cache. An `IntegrityError` is the only way the cache reports that stored
 * bytes failed verification and no verified fallback could replace them: callers can rely on it
 * meaning "these bytes are gone", never "here are some bytes that might be wrong".
 * Plain error classes; no state.
 */

export type IntegrityFailure =
  | 'chunk-crc'         // a chunk's bytes (or its compressed form, or its CRC/length columns) disagree
  | 'text-crc'          // the rebuilt text's whole CRC or length disagrees with the entry
  | 'journal-record'    // an edit record's own CRC, bounds or resulting length disagree
  | 'pack'              // a cold pack failed to decompress to its recorded size
  | 'structure';        // an entry refers to a chunk slot that does not exist

export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
  constructor(
    readonly key: string,
    readonly failure: IntegrityFailure,
    /** Why no verified bytes could be served: no fallback, or the fallback's bytes did not verify. */
    readonly fallback: 'none' | 'unverified' | 'unverifiable',
    detail: string,
  ) {
    super(`cache integrity failure for ${JSON.stringify(key)}: ${failure} (${detail}); fallback ${fallback}`);
  }
}

/** Raised when an operation names a key that has no entry. */
export class MissingEntryError extends Error {
  override readonly name = 'MissingEntryError';
  constructor(readonly key: string) {
    super(`no cache entry for ${JSON.stringify(key)}`);
  }
}

/**
 * Internal: a verification failure found deep in the read path, turned into fallback or IntegrityError
 * by the facade.
 */
export class CorruptionDetected extends Error {
  constructor(readonly failure: IntegrityFailure, detail: string) {
    super(detail);
  }
}
