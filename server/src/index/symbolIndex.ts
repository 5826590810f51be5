/**
 * The workspace symbol index: every definition of every file, in columns of typed arrays.
 *
 * A symbol is a slot in parallel columns (name id into a NameTable, kind, file, parent within its
 * file, spans, and a doubly linked same-name chain headed by `nameHead`). A file is an id in a second
 * NameTable of paths, owning one contiguous slot range in pre-order, so its outline is rebuilt from
 * the range alone. Nothing is allocated per symbol or per file; objects are built only for answers.
 * `replaceFile` rewrites a range in place when it fits (ranges keep some headroom), else appends;
 * freed slots are compacted away once they outnumber half the live ones, and unused names dropped,
 * so churn never grows memory without bound. The names' search structure (nameSearch.ts) takes each
 * new name as it is interned and is rebuilt by a compaction. Per-slot cost: `SYMBOL_SLOT_BYTES`
 * (tested); `trim()` drops headroom. The index lives in memory only: a snapshot stores per-file records.
 * Guarantees: `symbolsOf(path)` returns what the last `replaceFile(path, …)` stored; `lookup` returns
 * every live definition of a name once; `search` returns at most `limit` matches, best first
 * (fuzzy.ts, nameSearch.ts); `version` changes with every change. Lines and columns: integers in [0, 2³²).
 * Concurrency: main thread, synchronous.
 */
import type { Span, SymbolKind, SyntaxSymbol } from '../syntax/types.js';
import { PackedOutline } from '../syntax/packedOutline.js';
import { NameTable } from './nameTable.js';
import { NameSearch } from './nameSearch.js';

/** Bytes of column storage per symbol slot. */
export const SYMBOL_SLOT_BYTES = 4 + 1 + 4 + 4 + 32 + 8;

/** One definition, as answers carry it. */
export interface SymbolLocation {
  path: string;
  name: string;
  kind: SymbolKind;
  span: Span;
  nameSpan: Span;
  /** Name of the enclosing definition, if any. */
  containerName?: string;
}

export interface SymbolMatch extends SymbolLocation {
  /** Fuzzy score (fuzzy.ts); higher is better. */
  score: number;
}

export interface SymbolIndexStats {
  files: number;
  symbols: number;
  names: number;
  slotsUsed: number;
  slotCapacity: number;
  compactions: number;
  byteSize: number;
}

const NONE = -1;

export class SymbolIndex {
  private names = new NameTable(1024, 16384);
  /** Kept with `names`: new names are added as they are interned, and all again after a compaction. */
  private nameSearch = new NameSearch(this.names);
  private paths = new NameTable(256, 16384);

  // symbol columns, indexed by slot
  private cap: number;
  private symName: Uint32Array;
  private symKind: Uint8Array;
  private symFile: Uint32Array;
  private symParent: Int32Array;
  private spans: Uint32Array;
  private nextSame: Int32Array;
  private prevSame: Int32Array;
  private used = 0;

  // per name id
  private nameHead = new Int32Array(1024).fill(NONE);
  private liveNames = 0;

  // per file (path id)
  private fileStart = new Uint32Array(256);
  private fileCount = new Uint32Array(256);
  private fileReserved = new Uint32Array(256);
  private filePresent = new Uint8Array(256);
  private liveFiles = 0;

  private liveSymbols = 0;
  private compactions = 0;
  private changes = 0;

  private readonly compactSlack: number;

  /**
   * `compactSlack`: free slots / unused names tolerated beyond half the live count before
   * compacting (default 4096; tests pass 0 to exercise compaction on small indexes).
   */
  constructor(options: { initialSymbols?: number; compactSlack?: number } = {}) {
    this.cap = Math.max(16, options.initialSymbols ?? 4096);
    this.compactSlack = options.compactSlack ?? 4096;
    this.symName = new Uint32Array(this.cap);
    this.symKind = new Uint8Array(this.cap);
    this.symFile = new Uint32Array(this.cap);
    this.symParent = new Int32Array(this.cap);
    this.spans = new Uint32Array(this.cap * 8);
    this.nextSame = new Int32Array(this.cap);
    this.prevSame = new Int32Array(this.cap);
  }

  /**
   * Stores `symbols` (hierarchical, as objects or packed: packedOutline.ts) as the definitions of `path`,
   * replacing any it had.
   */
  replaceFile(path: string, symbols: readonly SyntaxSymbol[] | PackedOutline): void {
    // One way in: the packed columns are already in the index's order (depth first, parents known).
    const packed = symbols instanceof PackedOutline ? symbols : PackedOutline.of(symbols);
    const n = packed.count;
    this.changes++;
    let file = this.paths.find(path);
    const isNew = !(file >= 0 && this.filePresent[file]);
    if (!isNew) {
      this.unlinkFile(file);
      if (n > this.fileReserved[file]!) this.releaseRange(file);
    } else {
      if (file < 0) file = this.paths.intern(path);
      this.ensureFileColumns(this.paths.count);
      this.filePresent[file] = 1;
      this.fileReserved[file] = 0;
      this.fileCount[file] = 0;
      this.liveFiles++;
    }
    if (n > this.fileReserved[file]!) {
      // a file that is re-indexed is probably being edited: leave it room to grow in place
      const reserve = isNew ? n : n + (n >> 3);
      // reserve first: compaction may move ranges and renumber names, paths and this file
      file = this.allocate(file, reserve);
    }
    this.fileCount[file] = n;
    this.liveSymbols += n;
    const base = this.fileStart[file]!;
    const parents = packed.parents();
    for (let i = 0; i < n; i++) {
      const at = base + i;
      const nameId = this.internName(packed.nameUnits, packed.nameStart(i), packed.nameEnd(i));
      this.symName[at] = nameId;
      this.symKind[at] = packed.kind(i);
      this.symFile[at] = file;
      this.symParent[at] = parents[i]!;
      packed.copySpans(i, this.spans, at * 8);
      this.link(at, nameId);
    }
    this.maybeCompact();
  }

  /** Forgets `path` and its symbols. Returns whether it was indexed. */
  removeFile(path: string): boolean {
    const file = this.paths.find(path);
    if (file < 0 || !this.filePresent[file]) return false;
    this.changes++;
    this.unlinkFile(file);
    this.releaseRange(file);
    this.filePresent[file] = 0;
    this.liveFiles--;
    this.maybeCompact();
    return true;
  }

  hasFile(path: string): boolean {
    const file = this.paths.find(path);
    return file >= 0 && this.filePresent[file] === 1;
  }

  /** Paths of all indexed files (order unspecified). */
  *files(): IterableIterator<string> {
    for (let f = 0; f < this.paths.count; f++) if (this.filePresent[f]) yield this.paths.nameOf(f);
  }

  /** The hierarchical outline stored for `path` (empty when unknown). */
  symbolsOf(path: string): SyntaxSymbol[] {
    const file = this.paths.find(path);
    if (file < 0 || !this.filePresent[file]) return [];
    const start = this.fileStart[file]!;
    const n = this.fileCount[file]!;
    const built: SyntaxSymbol[] = new Array<SyntaxSymbol>(n);
    const roots: SyntaxSymbol[] = [];
    for (let i = 0; i < n; i++) {
      const slot = start + i;
      const o = slot * 8;
      const sp = this.spans;
      const sym: SyntaxSymbol = {
        name: this.names.nameOf(this.symName[slot]!),
        kind: this.symKind[slot] as SymbolKind,
        span: [sp[o]!, sp[o + 1]!, sp[o + 2]!, sp[o + 3]!],
        nameSpan: [sp[o + 4]!, sp[o + 5]!, sp[o + 6]!, sp[o + 7]!],
      };
      built[i] = sym;
      const parent = this.symParent[slot]!;
      if (parent === NONE) roots.push(sym);
      else (built[parent]!.children ??= []).push(sym);
    }
    return roots;
  }

  /** Every definition named exactly `name`, in all files, ordered by path then position. */
  lookup(name: string): SymbolLocation[] {
    const id = this.names.find(name);
    if (id < 0) return [];
    const out: SymbolLocation[] = [];
    for (let s = this.nameHead[id]!; s !== NONE; s = this.nextSame[s]!) out.push(this.locationOf(s));
    out.sort((a, b) =>
      (a.path < b.path ? -1 : a.path > b.path ? 1 : a.nameSpan[0] - b.nameSpan[0] || a.nameSpan[1] - b.nameSpan[1]));
    return out;
  }

  /** Number of live definitions named exactly `name`. */
  countOf(name: string): number {
    const id = this.names.find(name);
    let n = 0;
    if (id >= 0) for (let s = this.nameHead[id]!; s !== NONE; s = this.nextSame[s]!) n++;
    return n;
  }

  /**
   * The best `limit` definitions for a workspace/symbol query, best first: names by score (nameSearch.ts),
   * a name's definitions by path, then position. Objects are built only for the definitions returned.
   */
  search(query: string, limit: number): SymbolMatch[] {
    if (limit <= 0) return [];
    const heads = this.nameHead;
    const { ids, scores } = this.nameSearch.search(query, limit, (id) => heads[id]! !== NONE);
    const out: SymbolMatch[] = [];
    for (let i = 0; i < ids.length && out.length < limit; i++) {
      const name = this.names.nameOf(ids[i]!);
      for (const s of this.firstDefinitions(ids[i]!, limit - out.length))
        out.push({ ...this.locationOf(s, name), score: scores[i]! });
    }
    return out;
  }

  /** Changes so far (replaceFile, removeFile): equal counts, equal answers. */
  get version(): number { return this.changes; }
  /** Shrinks every column to what is in use (drops growth headroom and freed slots). */
  trim(): void {
    this.compact(true);
  }

  byteSize(): number {
    return this.symName.byteLength + this.symKind.byteLength + this.symFile.byteLength + this.symParent.byteLength
      + this.spans.byteLength + this.nextSame.byteLength + this.prevSame.byteLength + this.nameHead.byteLength
      + this.fileStart.byteLength + this.fileCount.byteLength + this.fileReserved.byteLength
      + this.filePresent.byteLength + this.names.byteSize() + this.nameSearch.byteSize() + this.paths.byteSize();
  }

  stats(): SymbolIndexStats {
    return {
      files: this.liveFiles, symbols: this.liveSymbols, names: this.liveNames,
      slotsUsed: this.used, slotCapacity: this.cap, compactions: this.compactions, byteSize: this.byteSize(),
    };
  }

  // ---- internals ----

  private locationOf(slot: number, name = this.names.nameOf(this.symName[slot]!)): SymbolLocation {
    const o = slot * 8;
    const sp = this.spans;
    const loc: SymbolLocation = {
      path: this.paths.nameOf(this.symFile[slot]!),
      name,
      kind: this.symKind[slot] as SymbolKind,
      span: [sp[o]!, sp[o + 1]!, sp[o + 2]!, sp[o + 3]!],
      nameSpan: [sp[o + 4]!, sp[o + 5]!, sp[o + 6]!, sp[o + 7]!],
    };
    const parent = this.symParent[slot]!;
    if (parent !== NONE)
      loc.containerName = this.names.nameOf(this.symName[this.fileStart[this.symFile[slot]!]! + parent]!);
    return loc;
  }

  /**
   * The first `n` definitions (slots) of name `id` by path, then line, then their order in the chain.
   * A common name has thousands of definitions: they are compared in place (paths by code unit, as
   * strings compare) and only the first `n` kept, in a heap whose root is the last of them.
   */
  private firstDefinitions(id: number, n: number): number[] {
    const chain: number[] = [];
    for (let s = this.nameHead[id]!; s !== NONE; s = this.nextSame[s]!) chain.push(s);
    const before = (a: number, b: number): boolean => {
      const sa = chain[a]!, sb = chain[b]!;
      const fa = this.symFile[sa]!, fb = this.symFile[sb]!;
      const c = fa === fb ? 0 : this.paths.compare(fa, fb);
      if (c !== 0) return c < 0;
      const d = this.spans[sa * 8 + 4]! - this.spans[sb * 8 + 4]!;
      return d !== 0 ? d < 0 : a < b;
    };
    // indices into chain; when there are more than n, a max-heap of the n first
    const kept: number[] = [];
    for (let k = 0; k < chain.length; k++) {
      if (kept.length < n) {
        kept.push(k);
        for (let i = kept.length - 1; i > 0;) {
          const p = (i - 1) >> 1;
          if (!before(kept[p]!, kept[i]!)) break;
          [kept[p], kept[i]] = [kept[i]!, kept[p]!];
          i = p;
        }
      } else if (before(k, kept[0]!)) {
        kept[0] = k;
        for (let i = 0; ;) {
          const l = 2 * i + 1, r = l + 1;
          let last = i;
          if (l < n && before(kept[last]!, kept[l]!)) last = l;
          if (r < n && before(kept[last]!, kept[r]!)) last = r;
          if (last === i) break;
          [kept[last], kept[i]] = [kept[i]!, kept[last]!];
          i = last;
        }
      }
    }
    kept.sort((a, b) => (a === b ? 0 : before(a, b) ? -1 : 1));
    return kept.map((k) => chain[k]!);
  }

  private internName(units: Uint16Array, start: number, end: number): number {
    const id = this.names.internUnits(units, start, end);
    if (id >= this.names.count - 1) this.nameSearch.sync();
    if (id >= this.nameHead.length) {
      const h = new Int32Array(Math.max(id + 1, Math.ceil(this.nameHead.length * 1.5))).fill(NONE);
      h.set(this.nameHead);
      this.nameHead = h;
    }
    return id;
  }

  private link(slot: number, nameId: number): void {
    const head = this.nameHead[nameId]!;
    if (head === NONE) this.liveNames++;
    else this.prevSame[head] = slot;
    this.nextSame[slot] = head;
    this.prevSame[slot] = NONE;
    this.nameHead[nameId] = slot;
  }

  private unlinkFile(file: number): void {
    const start = this.fileStart[file]!;
    const end = start + this.fileCount[file]!;
    for (let s = start; s < end; s++) {
      const next = this.nextSame[s]!;
      const prev = this.prevSame[s]!;
      if (prev === NONE) {
        const nameId = this.symName[s]!;
        this.nameHead[nameId] = next;
        if (next === NONE) this.liveNames--;
      } else this.nextSame[prev] = next;
      if (next !== NONE) this.prevSame[next] = prev;
    }
    this.liveSymbols -= this.fileCount[file]!;
    this.fileCount[file] = 0;
  }

  private releaseRange(file: number): void {
    this.fileReserved[file] = 0;
    this.fileStart[file] = 0;
  }

  /** Reserves `n` slots at the end for `file`; returns the file's id (compaction may renumber it). */
  private allocate(file: number, n: number): number {
    if (this.used + n > this.cap) {
      const path = this.paths.nameOf(file);
      if (this.maybeCompact()) file = this.paths.find(path);
      if (this.used + n > this.cap) this.growSlots(Math.max(this.used + n, Math.ceil(this.cap * 1.5)));
    }
    this.fileStart[file] = this.used;
    this.fileReserved[file] = n;
    this.used += n;
    return file;
  }

  private wasted(): number {
    return this.used - this.liveSymbols;
  }

  private maybeCompact(): boolean {
    const namesDead = this.names.count - this.liveNames;
    const pathsDead = this.paths.count - this.liveFiles;
    const slack = this.compactSlack;
    if (this.wasted() > (this.liveSymbols >> 1) + slack || namesDead > (this.liveNames >> 1) + slack
      || pathsDead > this.liveFiles + (slack >> 2)) {
      this.compact(false);
      return true;
    }
    return false;
  }

  /**
   * Rewrites the columns with the live files' ranges packed from slot 0 (each keeping its
   * reserved headroom unless `tight`), drops unused names and paths, and relinks the name chains.
   */
  private compact(tight: boolean): void {
    this.compactions++;
    // 1. names and paths still in use; remap ids
    const heads = this.nameHead;
    const nameMap = this.names.compact((id) => heads[id]! !== NONE);
    this.nameSearch.rebuild(tight);
    const present = this.filePresent;
    const pathMap = this.paths.compact((id) => present[id] === 1);
    // 2. new file columns
    const oldStart = this.fileStart, oldCount = this.fileCount, oldReserved = this.fileReserved;
    const fcap = Math.max(16, this.paths.count + (this.paths.count >> 2));
    const fStart = new Uint32Array(fcap), fCount = new Uint32Array(fcap), fRes = new Uint32Array(fcap),
      fPresent = new Uint8Array(fcap);
    let slots = 0;
    for (let f = 0; f < pathMap.length; f++) {
      const nf = pathMap[f]!;
      if (nf < 0) continue;
      fCount[nf] = oldCount[f]!;
      fRes[nf] = tight ? oldCount[f]! : oldReserved[f]!;
      fPresent[nf] = 1;
      slots += fRes[nf]!;
    }
    // 3. new symbol columns, files in new id order
    const cap = tight ? Math.max(16, slots) : Math.max(16, slots + (slots >> 2));
    const symName = new Uint32Array(cap), symKind = new Uint8Array(cap), symFile = new Uint32Array(cap),
      symParent = new Int32Array(cap);
    const spans = new Uint32Array(cap * 8);
    let at = 0;
    for (let f = 0; f < pathMap.length; f++) {
      const nf = pathMap[f]!;
      if (nf < 0) continue;
      const from = oldStart[f]!;
      const count = oldCount[f]!;
      fStart[nf] = at;
      for (let i = 0; i < count; i++) {
        symName[at + i] = nameMap[this.symName[from + i]!]!;
        symFile[at + i] = nf;
      }
      symKind.set(this.symKind.subarray(from, from + count), at);
      symParent.set(this.symParent.subarray(from, from + count), at);
      spans.set(this.spans.subarray(from * 8, (from + count) * 8), at * 8);
      at += fRes[nf]!;
    }
    this.cap = cap;
    this.symName = symName; this.symKind = symKind; this.symFile = symFile; this.symParent = symParent;
    this.spans = spans;
    this.nextSame = new Int32Array(cap);
    this.prevSame = new Int32Array(cap);
    this.used = at;
    this.fileStart = fStart; this.fileCount = fCount; this.fileReserved = fRes; this.filePresent = fPresent;
    // 4. relink chains
    const nameCap = tight ? Math.max(16, this.names.count) : Math.max(16, this.names.count + (this.names.count >> 2));
    this.nameHead = new Int32Array(nameCap).fill(NONE);
    this.liveNames = 0;
    for (let f = 0; f < this.paths.count; f++) {
      const s0 = fStart[f]!;
      for (let s = s0 + fCount[f]! - 1; s >= s0; s--) this.link(s, symName[s]!);
    }
  }

  private growSlots(cap: number): void {
    const grow = <T extends Uint32Array | Int32Array | Uint8Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a.subarray(0, Math.min(a.length, size)));
      return b;
    };
    this.symName = grow(this.symName, cap);
    this.symKind = grow(this.symKind, cap);
    this.symFile = grow(this.symFile, cap);
    this.symParent = grow(this.symParent, cap);
    this.spans = grow(this.spans, cap * 8);
    this.nextSame = grow(this.nextSame, cap);
    this.prevSame = grow(this.prevSame, cap);
    this.cap = cap;
  }

  private ensureFileColumns(n: number): void {
    if (n <= this.fileStart.length) return;
    const cap = Math.max(n, Math.ceil(this.fileStart.length * 1.5));
    const u32 = (a: Uint32Array) => { const b = new Uint32Array(cap); b.set(a); return b; };
    this.fileStart = u32(this.fileStart);
    this.fileCount = u32(this.fileCount);
    this.fileReserved = u32(this.fileReserved);
    const p = new Uint8Array(cap); p.set(this.filePresent); this.filePresent = p;
  }
}
