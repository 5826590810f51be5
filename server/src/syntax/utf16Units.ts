/**
 * Text held as UTF-16 code units in a Uint16Array rather than as strings: the form names travel in
 * from a parser worker (packedOutline.ts) and the form the index's name table keeps them in
 * (index/nameTable.ts), so a name can go from one to the other without becoming a string between.
 *
 * Guarantee: `stringOfUnits` of what `writeUnits` wrote is the same string, unit for unit — lone
 * surrogates included (no decoder runs, so nothing is replaced by U+FFFD).
 * Pure functions.
 */

/** Longest run handed to `String.fromCharCode` at once: its arguments go on the stack. */
const CHUNK = 4096;

/** The string of `units[start, end)`. */
export function stringOfUnits(units: Uint8Array | Uint16Array, start: number, end: number): string {
  if (end - start <= CHUNK) return String.fromCharCode.apply(null, units.subarray(start, end) as unknown as number[]);
  let out = '';
  for (let i = start; i < end; i += CHUNK)
    out += String.fromCharCode.apply(null, units.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  return out;
}

/** Writes the code units of `s` into `into` from `at` (the caller makes room); returns the end. */
export function writeUnits(s: string, into: Uint16Array, at: number): number {
  for (let i = 0; i < s.length; i++) into[at + i] = s.charCodeAt(i);
  return at + s.length;
}
