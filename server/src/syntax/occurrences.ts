/**
 * A file's name occurrences, packed: what a parser worker emits for the occurrence index
 * (index/occurrences/) in place of a per-name object.
 *
 * `names` are the file's distinct names, sorted by `compareNames`; `data` holds, name after name, its
 * occurrences in document order, and `ends[i]` is where names[i]'s run ends. An occurrence is a varint
 * `lineDelta << 3 | irregular << 2 | kind`, then a varint column (relative to the previous occurrence's
 * when on the same line, else absolute); when `irregular`, two more varints give the end line (relative)
 * and end column. Regular means the span is the name itself on one line, which all but a few are, so
 * an occurrence usually costs two bytes.
 * Guarantees: `decodeOccurrences` returns exactly the spans and kinds packed, in document order; a
 * run that is not a valid encoding throws OccurrenceDecodeError (callers treat it as damage).
 * Plain data: built in a worker, transferred, read on the main thread.
 */
import type { ReferenceKind, Span } from './types.js';

/** The occurrence kinds: what the tags query saw. Definitions are names of the file's definitions. */
export type OccurrenceKind = ReferenceKind | 'definition';

/** Codes by kind; the order is part of the encoding (segments on disk store them). */
const KINDS: readonly OccurrenceKind[] = ['identifier', 'call', 'type', 'definition'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));

export interface Occurrence {
  name: string;
  span: Span;
  /** Absent: an identifier (as a SyntaxReference without a kind), so references pack as they are. */
  kind?: OccurrenceKind;
}

export interface PackedOccurrences {
  names: string[];
  ends: Uint32Array;
  data: Uint8Array;
}

export class OccurrenceDecodeError extends Error {
  override name = 'OccurrenceDecodeError';
}

/** The one order of names everywhere occurrences are kept (packed runs, segments, merges). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Occurrences as rows of typed columns (name id, span, kind), names interned once per file: what a
 * parser worker collects while a query runs, so a file of a million references holds no object per
 * reference (each would live, and be promoted by the collector, until the pass ends).
 */
export class OccurrenceRows {
  /** Distinct names, by id in order of first use. */
  readonly names: string[] = [];
  readonly #ids = new Map<string, number>();
  count = 0;
  nameIds = new Int32Array(256);
  /** Four integers per row: line, column, end line, end column. */
  spans = new Uint32Array(1024);
  /** KINDS code per row, or DROPPED. */
  kinds = new Uint8Array(256);

  /** Adds a row; returns its number. */
  add(name: string, span: Span, kind: OccurrenceKind | undefined): number {
    if (this.count === this.kinds.length) this.#grow();
    const row = this.count++;
    this.set(row, name, span, kind);
    return row;
  }

  /** Rewrites row `row` (a name node matched again by a pattern that wins). */
  set(row: number, name: string, span: Span, kind: OccurrenceKind | undefined): void {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.#ids.set(name, id);
    }
    this.nameIds[row] = id;
    this.spans.set(span, row * 4);
    this.kinds[row] = kind === undefined ? 0 : KIND_CODE.get(kind)!;
  }

  /** Leaves row `row` out of what is packed and read. */
  drop(row: number): void {
    this.kinds[row] = DROPPED;
  }

  dropped(row: number): boolean {
    return this.kinds[row] === DROPPED;
  }

  kind(row: number): OccurrenceKind {
    return KINDS[this.kinds[row]!]!;
  }

  span(row: number): Span {
    const at = row * 4;
    const s = this.spans;
    return [s[at]!, s[at + 1]!, s[at + 2]!, s[at + 3]!];
  }

  #grow(): void {
    const cap = this.kinds.length * 2;
    const ids = new Int32Array(cap); ids.set(this.nameIds); this.nameIds = ids;
    const spans = new Uint32Array(cap * 4); spans.set(this.spans); this.spans = spans;
    const kinds = new Uint8Array(cap); kinds.set(this.kinds); this.kinds = kinds;
  }
}

/** A row's kind code once dropped. */
const DROPPED = 0xff;

/** Packs `occurrences` (any order; one per name node). */
export function packOccurrences(occurrences: readonly Occurrence[]): PackedOccurrences {
  const rows = new OccurrenceRows();
  for (const o of occurrences) rows.add(o.name, o.span, o.kind);
  return packOccurrenceRows(rows);
}

/** Packs the rows not dropped: names sorted by `compareNames`, each name's run in document order. */
export function packOccurrenceRows(rows: OccurrenceRows): PackedOccurrences {
  const rank = new Int32Array(rows.names.length);
  const byName = [...rows.names.keys()].sort((a, b) => compareNames(rows.names[a]!, rows.names[b]!));
  byName.forEach((id, r) => { rank[id] = r; });
  let live = 0;
  const order = new Int32Array(rows.count);
  for (let row = 0; row < rows.count; row++) if (!rows.dropped(row)) order[live++] = row;
  const { nameIds, spans } = rows;
  const sorted = order.subarray(0, live).sort((a, b) => rank[nameIds[a]!]! - rank[nameIds[b]!]!
    || spans[a * 4]! - spans[b * 4]! || spans[a * 4 + 1]! - spans[b * 4 + 1]! || a - b);
  const names: string[] = [];
  const ends: number[] = [];
  const out = new VarintSink(live * 2 + 16);
  let line = 0;
  let column = 0;
  for (let i = 0; i < live; i++) {
    const row = sorted[i]!;
    const name = rows.names[nameIds[row]!]!;
    if (i === 0 || nameIds[sorted[i - 1]!] !== nameIds[row]) {
      if (i > 0) ends.push(out.length);
      names.push(name);
      line = 0;
      column = 0;
    }
    const at = row * 4;
    const l = spans[at]!, c = spans[at + 1]!, el = spans[at + 2]!, ec = spans[at + 3]!;
    const lineDelta = l - line;
    const irregular = el !== l || ec !== c + name.length ? 1 : 0;
    out.uvar(lineDelta * 8 + irregular * 4 + rows.kinds[row]!);
    out.uvar(lineDelta === 0 ? c - column : c);
    if (irregular) {
      out.uvar(el - l);
      out.uvar(ec);
    }
    line = l;
    column = c;
  }
  if (live > 0) ends.push(out.length);
  return { names, ends: Uint32Array.from(ends), data: out.finish() };
}

/** The occurrences of `name` encoded in `data[start, end)`, in document order (see header). */
export function decodeOccurrences(name: string, data: Uint8Array, start: number, end: number,
  into: { span: Span; kind: OccurrenceKind }[] = []): { span: Span; kind: OccurrenceKind }[] {
  const src = new VarintSource(data, start, end);
  let line = 0;
  let column = 0;
  while (src.at < end) {
    const head = src.uvar();
    const lineDelta = Math.floor(head / 8);
    const kind = KINDS[head & 3]!;
    const c = lineDelta === 0 ? column + src.uvar() : src.uvar();
    const l = line + lineDelta;
    let el = l;
    let ec = c + name.length;
    if (head & 4) {
      el = l + src.uvar();
      ec = src.uvar();
    }
    into.push({ span: [l, c, el, ec], kind });
    line = l;
    column = c;
  }
  return into;
}

/** Index of `name` in sorted `names`, or -1. */
export function findName(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = compareNames(names[mid]!, name);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Unsigned LEB128 up to 2⁵³, growable; arithmetic rather than shifts so large values survive. */
export class VarintSink {
  #buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, capacity));
  }

  uvar(v: number): void {
    if (this.length + 8 > this.#buf.length) this.#grow(8);
    while (v >= 0x80) {
      this.#buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.length++] = v;
  }

  bytes(b: Uint8Array): void {
    if (this.length + b.length > this.#buf.length) this.#grow(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
  }

  /** The bytes written so far, without a copy: valid until the next write or `clear`. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  /** Starts over, keeping the buffer (a sink reused as scratch). */
  clear(): void {
    this.length = 0;
  }

  /** The bytes written, in a buffer of their own size (it is kept or transferred, so no slack). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }

  #grow(n: number): void {
    let cap = this.#buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
  }
}

/** Reads what VarintSink wrote; throws OccurrenceDecodeError past `end` or on an over-long varint. */
export class VarintSource {
  at: number;

  constructor(readonly data: Uint8Array, start: number, readonly end: number) {
    this.at = start;
  }

  uvar(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.end) throw new OccurrenceDecodeError('varint runs past its end');
      const b = this.data[this.at++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new OccurrenceDecodeError('varint too long');
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.at) throw new OccurrenceDecodeError('run past its end');
    const b = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
}
