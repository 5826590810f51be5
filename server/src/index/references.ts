/**
 * Find-references: every place a name occurs, over the files that may contain it.
 * The candidates are the asking file plus the files whose identifier filter says "maybe" (≈1% false
 * positives); each is parsed in the worker pool from its current text (an open document's, else the
 * cache's verified bytes, peeked: a search is a one-off read and must not reorder or refill the tiers),
 * unless it is above the tree cap. Declarations come from the symbol index,
 * except for open documents parsed here: theirs come from this parse of the current text, since the
 * index catches up with an edit only after a debounce (its spans would be stale).
 * Results are ordered (the asking file first, navigation.ts) and bounded by MAX_REFERENCES.
 * Concurrency: candidates are parsed concurrently; each is made current first (`settle`: a pending
 * close reconciled, a file changed on disk re-indexed). Holds nothing between searches.
 */
import type { Logger } from '../base/log.js';
import { errorMessage } from '../base/errors.js';
import type { LanguageName } from '../syntax/languages.js';
import type { ParserPool } from '../syntax/parserPool.js';
import type { SyntaxSymbol } from '../syntax/types.js';
import type { SourceCache } from '../cache/index.js';
import type { Location } from './api.js';
import type { FileTable } from './fileTable.js';
import { orderLocations } from './navigation.js';
import type { SymbolIndex } from './symbolIndex.js';

/** At most this many references are returned: enough for any list a person reads. */
const MAX_REFERENCES = 10_000;

const encoder = new TextEncoder();

export interface ReferenceSources {
  files: Pick<FileTable, 'mayContain'>;
  symbols: Pick<SymbolIndex, 'lookup'>;
  cache: Pick<SourceCache, 'has' | 'peek'>;
  pool: Pick<ParserPool, 'parse'>;
  /** Makes what is held about `key` current before it is read. */
  settle(key: string): Promise<void>;
  languageOf(key: string): LanguageName | undefined;
  /** An open document's current text; undefined for a closed file. */
  openText(key: string): string | undefined;
  treeCapBytes(): number;
  log: Logger;
}

export class ReferenceSearch {
  readonly #s: ReferenceSources;

  constructor(sources: ReferenceSources) {
    this.#s = sources;
  }

  /** The references to `name`, asked from `key`; with `includeDeclaration`, its declarations too. */
  async find(key: string, name: string, includeDeclaration: boolean): Promise<Location[]> {
    const candidates = new Set<string>([key]);
    for (const k of this.#s.files.mayContain(name)) candidates.add(k);
    const found: Location[] = [];
    const parsedOpen = new Set<string>();
    await Promise.all([...candidates].map(async (candidate) => {
      const parsed = await this.#search(candidate, name, includeDeclaration, found);
      if (parsed === 'open') parsedOpen.add(candidate);
    }));
    if (includeDeclaration) {
      for (const s of this.#s.symbols.lookup(name)) {
        if (!parsedOpen.has(s.path)) found.push({ key: s.path, span: s.nameSpan });
      }
    }
    return orderLocations(key, found).slice(0, MAX_REFERENCES);
  }

  /** Adds one candidate's references (and an open document's declarations) to `found`; says what it parsed. */
  async #search(candidate: string, name: string, includeDeclaration: boolean,
    found: Location[]): Promise<'open' | 'closed' | 'not parsed'> {
    await this.#s.settle(candidate);
    const lang = this.#s.languageOf(candidate);
    if (!lang) return 'not parsed';
    const bytes = this.#bytesOf(candidate);
    if (!bytes || bytes.length > this.#s.treeCapBytes()) return 'not parsed';
    const open = this.#s.openText(candidate) !== undefined;
    const outcome = await this.#s.pool.parse({ lang, bytes, path: candidate, references: true });
    for (const r of outcome.analysis?.references ?? []) {
      if (r.name === name) found.push({ key: candidate, span: r.span });
    }
    if (!open || !outcome.analysis) return 'closed';
    if (includeDeclaration) declarationsOf(outcome.analysis.symbols, name, candidate, found);
    return 'open';
  }

  /** The candidate's current text as bytes; undefined when there is none or it cannot be read (logged). */
  #bytesOf(candidate: string): Uint8Array | undefined {
    const text = this.#s.openText(candidate);
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
