/**
 * One file's definitions as the symbol index keeps them: a run of varint records, one per symbol, in
 * the outline's depth-first order (parents first), about 10 bytes a symbol where fixed columns took 53.
 *
 * A record: `kind << 2 | regularName << 1 | spanOnNameLine`, the name's id (symbolIndex.ts's name
 * table), the distance back to its parent (0: top level) and then the parent's name id, the name's
 * line and column; when the name is not regular (not `name.length` units on one line) its end line
 * (relative) and column; the span's start line relative to the name's line (only when it differs)
 * and column; the span's end line (relative to its start) and column. A record depends on no other,
 * so a reader may start at any record (`SymbolCursor` from a record's offset: a name's definitions
 * are read without the records before them). Names are ids, so a table that renumbers them
 * re-encodes the runs (`reencodeSymbols`).
 * Guarantees: `SymbolCursor` reads back exactly the spans, kinds, parents and name ids written
 * (property test); spans are integers in [0, 2³²). Plain data; the caller owns the bytes.
 */
import { VarintSink, VarintSource } from '../syntax/occurrences.js';
import type { PackedOutline } from '../syntax/packedOutline.js';
import type { SymbolKind } from '../syntax/types.js';

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** What a record holds, as the writer takes it. */
export interface SymbolFields {
  kind: number;
  nameId: number;
  /** Index of the enclosing symbol in the run, −1 at top level. */
  parent: number;
  /** The enclosing symbol's name id (ignored at top level). */
  parentNameId: number;
  span: ArrayLike<number>;
  nameSpan: ArrayLike<number>;
  /** The name's length in UTF-16 units (a regular name span is that long, on one line). */
  nameLength: number;
}

/** Writes records one after another. */
export class SymbolRunWriter {
  #index = 0;

  constructor(readonly out: VarintSink) {}

  write(f: SymbolFields): void {
    const [sl, sc, el, ec] = [f.span[0]!, f.span[1]!, f.span[2]!, f.span[3]!];
    const [nl, nc, nel, nec] = [f.nameSpan[0]!, f.nameSpan[1]!, f.nameSpan[2]!, f.nameSpan[3]!];
    const regular = nel === nl && nec === nc + f.nameLength ? 1 : 0;
    const onNameLine = sl === nl ? 1 : 0;
    const out = this.out;
    out.uvar(f.kind * 4 + regular * 2 + onNameLine);
    out.uvar(f.nameId);
    if (f.parent < 0) out.uvar(0);
    else {
      out.uvar(this.#index - f.parent);
      out.uvar(f.parentNameId);
    }
    out.uvar(nl);
    out.uvar(nc);
    if (!regular) {
      out.uvar(zigzag(nel - nl));
      out.uvar(nec);
    }
    if (!onNameLine) out.uvar(zigzag(sl - nl));
    out.uvar(sc);
    out.uvar(zigzag(el - sl));
    out.uvar(ec);
    this.#index++;
  }
}

/**
 * Writes `packed`'s symbols, symbol i named `nameIds[i]`; `offsets[i]` receives where its record
 * starts, relative to the sink's length before the call.
 */
export function writeOutline(out: VarintSink, packed: PackedOutline, nameIds: ArrayLike<number>,
  offsets: { [i: number]: number }): void {
  const writer = new SymbolRunWriter(out);
  const parents = packed.parents();
  const span = new Uint32Array(8);
  const base = out.length;
  for (let i = 0; i < packed.count; i++) {
    packed.copySpans(i, span, 0);
    const parent = parents[i]!;
    offsets[i] = out.length - base;
    writer.write({
      kind: packed.kind(i), nameId: nameIds[i]!, parent, parentNameId: parent < 0 ? 0 : nameIds[parent]!,
      span: span.subarray(0, 4), nameSpan: span.subarray(4, 8), nameLength: packed.nameEnd(i) - packed.nameStart(i),
    });
  }
}

/**
 * Reads a run record by record (`next`), exposing the current record's fields. `nameLength(id)` gives
 * a name's length, which regular name spans leave out. Started inside a run, `index` and `parent`
 * count from the starting record.
 */
export class SymbolCursor {
  /** Index of the current record, counted from the first record read. */
  index = -1;
  /** Where the current record starts in the data. */
  at = 0;
  kind: SymbolKind = 0 as SymbolKind;
  nameId = 0;
  parent = -1;
  /** Whether the record has an enclosing symbol (`parent` may lie before a cursor that started inside a run). */
  hasParent = false;
  /** The enclosing symbol's name id; meaningless without `hasParent`. */
  parentNameId = 0;
  /** Reused by the next record: copy to keep. */
  readonly span: [number, number, number, number] = [0, 0, 0, 0];
  readonly nameSpan: [number, number, number, number] = [0, 0, 0, 0];
  readonly #src: VarintSource;
  readonly #nameLength: (id: number) => number;

  constructor(data: Uint8Array, start: number, end: number, nameLength: (id: number) => number) {
    this.#src = new VarintSource(data, start, end);
    this.#nameLength = nameLength;
  }

  /** Moves to the next record; false at the end of the run. */
  next(): boolean {
    const src = this.#src;
    if (src.at >= src.end) return false;
    this.at = src.at;
    const head = src.uvar();
    this.kind = Math.floor(head / 4) as SymbolKind;
    this.nameId = src.uvar();
    const back = src.uvar();
    this.index++;
    this.hasParent = back !== 0;
    if (back === 0) this.parent = -1;
    else {
      this.parent = this.index - back;
      this.parentNameId = src.uvar();
    }
    const nl = src.uvar();
    const nc = src.uvar();
    const ns = this.nameSpan;
    ns[0] = nl;
    ns[1] = nc;
    if (head & 2) {
      ns[2] = nl;
      ns[3] = nc + this.#nameLength(this.nameId);
    } else {
      ns[2] = nl + unzigzag(src.uvar());
      ns[3] = src.uvar();
    }
    const s = this.span;
    s[0] = head & 1 ? nl : nl + unzigzag(src.uvar());
    s[1] = src.uvar();
    s[2] = s[0] + unzigzag(src.uvar());
    s[3] = src.uvar();
    return true;
  }
}

/**
 * Copies a run with every name id mapped through `remap` (after the name table renumbered them);
 * `onRecord(nameId, offset)` is told each record's new name id and where it starts in the copy.
 */
export function reencodeSymbols(out: VarintSink, data: Uint8Array, start: number, end: number,
  nameLength: (oldId: number) => number, remap: ArrayLike<number>,
  onRecord?: (nameId: number, offset: number) => void): void {
  const cursor = new SymbolCursor(data, start, end, nameLength);
  const writer = new SymbolRunWriter(out);
  const base = out.length;
  while (cursor.next()) {
    const nameId = remap[cursor.nameId]!;
    onRecord?.(nameId, out.length - base);
    writer.write({
      kind: cursor.kind, nameId, parent: cursor.parent,
      parentNameId: cursor.parent < 0 ? 0 : remap[cursor.parentNameId]!,
      span: cursor.span, nameSpan: cursor.nameSpan, nameLength: nameLength(cursor.nameId),
    });
  }
}
