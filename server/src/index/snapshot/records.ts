/**
 * The snapshot's per-file record: everything the workspace needs about one file, and its byte form
 * inside a FILES block.
 * Record: u32 body length | body | u32 CRC-32 of body. Body: key, size (f64), mtimeMs (f64), language,
 * text length (varint), text CRC-32, flags (hasErrors, noTreeReason), [noTreeReason],
 * chunk refs (count, then zigzag deltas of ordinals, so consecutive new chunks cost one byte each),
 * symbols. Symbols go in pre-order without recursion (name, kind, spans as
 * 8 varints, flags, [detail], [child count]); decoding uses an explicit stack, so nesting depth costs
 * no call stack. The record CRC re-checks each record after its block's checks.
 * Guarantees: `decodeRecord` returns exactly what `encodeRecord` was given (absent fields stay absent,
 * an empty `children` stays empty) or throws RecordDecodeError: it checks the CRC, every range and
 * that the body is consumed exactly. Pure functions.
 */
import type { LanguageName } from '../../syntax/languages.js';
import { languageByName } from '../../syntax/languages.js';
import { NO_CHILDREN, PackedOutline } from '../../syntax/packedOutline.js';
import type { Span, SymbolKind, SyntaxSymbol } from '../../syntax/types.js';
import { crc32 } from '../../cache/index.js';
import { ByteSink, ByteSource, RecordDecodeError } from './bytes.js';

export interface SnapshotFile {
  key: string;
  size: number;
  mtimeMs: number;
  language: LanguageName;
  length: number;
  crc: number;
  hasErrors: boolean;
  noTreeReason?: string;
  /** As SymbolIndex.symbolsOf gives them (a `detail` is kept when present). */
  symbols: SyntaxSymbol[];
}

/**
 * A record to write: its symbols as objects or packed, as a parser worker sent them
 * (packedOutline.ts; both give the same bytes). A decoded record has objects.
 */
export type SnapshotFileInput = Omit<SnapshotFile, 'symbols'> & { symbols: readonly SyntaxSymbol[] | PackedOutline };

/** A decoded record: the file and the ordinals of its text's chunks, in order. */
export interface DecodedRecord {
  file: SnapshotFile;
  refs: Uint32Array;
}

const F_ERRORS = 1;
const F_NO_TREE = 2;
const S_DETAIL = 1;
const S_CHILDREN = 2;
const U32_LIMIT = 2 ** 32;

/** Throws RangeError when a field of `f` cannot be stored as it is. */
export function checkFile(f: SnapshotFileInput): void {
  if (typeof f.key !== 'string' || f.key === '') throw new RangeError('snapshot record: empty key');
  if (!Number.isSafeInteger(f.size) || f.size < 0) throw new RangeError(`snapshot record ${f.key}: size ${f.size}`);
  if (!Number.isFinite(f.mtimeMs)) throw new RangeError(`snapshot record ${f.key}: mtimeMs ${f.mtimeMs}`);
  if (!languageByName(f.language)) throw new RangeError(`snapshot record ${f.key}: unknown language ${f.language}`);
  if (!Number.isSafeInteger(f.length) || f.length < 0)
    throw new RangeError(`snapshot record ${f.key}: length ${f.length}`);
  if (!Number.isInteger(f.crc) || f.crc < 0 || f.crc >= U32_LIMIT)
    throw new RangeError(`snapshot record ${f.key}: crc ${f.crc}`);
}

/** Appends the record of `file` whose text is made of the chunks `refs` (ordinals) to `out`. */
export function encodeRecord(
  out: ByteSink, file: SnapshotFileInput, refs: ArrayLike<number>, refCount = refs.length,
): void {
  checkFile(file);
  const lengthAt = out.length;
  out.u32(0);
  const bodyAt = out.length;
  out.str(file.key);
  out.f64(file.size);
  out.f64(file.mtimeMs);
  out.str(file.language);
  out.uvar(file.length);
  out.u32(file.crc);
  out.u8((file.hasErrors ? F_ERRORS : 0) | (file.noTreeReason !== undefined ? F_NO_TREE : 0));
  if (file.noTreeReason !== undefined) out.str(file.noTreeReason);
  out.uvar(refCount);
  let previous = 0;
  for (let i = 0; i < refCount; i++) {
    const r = refs[i]!;
    out.svar(r - previous);
    previous = r;
  }
  encodeSymbols(out, file.key, file.symbols);
  const bodyLength = out.length - bodyAt;
  out.patchU32(lengthAt, bodyLength);
  out.u32(crc32(out.written(bodyAt)));
}

/**
 * Symbols in pre-order, read from the packed columns (an outline given as objects is packed first,
 * which checks every span and kind).
 */
function encodeSymbols(out: ByteSink, key: string, symbols: readonly SyntaxSymbol[] | PackedOutline): void {
  let outline: PackedOutline;
  try {
    outline = symbols instanceof PackedOutline ? symbols : PackedOutline.of(symbols);
  } catch (e) {
    throw new RangeError(`snapshot record ${key}: ${(e as Error).message}`, { cause: e });
  }
  out.uvar(outline.roots);
  const spans = new Array<number>(8);
  let d = 0;
  for (let i = 0; i < outline.count; i++) {
    const detail = d < outline.details.length && outline.details[d] === i
      ? outline.details[d + 1] as string
      : undefined;
    if (detail !== undefined) d += 2;
    const children = outline.children(i);
    outline.copySpans(i, spans, 0);
    out.strUnits(outline.nameUnits, outline.nameStart(i), outline.nameEnd(i));
    out.uvar(outline.kind(i));
    for (const v of spans) out.uvar(v);
    out.u8((detail !== undefined ? S_DETAIL : 0) | (children !== NO_CHILDREN ? S_CHILDREN : 0));
    if (detail !== undefined) out.str(detail);
    if (children !== NO_CHILDREN) out.uvar(children);
  }
}

function readSpan(src: ByteSource): Span {
  const s = [src.uvar(), src.uvar(), src.uvar(), src.uvar()] as const;
  for (const v of s) if (v >= U32_LIMIT) throw new RecordDecodeError('span value out of range');
  return s;
}

/** Decodes the record at `src.at`; `chunkCount` bounds its chunk refs. Advances `src` past it. */
export function decodeRecord(src: ByteSource, chunkCount: number): DecodedRecord {
  const bodyLength = src.u32();
  const bodyAt = src.at;
  const b = src.sub(bodyLength);
  const stored = src.u32();
  if (crc32(src.bytes.subarray(bodyAt, bodyAt + bodyLength)) !== stored)
    throw new RecordDecodeError(`record CRC mismatch at byte ${bodyAt}`);

  const key = b.str();
  if (key === '') throw new RecordDecodeError('record with an empty key');
  const size = b.f64();
  const mtimeMs = b.f64();
  const language = b.str();
  if (!languageByName(language)) throw new RecordDecodeError(`record ${key}: unknown language ${language}`);
  const length = b.uvar();
  const crc = b.u32();
  const flags = b.u8();
  if (flags & ~(F_ERRORS | F_NO_TREE))
    throw new RecordDecodeError(`record ${key}: unknown flags ${flags}`);
  const file: SnapshotFile = {
    key, size, mtimeMs, language: language as LanguageName, length, crc,
    hasErrors: (flags & F_ERRORS) !== 0, symbols: [],
  };
  if (!Number.isSafeInteger(size) || size < 0) throw new RecordDecodeError(`record ${key}: size ${size}`);
  if (flags & F_NO_TREE) file.noTreeReason = b.str();
  const refCount = b.uvar();
  if (refCount > b.remaining)
    throw new RecordDecodeError(`record ${key}: ${refCount} chunk refs in ${b.remaining} bytes`);
  if (refCount > length) throw new RecordDecodeError(`record ${key}: ${refCount} chunks for ${length} bytes`);
  if (length > 0 && refCount === 0) throw new RecordDecodeError(`record ${key}: ${length} bytes without chunks`);
  const refs = new Uint32Array(refCount);
  let previous = 0;
  for (let i = 0; i < refCount; i++) {
    const r = previous + b.svar();
    if (r < 0 || r >= chunkCount)
      throw new RecordDecodeError(`record ${key}: chunk ref ${r} outside [0, ${chunkCount})`);
    refs[i] = r;
    previous = r;
  }
  const rootCount = b.uvar();
  const stack: { list: SyntaxSymbol[]; left: number }[] = [{ list: file.symbols, left: rootCount }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.left === 0) {
      stack.pop();
      continue;
    }
    top.left--;
    // Each symbol takes at least 11 bytes: a count larger than what is left is damage, not a loop.
    if (b.remaining < 11) throw new RecordDecodeError(`record ${key}: symbols run past the record`);
    const name = b.str();
    const kind = b.uvar();
    if (kind > 255) throw new RecordDecodeError(`record ${key}: symbol kind ${kind}`);
    const span = readSpan(b);
    const nameSpan = readSpan(b);
    const sflags = b.u8();
    if (sflags & ~(S_DETAIL | S_CHILDREN)) throw new RecordDecodeError(`record ${key}: unknown symbol flags ${sflags}`);
    const sym: SyntaxSymbol = { name, kind: kind as SymbolKind, span, nameSpan };
    if (sflags & S_DETAIL) sym.detail = b.str();
    top.list.push(sym);
    if (sflags & S_CHILDREN) {
      sym.children = [];
      stack.push({ list: sym.children, left: b.uvar() });
    }
  }
  if (b.remaining !== 0) throw new RecordDecodeError(`record ${key}: ${b.remaining} bytes after its fields`);
  return { file, refs };
}
