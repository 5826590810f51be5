/**
 * Find-references: every place a name occurs. Closed files answer from the occurrence index
 * (occurrences/): their occurrences were recorded when they were indexed, so nothing is read or parsed.
 * Edited open documents answer from their live text, parsed here in the worker pool (the index catches
 * up with an edit only after a debounce), and so do files the index is missing (occurrences.ts) until
 * they are indexed again: texts read for that are peeked, so a search never reorders or refills the
 * tiers. An open document still holding the text it was indexed from answers from the index like a
 * closed file. Declarations come from the symbol index for indexed texts (settled first), from the
 * parse for edited documents: the index's entry of one is of the text last indexed, not the editor's.
 * Results are ordered (the asking file first, navigation.ts) and bounded by MAX_REFERENCES; an indexed
 * file is made current (`settle`) before its occurrences are served, and only files whose occurrences
 * can still enter the answer are settled or decoded, so a name in every file costs what the answer does.
 * Concurrency: texts to parse stream through a few lanes (`ReferenceLimits`), so the texts held at
 * once are bounded in count and bytes. Holds nothing between searches.
 */
import type { Logger } from '../base/log.js';
import { errorMessage } from '../base/errors.js';
import type { LanguageName } from '../syntax/languages.js';
import type { ParserPool } from '../syntax/parserPool.js';
import type { SyntaxSymbol } from '../syntax/types.js';
import { crc32, type SourceCache } from '../cache/index.js';
import { throwIfCancelled, type Location } from './api.js';
import type { FileTable } from './fileTable.js';
import { orderLocations } from './navigation.js';
import { occurrencesIn, type Occurrences } from './occurrences/occurrences.js';
import type { SymbolIndex } from './symbolIndex.js';

/** At most this many references are returned: enough for any list a person reads. */
const MAX_REFERENCES = 10_000;
/** Indexed files settled at once before their occurrences are decoded. */
const SETTLE_BATCH = 256;

const encoder = new TextEncoder();

/** What one search may hold at once: candidate texts being read or parsed, and their bytes. */
interface ReferenceLimits {
  files: number;
  /** A single text larger than this is still searched, alone. */
  bytes: number;
}

export interface ReferenceSources {
  files: Pick<FileTable, 'get'>;
  symbols: Pick<SymbolIndex, 'lookup' | 'version'>;
  occurrences: Pick<Occurrences, 'lookup' | 'missing' | 'generation' | 'record'>;
  cache: Pick<SourceCache, 'has' | 'peek'>;
  pool: Pick<ParserPool, 'parse'>;
  /** Makes what is held about `key` current before it is read. */
  settle(key: string): Promise<void>;
  /** `settle` of every key. */
  settleAll(keys: Iterable<string>): Promise<void>;
  languageOf(key: string): LanguageName | undefined;
  /** An open document's current text; undefined for a closed file. */
  openText(key: string): string | undefined;
  /** True for an open document whose text is still the one the index holds (not edited since it was indexed). */
  asIndexed(key: string): boolean;
  /** Keys of the documents open in an editor. */
  openKeys(): Iterable<string>;
  treeCapBytes(): number;
  limits(): ReferenceLimits;
  /** Told the candidate texts held whenever that changes (tests check the limits with it). */
  onHeld?: (held: { files: number; bytes: number }) => void;
  log: Logger;
}

export class ReferenceSearch {
  readonly #s: ReferenceSources;

  constructor(sources: ReferenceSources) {
    this.#s = sources;
  }

  /**
   * The references to `name`, asked from `key`; with `includeDeclaration`, its declarations too. Stops
   * with a CancelledError between texts and between batches once `signal` aborts.
   */
  async find(key: string, name: string, includeDeclaration: boolean, signal?: AbortSignal): Promise<Location[]> {
    throwIfCancelled(signal);
    const found: Location[] = [];
    const parsedOpen = new Set<string>();
    // Texts to parse: open documents that mention the name, and files the index is missing.
    const toParse = new Set<string>();
    for (const k of this.#s.openKeys()) if (this.#live(k) && this.#s.openText(k)?.includes(name)) toParse.add(k);
    for (const k of this.#s.occurrences.missing) toParse.add(k);
    const limits = this.#s.limits();
    const held = new HeldTexts(limits.bytes, this.#s.onHeld);
    const queue = toParse.values();
    const lane = async (): Promise<void> => {
      for (let next = queue.next(); !next.done; next = queue.next()) {
        throwIfCancelled(signal);
        const parsed = await this.#search(next.value, name, includeDeclaration, found, held);
        if (parsed === 'open') parsedOpen.add(next.value);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.files, toParse.size)) }, lane));
    await this.#fromIndex(key, name, toParse, found, signal);
    if (includeDeclaration) await this.#declarations(name, parsedOpen, found, signal);
    return orderLocations(key, found).slice(0, MAX_REFERENCES);
  }

  /**
   * Adds the indexed occurrences of `name` (files in `skip` were parsed instead), in answer order
   * (navigation.ts), settling each file first, until MAX_REFERENCES of them make every later file's
   * irrelevant.
   */
  async #fromIndex(key: string, name: string, skip: ReadonlySet<string>, found: Location[],
    signal: AbortSignal | undefined): Promise<void> {
    let runs = this.#lookup(name, skip);
    const order = [...runs.keys()].sort((a, b) => (a === key ? -1 : b === key ? 1 : a < b ? -1 : a > b ? 1 : 0));
    let added = 0;
    for (let i = 0; i < order.length && added < MAX_REFERENCES; i += SETTLE_BATCH) {
      const batch = order.slice(i, i + SETTLE_BATCH);
      const generation = this.#s.occurrences.generation;
      throwIfCancelled(signal);
      await this.#s.settleAll(batch);
      throwIfCancelled(signal);
      // A settled file may have been re-indexed meanwhile: what is held now is what is served.
      if (this.#s.occurrences.generation !== generation) runs = this.#lookup(name, skip);
      for (const k of batch) {
        const run = runs.get(k);
        // Opened (and edited) while the batch settled: the index's run is not of the editor's text.
        if (!run || this.#live(k)) continue;
        for (const o of occurrencesIn(name, run)) {
          if (o.kind === 'definition') continue;
          found.push({ key: k, span: o.span });
          added++;
        }
      }
    }
  }

  /**
   * Adds the symbol index's declarations of `name` in indexed texts, each settled first (edited
   * documents parsed here gave theirs already). An edited document's entry is of the text last indexed,
   * which an edit may have moved or removed since (the index catches up only after a debounce): one
   * without the name in its text has no declaration of it, and one with it was parsed.
   */
  async #declarations(name: string, parsedOpen: ReadonlySet<string>, found: Location[],
    signal: AbortSignal | undefined): Promise<void> {
    const indexed = (k: string): boolean => !parsedOpen.has(k) && !this.#live(k);
    const version = this.#s.symbols.version;
    let defs = this.#s.symbols.lookup(name, { containerNames: false });
    await this.#s.settleAll(new Set(defs.filter((s) => indexed(s.path)).map((s) => s.path)));
    throwIfCancelled(signal);
    // Looked up again if a settled file was re-indexed meanwhile.
    if (this.#s.symbols.version !== version) defs = this.#s.symbols.lookup(name, { containerNames: false });
    for (const s of defs) {
      if (indexed(s.path)) found.push({ key: s.path, span: s.nameSpan });
    }
  }

  /** An open document whose text the index does not hold (edited since it was indexed): parsed, not looked up. */
  #live(key: string): boolean {
    return this.#s.openText(key) !== undefined && !this.#s.asIndexed(key);
  }

  #lookup(name: string, skip: ReadonlySet<string>): Map<string, Uint8Array> {
    const runs = new Map<string, Uint8Array>();
    this.#s.occurrences.lookup(name, (k, run) => {
      if (!skip.has(k) && !this.#live(k)) runs.set(k, run);
    });
    return runs;
  }

  /** Adds one parsed text's references (and an open document's declarations) to `found`; says what it parsed. */
  async #search(candidate: string, name: string, includeDeclaration: boolean, found: Location[],
    held: HeldTexts): Promise<'open' | 'closed' | 'not parsed'> {
    await this.#s.settle(candidate);
    const lang = this.#s.languageOf(candidate);
    if (!lang) return 'not parsed';
    // Reserved before the text is read: an open document's size, else the record's (current once settled).
    const before = this.#s.openText(candidate);
    let reserved = before !== undefined ? Buffer.byteLength(before) : (this.#s.files.get(candidate)?.bytes ?? 0);
    if (reserved > this.#s.treeCapBytes()) return 'not parsed';
    await held.reserve(reserved);
    try {
      // Taken again: the document may have been edited (or closed) while the reservation waited.
      const text = this.#s.openText(candidate);
      const bytes = this.#bytesOf(candidate, text);
      if (!bytes || bytes.length > this.#s.treeCapBytes()) return 'not parsed';
      held.resize(reserved, bytes.length);
      reserved = bytes.length;
      // A file the index is missing is parsed only if the name's text is in it at all.
      if (text === undefined && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(name) < 0) {
        return 'not parsed';
      }
      const outcome = await this.#s.pool.parse({ lang, bytes, path: candidate, references: true });
      for (const r of outcome.analysis?.references ?? []) {
        if (r.name === name) found.push({ key: candidate, span: r.span });
      }
      if (text === undefined && outcome.analysis && this.#s.occurrences.missing.has(candidate)) {
        // Parsed anyway: what the index was missing is held from now on.
        this.#s.occurrences.record(candidate, { bytes: bytes.length, crc: crc32(bytes) }, outcome.analysis.occurrences);
      }
      if (text === undefined || !outcome.analysis) return 'closed';
      if (includeDeclaration) declarationsOf(outcome.analysis.symbols, name, candidate, found);
      return 'open';
    } finally {
      held.release(reserved);
    }
  }

  /** The candidate's current text as bytes; undefined when there is none or it cannot be read (logged). */
  #bytesOf(candidate: string, text: string | undefined): Uint8Array | undefined {
    try {
      if (text !== undefined) return encoder.encode(text);
      if (this.#s.cache.has(candidate)) return this.#s.cache.peek(candidate);
    } catch (err) {
      this.#s.log.warn(`${candidate}: ${errorMessage(err)}`);
    }
    return undefined;
  }
}

function declarationsOf(symbols: readonly SyntaxSymbol[], name: string, key: string, found: Location[]): void {
  for (const s of symbols) {
    if (s.name === name) found.push({ key, span: s.nameSpan });
    if (s.children) declarationsOf(s.children, name, key, found);
  }
}

/**
 * The candidate texts one search holds. A reservation waits, first come first served, while the
 * others hold too many bytes; one alone always goes, so a file larger than the limit is still searched.
 */
class HeldTexts {
  #files = 0;
  #bytes = 0;
  readonly #waiting: { bytes: number; admit: () => void }[] = [];
  readonly #maxBytes: number;
  readonly #report: ((held: { files: number; bytes: number }) => void) | undefined;

  constructor(maxBytes: number, report?: (held: { files: number; bytes: number }) => void) {
    this.#maxBytes = maxBytes;
    this.#report = report;
  }

  async reserve(bytes: number): Promise<void> {
    if (this.#waiting.length === 0 && this.#fits(bytes)) {
      this.#take(bytes);
      return;
    }
    await new Promise<void>((admit) => this.#waiting.push({ bytes, admit }));
  }

  /** A reservation turned out to be `to` bytes, not `from` (a size recorded before the text was read). */
  resize(from: number, to: number): void {
    if (from === to) return;
    this.#bytes += to - from;
    this.#report?.({ files: this.#files, bytes: this.#bytes });
  }

  release(bytes: number): void {
    this.#files--;
    this.#bytes -= bytes;
    this.#report?.({ files: this.#files, bytes: this.#bytes });
    // Taken here, before the waiter runs, so no later reservation can overtake it.
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const next = this.#waiting.shift()!;
      this.#take(next.bytes);
      next.admit();
    }
  }

  #fits(bytes: number): boolean {
    return this.#files === 0 || this.#bytes + bytes <= this.#maxBytes;
  }

  #take(bytes: number): void {
    this.#files++;
    this.#bytes += bytes;
    this.#report?.({ files: this.#files, bytes: this.#bytes });
  }
}
