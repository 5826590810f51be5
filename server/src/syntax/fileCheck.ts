/**
 * Decides whether a file's bytes get a tree: too big, binary, or not UTF-8 → no tree and a reason.
 *
 * Why: a parse's wasm heap grows with the file and never shrinks, so a size cap (generated bundles
 * and data files are rarely worth a tree) keeps one odd file from bloating a worker; binary or
 * invalid UTF-8 text would give offsets that do not match the bytes the cache holds. Binary = a NUL
 * byte in the first 8 KiB (what git and grep use). A UTF-8 byte order mark is dropped by the decoder.
 * Pure functions.
 */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

export type SkipReason = 'too-large' | 'binary' | 'invalid-utf8';

export type FileCheck = { ok: true; text: string } | { ok: false; reason: SkipReason };

const strict = new TextDecoder('utf-8', { fatal: true });

export function checkFileBytes(bytes: Uint8Array, maxBytes = DEFAULT_MAX_FILE_BYTES): FileCheck {
  if (bytes.length > maxBytes) return { ok: false, reason: 'too-large' };
  if (bytes.subarray(0, 8192).includes(0)) return { ok: false, reason: 'binary' };
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    return { ok: false, reason: 'invalid-utf8' };
  }
}
