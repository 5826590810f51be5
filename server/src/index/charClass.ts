/**
 * Character classes for names: case folding, word starts and the character-set mask.
 *
 * Folding is one lookup in a table over all UTF-16 code units, built once per thread, because a
 * lower-cased copy of every name would cost memory per name. A unit whose lower case is not a single
 * unit (e.g. 'İ') folds to itself. The mask is a 32-bit summary of which characters a name contains
 * (letters case-folded, digits, '_', '$', other ASCII, non-ASCII): a query can only match a name whose
 * mask contains the query's, which rejects most names with one AND before any scoring.
 * Pure functions over a per-thread table.
 */

/** Code units of names as the name table keeps them: 8-bit while they fit (nameTable.ts), else 16-bit. */
export type CodeUnits = Uint8Array | Uint16Array;

const FOLD = new Uint16Array(65536);
for (let c = 0; c < 65536; c++) {
  if (c >= 0xd800 && c <= 0xdfff) { FOLD[c] = c; continue; }
  const lower = String.fromCharCode(c).toLowerCase();
  FOLD[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
}

/** The case-folded form of one UTF-16 code unit. */
export function foldUnit(unit: number): number {
  return FOLD[unit]!;
}

/** The mask bit of one code unit (see header). */
export function maskBit(unit: number): number {
  const f = FOLD[unit]!;
  if (f >= 0x61 && f <= 0x7a) return 1 << (f - 0x61);
  if (f >= 0x30 && f <= 0x39) return 1 << 26;
  if (f === 0x5f) return 1 << 27;
  if (f === 0x24) return 1 << 28;
  if (f < 0x80) return 1 << 29;
  return 1 << 30;
}

export function maskOfUnits(units: ArrayLike<number>, start: number, length: number): number {
  let m = 0;
  for (let i = start; i < start + length; i++) m |= maskBit(units[i]!);
  return m >>> 0;
}

function isUpper(u: number): boolean {
  return FOLD[u] !== u;
}
/** Whether a unit can start a word after position 0 (isWordStart): an ASCII letter or digit, or any non-ASCII unit. */
export function isLetterOrDigit(u: number): boolean {
  return (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) || (u >= 0x61 && u <= 0x7a) || u >= 0x80;
}
function isDigit(u: number): boolean {
  return u >= 0x30 && u <= 0x39;
}

/**
 * Whether position `i` of a name starts a word: the first character; an upper-case letter after a
 * lower-case letter or digit (camelCase hump); the last capital of a run followed by lower case
 * ("HTTPServer" → H, S); the first letter or digit after a separator ('_', '-', '.', '$', ' ', ':');
 * a digit run after a letter.
 */
export function isWordStart(units: CodeUnits, start: number, i: number, length: number): boolean {
  if (i === 0) return true;
  const c = units[start + i]!;
  const p = units[start + i - 1]!;
  if (!isLetterOrDigit(c)) return false;
  if (!isLetterOrDigit(p)) return true;
  if (isDigit(c)) return !isDigit(p);
  if (isUpper(c)) {
    if (!isUpper(p) || isDigit(p)) return true;
    // inside a capital run: a hump only where the run hands over to a lower-case word
    return i + 1 < length && !isUpper(units[start + i + 1]!) && isLetterOrDigit(units[start + i + 1]!)
      && !isDigit(units[start + i + 1]!);
  }
  return isDigit(p);
}

/** Bit i set when position i (i < 32) of the name starts a word (`isWordStart`). */
export function wordStartBitsOf(units: CodeUnits, start: number, length: number): number {
  let bits = 0;
  const n = Math.min(length, 32);
  for (let i = 0; i < n; i++) if (isWordStart(units, start, i, length)) bits |= 1 << i;
  return bits >>> 0;
}

/** The character-set mask (`maskBit`) of the characters at word starts, over the whole name. */
export function wordStartMaskOf(units: CodeUnits, start: number, length: number): number {
  let m = 0;
  for (let i = 0; i < length; i++) if (isWordStart(units, start, i, length)) m |= maskBit(units[start + i]!);
  return m >>> 0;
}

/**
 * A one-byte key of a name's first code unit, folded: the folded unit itself when ASCII, else 128 +
 * its low 7 bits. Equal folded units give equal keys, so a key mismatch proves a name cannot start
 * with a given character; a match must still be confirmed on the text.
 */
export function firstKey(unit: number): number {
  const f = FOLD[unit]!;
  return f < 0x80 ? f : 0x80 | (f & 0x7f);
}

/** Bit of the pair (a, b) of folded code units in a 32-bit pair summary (`wordStartPairsOf`). */
export function pairBit(a: number, b: number): number {
  return 1 << pairIndex(a, b);
}

/** Index (0..31) of `pairBit(a, b)`. */
export function pairIndex(a: number, b: number): number {
  return Math.imul(Math.imul(a, 0x10001) ^ b, 0x9e3779b1) >>> 27;
}

/**
 * A 32-bit summary of the folded pairs (c[p], c[p + 1]) at every word start p: a query whose second
 * character starts no word of a name can only match that name's word starts by continuing the word
 * its first character starts, so the pair must be present.
 */
export function wordStartPairsOf(units: CodeUnits, start: number, length: number): number {
  let m = 0;
  for (let i = 0; i + 1 < length; i++) {
    if (isWordStart(units, start, i, length)) m |= pairBit(FOLD[units[start + i]!]!, FOLD[units[start + i + 1]!]!);
  }
  return m >>> 0;
}

