/**
 * The workspace symbol index: every definition of every file, in a few typed arrays.
 *
 * A file (an id in a NameTable of paths) owns one run of varint symbol records (symbolRecords.ts:
 * kind, spans, parent, name id; depth first, so its outline is rebuilt from the run alone) in a shared
 * byte arena, and one pair per distinct name it defines in a pair arena (the file, where in the run
 * the name's first record starts, how many it has); a name's pairs form a singly linked chain from
 * `nameHead`, and `nameDefs` counts its live definitions. A lookup reads only the name's records,
 * because a record depends on no other and a common name (a struct field) has thousands of files.
 * A re-indexed file appends a new run and new pairs: the old ones are dead from then on (a pair is live while it
 * lies in its file's current pair range), skipped by readers and dropped by the next compaction,
 * which runs once dead bytes or pairs outnumber half the live ones (plus `compactSlack`), and also
 * drops unused names and paths and renumbers what stays, so churn never grows memory without bound.
 * Nothing is allocated per symbol or per file; objects are built only for answers. The names' search
 * structure (nameSearch.ts) takes each new name as it is interned and is rebuilt by a compaction.
 * Cost per symbol: its record (≈11–13 B) and at most one pair (13 B); `SYMBOL_SLOT_BYTES` bounds both
 * for ordinary files (tested); `trim()` drops headroom and the dead, `shrinkToFit()` only the
 * headroom (a copy, no re-encoding). The index lives in memory only: a snapshot stores per-file records.
 * Guarantees: `symbolsOf(path)` returns what the last `replaceFile(path, …)` stored; `lookup` returns
 * every live definition of a name once; `search` returns at most `limit` matches, best first
 * (fuzzy.ts, nameSearch.ts); `version` changes with every change. Lines and columns: integers in [0, 2³²).
 * Concurrency: main thread, synchronous.
 */
import type { Span, SymbolKind, SyntaxSymbol } from '../syntax/types.js';
import { VarintSink } from '../syntax/occurrences.js';
import { PackedOutline } from '../syntax/packedOutline.js';
import { fittedCapacity, grownCapacity, NameTable } from './nameTable.js';
import { NameSearch } from './nameSearch.js';
import { SymbolCursor, reencodeSymbols, writeOutline } from './symbolRecords.js';

/**
 * Bytes per symbol, bounded for files whose names number below 2²¹ and whose spans stay within a few
 * thousand lines and columns: a record (≤ 13 B: kind, name id, parent, two spans as small varints)
 * and a pair (13 B).
 */
export const SYMBOL_SLOT_BYTES = 26;

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
  /** Bytes of symbol records in use, dead ones included, and the arena's capacity. */
  recordBytes: number;
  recordCapacity: number;
  /** (name, file) pairs in use, dead ones included, and the arena's capacity. */
  pairs: number;
  pairCapacity: number;
  compactions: number;
  byteSize: number;
  /** Where `byteSize` is (allocated bytes; `byteSize` adds a few KB of scratch). */
  parts: SymbolIndexParts;
}

/** The symbol index's allocated bytes by part. */
export interface SymbolIndexParts {
  /** The name table: texts, offsets, hash slots (nameTable.ts). */
  names: number;
  /** workspace/symbol's search structure over the names (nameSearch.ts). */
  search: number;
  /** The record arena: every file's definitions (symbolRecords.ts). */
  records: number;
  /** The (name, file) pairs and per-name columns (chain heads, definition counts). */
  pairs: number;
  /** The paths' table and the per-file columns. */
  files: number;
}

const NONE = -1;

function grown<T extends Uint8Array | Uint32Array | Int32Array>(a: T, size: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a.subarray(0, Math.min(a.length, size)));
  if (fill !== 0 && size > a.length) b.fill(fill, a.length);
  return b;
}

export class SymbolIndex {
  private names = new NameTable(1024, 16384);
  /** Kept with `names`: new names are added as they are interned, and all again after a compaction. */
  private nameSearch = new NameSearch(this.names);
  private paths = new NameTable(256, 16384);

  // per name id
  private nameHead = new Int32Array(1024).fill(NONE);
  private nameDefs = new Uint32Array(1024);
  private liveNames = 0;

  // per file (path id)
  private runStart = new Uint32Array(256);
  private runLength = new Uint32Array(256);
  private pairStart = new Uint32Array(256);
  private pairCount = new Uint32Array(256);
  private fileSymbols = new Uint32Array(256);
  private filePresent = new Uint8Array(256);
  private liveFiles = 0;

  // the record arena
  private runs: Uint8Array;
  private runsUsed = 0;
  private liveRunBytes = 0;

  // the pair arena: a pair's file, the next pair of the same name, where in the file's run the name's
  // first record starts, and how many records it has there (saturating at 255: then read to the end)
  private pairFile: Uint32Array;
  private pairNext: Int32Array;
  private pairAt: Uint32Array;
  private pairCount8: Uint8Array;
  private pairsUsed = 0;
  private livePairs = 0;

  private liveSymbols = 0;
  private compactions = 0;
  private changes = 0;

  private readonly compactSlack: number;
  /** A file's records while they are written (replaceFile, compaction), before they join the arena. */
  private readonly sink = new VarintSink(4096);
  /** Name ids and record offsets of the file being written, by record; the order linkPairs sorts them in. */
  private scratchIds = new Int32Array(256);
  private scratchOffsets = new Uint32Array(256);
  private scratchOrder = new Int32Array(256);
  private readonly nameLengthOf = (id: number): number => this.names.lengthOf(id);

  /**
   * `compactSlack`: dead records / pairs / unused names tolerated beyond half the live count before
   * compacting (default 4096; tests pass 0 to exercise compaction on small indexes).
   */
  constructor(options: { initialSymbols?: number; compactSlack?: number } = {}) {
    const symbols = Math.max(16, options.initialSymbols ?? 4096);
    this.compactSlack = options.compactSlack ?? 4096;
    this.runs = new Uint8Array(symbols * 10);
    this.pairFile = new Uint32Array(symbols);
    this.pairNext = new Int32Array(symbols);
    this.pairAt = new Uint32Array(symbols);
    this.pairCount8 = new Uint8Array(symbols);
  }

  /**
   * Stores `symbols` (hierarchical, as objects or packed: packedOutline.ts) as the definitions of `path`,
   * replacing any it had.
   */
  replaceFile(path: string, symbols: readonly SyntaxSymbol[] | PackedOutline): void {
    const packed = symbols instanceof PackedOutline ? symbols : PackedOutline.of(symbols);
    const n = packed.count;
    this.changes++;
    let file = this.paths.find(path);
    if (file >= 0 && this.filePresent[file]) this.dropFile(file);
    else {
      if (file < 0) file = this.paths.intern(path);
      this.ensureFileColumns(this.paths.count);
      this.filePresent[file] = 1;
      this.liveFiles++;
    }
    const ids = this.idScratch(n);
    for (let i = 0; i < n; i++) {
      const id = this.internName(packed.nameUnits, packed.nameStart(i), packed.nameEnd(i));
      ids[i] = id;
      if (this.nameDefs[id]!++ === 0) this.liveNames++;
    }
    this.sink.clear();
    writeOutline(this.sink, packed, ids, this.scratchOffsets);
    this.appendRun(file, this.sink.view());
    this.fileSymbols[file] = n;
    this.liveSymbols += n;
    this.linkPairs(file, n);
    this.maybeCompact();
  }

  /** Forgets `path` and its symbols. Returns whether it was indexed. */
  removeFile(path: string): boolean {
    const file = this.paths.find(path);
    if (file < 0 || !this.filePresent[file]) return false;
    this.changes++;
    this.dropFile(file);
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
    const built: SyntaxSymbol[] = [];
    const roots: SyntaxSymbol[] = [];
    for (const c = this.cursor(file); c.next();) {
      const sym: SyntaxSymbol = {
        name: this.names.nameOf(c.nameId), kind: c.kind, span: [...c.span], nameSpan: [...c.nameSpan],
      };
      built.push(sym);
      if (c.parent === NONE) roots.push(sym);
      else (built[c.parent]!.children ??= []).push(sym);
    }
    return roots;
  }

  /**
   * Every definition named exactly `name`, in all files, ordered by path then position.
   * `containerNames: false` leaves `containerName` out: navigation needs only places, and a common
   * name (a struct field) would make one string per definition.
   */
  lookup(name: string, options: { containerNames?: boolean } = {}): SymbolLocation[] {
    const id = this.names.find(name);
    if (id < 0 || this.nameDefs[id] === 0) return [];
    const out: SymbolLocation[] = [];
    const containers = options.containerNames ?? true;
    for (const p of this.pairsDefining(id)) this.definitionsIn(p, id, name, out, containers);
    return out;
  }

  /** Number of live definitions named exactly `name`. */
  countOf(name: string): number {
    const id = this.names.find(name);
    return id < 0 ? 0 : this.nameDefs[id]!;
  }

  /**
   * The best `limit` definitions for a workspace/symbol query, best first: names by score (nameSearch.ts),
   * a name's definitions by path, then position. Objects are built only for the definitions returned.
   */
  search(query: string, limit: number): SymbolMatch[] {
    if (limit <= 0) return [];
    const defs = this.nameDefs;
    const { ids, scores } = this.nameSearch.search(query, limit, (id) => defs[id]! > 0);
    const out: SymbolMatch[] = [];
    const found: SymbolLocation[] = [];
    for (let i = 0; i < ids.length && out.length < limit; i++) {
      const id = ids[i]!;
      const name = this.names.nameOf(id);
      for (const p of this.pairsDefining(id)) {
        if (out.length >= limit) break;
        found.length = 0;
        this.definitionsIn(p, id, name, found);
        for (const loc of found.slice(0, limit - out.length)) out.push({ ...loc, score: scores[i]! });
      }
    }
    return out;
  }

  /** Changes so far (replaceFile, removeFile): equal counts, equal answers. */
  get version(): number { return this.changes; }
  /** Shrinks every array to what is in use (drops growth headroom and dead records). */
  trim(): void {
    this.compact(true);
  }

  /**
   * Shrinks every array to what is in use, dead records and pairs included, and the little room
   * `fittedCapacity` leaves for the next edits: a copy of each, not the re-encoding `trim` does.
   * `between` runs between the groups of arrays it replaces (the caller may collect the old ones
   * there, so that they are not all held at once).
   */
  shrinkToFit(between: () => void = () => {}): void {
    const fit = <T extends Uint8Array | Uint32Array | Int32Array>(a: T, n: number): T =>
      a.length > fittedCapacity(n) ? a.slice(0, fittedCapacity(n)) as T : a;
    this.names.shrinkToFit();
    this.nameHead = fit(this.nameHead, this.names.count);
    this.nameDefs = fit(this.nameDefs, this.names.count);
    between();
    this.nameSearch.shrinkToFit();
    between();
    this.runs = fit(this.runs, this.runsUsed);
    between();
    this.pairFile = fit(this.pairFile, this.pairsUsed);
    this.pairNext = fit(this.pairNext, this.pairsUsed);
    this.pairAt = fit(this.pairAt, this.pairsUsed);
    this.pairCount8 = fit(this.pairCount8, this.pairsUsed);
    between();
    this.paths.shrinkToFit();
    const files = this.paths.count;
    this.runStart = fit(this.runStart, files);
    this.runLength = fit(this.runLength, files);
    this.pairStart = fit(this.pairStart, files);
    this.pairCount = fit(this.pairCount, files);
    this.fileSymbols = fit(this.fileSymbols, files);
    this.filePresent = fit(this.filePresent, files);
  }

  byteSize(): number {
    const p = this.parts();
    return p.names + p.search + p.records + p.pairs + p.files
      + this.scratchIds.byteLength + this.scratchOffsets.byteLength + this.scratchOrder.byteLength;
  }

  parts(): SymbolIndexParts {
    return {
      names: this.names.byteSize(),
      search: this.nameSearch.byteSize(),
      records: this.runs.byteLength,
      pairs: this.pairFile.byteLength + this.pairNext.byteLength + this.pairAt.byteLength
        + this.pairCount8.byteLength + this.nameHead.byteLength + this.nameDefs.byteLength,
      files: this.paths.byteSize() + this.runStart.byteLength + this.runLength.byteLength
        + this.pairStart.byteLength + this.pairCount.byteLength + this.fileSymbols.byteLength
        + this.filePresent.byteLength,
    };
  }

  stats(): SymbolIndexStats {
    return {
      files: this.liveFiles, symbols: this.liveSymbols, names: this.liveNames,
      recordBytes: this.runsUsed, recordCapacity: this.runs.length, pairs: this.pairsUsed,
      pairCapacity: this.pairFile.length, compactions: this.compactions, byteSize: this.byteSize(),
      parts: this.parts(),
    };
  }

  // ---- internals ----

  private cursor(file: number): SymbolCursor {
    const start = this.runStart[file]!;
    return new SymbolCursor(this.runs, start, start + this.runLength[file]!, this.nameLengthOf);
  }

  /** The live pairs of name `id`, ordered by their files' paths (code unit by code unit, as strings compare). */
  private pairsDefining(id: number): number[] {
    const pairs: number[] = [];
    for (let p = this.nameHead[id]!; p !== NONE; p = this.pairNext[p]!) {
      const f = this.pairFile[p]!;
      if (this.filePresent[f] && p >= this.pairStart[f]! && p < this.pairStart[f]! + this.pairCount[f]!) pairs.push(p);
    }
    const file = this.pairFile;
    return pairs.sort((a, b) => this.paths.compare(file[a]!, file[b]!));
  }

  /** Adds the definitions of name `id` that pair `p` stands for to `out`, by position (then outline order). */
  private definitionsIn(p: number, id: number, name: string, out: SymbolLocation[], containers = true): void {
    const first = out.length;
    const file = this.pairFile[p]!;
    const path = this.paths.nameOf(file);
    const start = this.runStart[file]!;
    const count = this.pairCount8[p]!;
    const c = new SymbolCursor(this.runs, start + this.pairAt[p]!, start + this.runLength[file]!, this.nameLengthOf);
    while (c.next()) {
      if (c.nameId !== id) continue;
      const loc: SymbolLocation = { path, name, kind: c.kind, span: [...c.span], nameSpan: [...c.nameSpan] };
      if (containers && c.hasParent) loc.containerName = this.names.nameOf(c.parentNameId);
      out.push(loc);
      if (out.length - first === count && count < 255) break;
    }
    if (out.length - first > 1) {
      const mine = out.splice(first).sort((a, b) => a.nameSpan[0] - b.nameSpan[0] || a.nameSpan[1] - b.nameSpan[1]);
      out.push(...mine);
    }
  }

  /** Frees what `file` holds (its symbols' name counts; its run and pairs turn dead). */
  private dropFile(file: number): void {
    for (const c = this.cursor(file); c.next();) if (--this.nameDefs[c.nameId]! === 0) this.liveNames--;
    this.liveSymbols -= this.fileSymbols[file]!;
    this.liveRunBytes -= this.runLength[file]!;
    this.livePairs -= this.pairCount[file]!;
    this.fileSymbols[file] = 0;
    this.runLength[file] = 0;
    this.pairCount[file] = 0;
  }

  private appendRun(file: number, bytes: Uint8Array): void {
    if (this.runsUsed + bytes.length > this.runs.length)
      this.runs = grown(this.runs, grownCapacity(this.runs.length, this.runsUsed + bytes.length));
    this.runs.set(bytes, this.runsUsed);
    this.runStart[file] = this.runsUsed;
    this.runLength[file] = bytes.length;
    this.runsUsed += bytes.length;
    this.liveRunBytes += bytes.length;
  }

  /**
   * Gives `file` one new pair per distinct name of its `n` records (name ids and record offsets in the
   * scratch arrays), each at the head of its name's chain.
   */
  private linkPairs(file: number, n: number): void {
    const ids = this.scratchIds;
    const offsets = this.scratchOffsets;
    if (this.scratchOrder.length < n) this.scratchOrder = new Int32Array(ids.length);
    const order = this.scratchOrder.subarray(0, n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => ids[a]! - ids[b]! || a - b);
    let count = 0;
    for (let i = 0; i < n; i++) if (i === 0 || ids[order[i]!] !== ids[order[i - 1]!]) count++;
    if (this.pairsUsed + count > this.pairFile.length) {
      const cap = grownCapacity(this.pairFile.length, this.pairsUsed + count);
      this.pairFile = grown(this.pairFile, cap);
      this.pairNext = grown(this.pairNext, cap);
      this.pairAt = grown(this.pairAt, cap);
      this.pairCount8 = grown(this.pairCount8, cap);
    }
    this.pairStart[file] = this.pairsUsed;
    this.pairCount[file] = count;
    for (let i = 0; i < n;) {
      const id = ids[order[i]!]!;
      let j = i + 1;
      while (j < n && ids[order[j]!] === id) j++;
      const p = this.pairsUsed++;
      this.pairFile[p] = file;
      this.pairAt[p] = offsets[order[i]!]!;
      this.pairCount8[p] = Math.min(255, j - i);
      this.pairNext[p] = this.nameHead[id]!;
      this.nameHead[id] = p;
      i = j;
    }
    this.livePairs += count;
  }

  /** The scratch arrays of name ids and record offsets, of at least `n` (reused: read them before the next call). */
  private idScratch(n: number): Int32Array {
    if (this.scratchIds.length < n) {
      const size = Math.max(n, this.scratchIds.length * 2);
      this.scratchIds = new Int32Array(size);
      this.scratchOffsets = new Uint32Array(size);
    }
    return this.scratchIds;
  }

  private internName(units: Uint16Array, start: number, end: number): number {
    const id = this.names.internUnits(units, start, end);
    if (id >= this.names.count - 1) this.nameSearch.sync();
    if (id >= this.nameHead.length) {
      const cap = grownCapacity(this.nameHead.length, id + 1);
      this.nameHead = grown(this.nameHead, cap, NONE);
      this.nameDefs = grown(this.nameDefs, cap);
    }
    return id;
  }

  private maybeCompact(): void {
    const slack = this.compactSlack;
    const namesDead = this.names.count - this.liveNames;
    const pathsDead = this.paths.count - this.liveFiles;
    if (this.runsUsed - this.liveRunBytes > (this.liveRunBytes >> 1) + slack * 10
      || this.pairsUsed - this.livePairs > (this.livePairs >> 1) + slack
      || namesDead > (this.liveNames >> 1) + slack || pathsDead > this.liveFiles + (slack >> 2)) {
      this.compact(false);
    }
  }

  /**
   * Rewrites the arenas with the live files' runs and pairs only (names renumbered in the runs), drops
   * unused names and paths; `tight` leaves no growth headroom.
   */
  private compact(tight: boolean): void {
    this.compactions++;
    const room = (n: number): number => Math.max(16, tight ? n : n + (n >> 2));
    // 1. names and paths still in use, renumbered
    const defs = this.nameDefs;
    const nameMap = this.names.compact((id) => defs[id]! > 0, tight);
    this.nameSearch.rebuild(tight);
    const nameDefs = new Uint32Array(room(this.names.count));
    for (let old = 0; old < nameMap.length; old++) if (nameMap[old]! >= 0) nameDefs[nameMap[old]!] = defs[old]!;
    const present = this.filePresent;
    const pathMap = this.paths.compact((id) => present[id] === 1, tight);
    // 2. runs re-encoded with the new name ids, files in new id order (ids only shrink: so do runs)
    const oldRuns = this.runs, oldStart = this.runStart, oldLength = this.runLength, oldSymbols = this.fileSymbols;
    const fcap = room(this.paths.count);
    this.runStart = new Uint32Array(fcap);
    this.runLength = new Uint32Array(fcap);
    this.pairStart = new Uint32Array(fcap);
    this.pairCount = new Uint32Array(fcap);
    this.fileSymbols = new Uint32Array(fcap);
    this.filePresent = new Uint8Array(fcap);
    this.runs = new Uint8Array(room(this.liveRunBytes));
    this.runsUsed = 0;
    this.liveRunBytes = 0;
    const newLength = (oldId: number): number => this.names.lengthOf(nameMap[oldId]!);
    const order = new Int32Array(this.paths.count);
    for (let f = 0; f < pathMap.length; f++) if (pathMap[f]! >= 0) order[pathMap[f]!] = f;
    this.nameDefs = nameDefs;
    this.nameHead = new Int32Array(nameDefs.length).fill(NONE);
    this.pairFile = new Uint32Array(room(this.livePairs));
    this.pairNext = new Int32Array(this.pairFile.length);
    this.pairAt = new Uint32Array(this.pairFile.length);
    this.pairCount8 = new Uint8Array(this.pairFile.length);
    this.pairsUsed = 0;
    this.livePairs = 0;
    for (let nf = 0; nf < this.paths.count; nf++) {
      const f = order[nf]!;
      const ids = this.idScratch(oldSymbols[f]!);
      const offsets = this.scratchOffsets;
      let n = 0;
      this.sink.clear();
      reencodeSymbols(this.sink, oldRuns, oldStart[f]!, oldStart[f]! + oldLength[f]!, newLength, nameMap, (id, at) => {
        ids[n] = id;
        offsets[n++] = at;
      });
      this.appendRun(nf, this.sink.view());
      this.fileSymbols[nf] = oldSymbols[f]!;
      this.filePresent[nf] = 1;
      // 3. the file's pairs, from the records just written
      this.linkPairs(nf, n);
    }
    if (tight) {
      this.scratchIds = new Int32Array(256);
      this.scratchOffsets = new Uint32Array(256);
      this.scratchOrder = new Int32Array(256);
    }
  }

  private ensureFileColumns(n: number): void {
    if (n <= this.runStart.length) return;
    const cap = grownCapacity(this.runStart.length, n);
    this.runStart = grown(this.runStart, cap);
    this.runLength = grown(this.runLength, cap);
    this.pairStart = grown(this.pairStart, cap);
    this.pairCount = grown(this.pairCount, cap);
    this.fileSymbols = grown(this.fileSymbols, cap);
    this.filePresent = grown(this.filePresent, cap);
  }
}
