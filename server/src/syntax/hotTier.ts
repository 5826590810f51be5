/**
 * The hot tier: documents with their text and a live tree, least recently used out first, under a
 * budget in wasm-heap bytes (treeCost.ts).
 *
 * A hot document holds its `EditableText`, a tree of some earlier version, and the edits since; edits
 * update the text and queue their tree form, and `withTree` brings the tree up to date with one
 * incremental reparse (`rebuildTree`). A document that is not hot is loaded through the `WarmSide`.
 * Guarantees: after every call tree bytes ≤ budget, except the one document being served, because
 * otherwise a file larger than the budget could never be served. Eviction takes documents not open
 * in an editor first; an open one only loses its tree and text. Documents without a tree cost no heap.
 * Demotion releases the tree exactly once and calls `WarmSide.demoted` so the caller can write back.
 * Trees never leave: `withTree` lends a tree to a synchronous callback only.
 * Concurrency: main thread; `withTree` may wait for a grammar, and re-checks the document after.
 */
import type { Tree } from 'web-tree-sitter';
import type { LanguageName } from './languages.js';
import { parserFor } from './parsers.js';
import { DEFAULT_MAX_EDITS, rebuildTree, threadJournalStats, type JournalStats } from './rebuild.js';
import { EditableText, type JournalEdit, type TextEdit } from './textEdits.js';
import { estimateTreeBytes } from './treeCost.js';
import { threadLedger, type OwnedTree, type TreeLedger } from './trees.js';

/** What the hot tier needs from the tier below (the cache), kept small so it can be faked or wired. */
export interface WarmSide {
  /** The verified current text of `key` and its language, or undefined when unknown. */
  load(key: string): { text: string; lang: LanguageName } | undefined;
  /** The editor opened `key` with `text` (which may differ from what the cache holds). */
  opened?(key: string, text: string): void;
  /** An edit was applied to a hot document: record it (e.g. append to the cache's journal). */
  edited?(key: string, edit: JournalEdit, text: () => string): void;
  /** `key` left the hot tier; `text` is its current text (already recorded through `edited`). */
  demoted?(key: string, text: string): void;
}

export interface HotStats {
  files: number;
  /** Estimated wasm-heap bytes of the live trees. */
  bytes: number;
  /** UTF-16 code units of text held (JS heap, outside the budget). */
  textChars: number;
  demotions: number;
}

export interface HotTierOptions {
  budgetBytes: number;
  warm: WarmSide;
  /** Journal length after which a rebuild does a full parse (default 256). */
  maxEdits?: number;
  /** Rebuild in exact mode (see rebuild.ts). */
  exact?: boolean;
  ledger?: TreeLedger;
  journalStats?: JournalStats;
}

interface HotDoc {
  key: string;
  lang: LanguageName;
  text: EditableText;
  tree: OwnedTree | undefined;
  /** Edits since `tree` was parsed. */
  pending: JournalEdit[];
  bytes: number;
}

export class HotTier {
  #budget: number;
  #maxTrees = Infinity;
  readonly #warm: WarmSide;
  readonly #maxEdits: number;
  readonly #exact: boolean;
  readonly #ledger: TreeLedger;
  readonly #journal: JournalStats;
  /** Map order is recency: first = least recently used. */
  readonly #docs = new Map<string, HotDoc>();
  /** Documents open in an editor; kept apart from #docs so it survives demotion. */
  readonly #open = new Set<string>();
  #bytes = 0;
  #demotions = 0;
  #inUse: string | undefined;

  constructor(o: HotTierOptions) {
    this.#budget = o.budgetBytes;
    this.#warm = o.warm;
    this.#maxEdits = o.maxEdits ?? DEFAULT_MAX_EDITS;
    this.#exact = o.exact ?? false;
    this.#ledger = o.ledger ?? threadLedger;
    this.#journal = o.journalStats ?? threadJournalStats;
  }

  /** The editor opened `key` with `text`: it becomes hot and pinned (its tree is built when needed). */
  open(key: string, text: string, lang: LanguageName): void {
    this.#open.add(key);
    const old = this.#docs.get(key);
    if (old && old.text.text === text && old.lang === lang) {
      this.#touch(old);
      return;
    }
    if (old) this.#drop(old, false);
    this.#warm.opened?.(key, text);
    this.#docs.set(key, { key, lang, text: new EditableText(text), tree: undefined, pending: [], bytes: 0 });
  }

  /** The editor closed `key`: it stays hot until the budget pushes it out. */
  close(key: string): void {
    this.#open.delete(key);
  }

  /** Applies an edit (UTF-16 offsets) to a document, loading it if needed; returns its journal record. */
  edit(key: string, edit: TextEdit): JournalEdit {
    const d = this.#docs.get(key) ?? this.#load(key);
    const { journal } = d.text.apply(edit); // throws EditRangeError with nothing changed
    if (d.tree) d.pending.push(journal);
    this.#touch(d);
    this.#warm.edited?.(key, journal, () => d.text.text);
    return journal;
  }

  /**
   * The current text with its line index (loading the document if needed), for converting editor
   * positions to offsets. Read-only use: edits go through `edit` so the journal sees them.
   */
  editable(key: string): Readonly<Pick<EditableText, 'text' | 'index'>> {
    return (this.#docs.get(key) ?? this.#load(key)).text;
  }

  /** The current text of a hot document (loading it if needed). */
  text(key: string): string {
    return (this.#docs.get(key) ?? this.#load(key)).text.text;
  }

  /**
   * Lends the up-to-date tree and text of `key` to `fn` (synchronously; do not keep the tree).
   * Promotes the document if it is not hot, then enforces the budget.
   */
  async withTree<T>(key: string, fn: (tree: Tree, text: string) => T): Promise<T> {
    let d = this.#docs.get(key) ?? this.#load(key);
    const parser = await parserFor(d.lang);
    // The document may have been demoted or replaced while the grammar loaded.
    d = this.#docs.get(key) ?? this.#load(key);
    const prev = this.#inUse;
    this.#inUse = key;
    try {
      if (!d.tree || d.pending.length > 0) {
        const r = rebuildTree({
          parser, lang: d.lang, base: d.tree, edits: d.pending,
          text: d.text.text, textBytes: d.text.index.byteLength, maxEdits: this.#maxEdits, exact: this.#exact,
        }, this.#ledger, this.#journal);
        d.tree = r.tree;
        d.pending = [];
        this.#setBytes(d, estimateTreeBytes(r.tree));
      }
      this.#touch(d);
      this.#enforce();
      return fn(d.tree.tree, d.text.text);
    } finally {
      this.#inUse = prev;
      this.#enforce();
    }
  }

  /** Demotes `key` now (e.g. the file was deleted or the user asked to free memory). */
  demote(key: string): void {
    const d = this.#docs.get(key);
    if (d) this.#drop(d, true);
  }

  /** Forgets `key` without the write-back callback (the file is gone). */
  forget(key: string): void {
    this.#open.delete(key);
    const d = this.#docs.get(key);
    if (d) this.#drop(d, false);
  }

  has(key: string): boolean {
    return this.#docs.has(key);
  }

  hasTree(key: string): boolean {
    return this.#docs.get(key)?.tree !== undefined;
  }

  /**
   * A limit on the number of live trees, on top of the byte budget (default: none). Strata's own
   * policy is the byte budget; a count limit exists to compare with servers that bound trees by
   * count (rust-analyzer's LRU of 128) in the benchmark.
   */
  setMaxTrees(count: number): void {
    this.#maxTrees = count;
    this.#enforce();
  }

  #treeCount(): number {
    let n = 0;
    for (const d of this.#docs.values()) if (d.tree) n++;
    return n;
  }

  setBudget(bytes: number): void {
    this.#budget = bytes;
    this.#enforce();
  }

  stats(): HotStats {
    let textChars = 0;
    for (const d of this.#docs.values()) textChars += d.text.text.length;
    return { files: this.#docs.size, bytes: this.#bytes, textChars, demotions: this.#demotions };
  }

  /** Demotes everything (shutdown); afterwards no tree is held. */
  dispose(): void {
    for (const d of [...this.#docs.values()]) this.#drop(d, true);
  }

  #load(key: string): HotDoc {
    const got = this.#warm.load(key);
    if (!got) throw new Error(`strata: no text for '${key}'`);
    const d: HotDoc = { key, lang: got.lang, text: new EditableText(got.text), tree: undefined, pending: [], bytes: 0 };
    this.#docs.set(key, d);
    return d;
  }

  #touch(d: HotDoc): void {
    this.#docs.delete(d.key);
    this.#docs.set(d.key, d);
  }

  #setBytes(d: HotDoc, bytes: number): void {
    this.#bytes += bytes - d.bytes;
    d.bytes = bytes;
  }

  #drop(d: HotDoc, writeBack: boolean): void {
    const text = d.text.text;
    d.tree?.release();
    d.tree = undefined;
    d.pending = [];
    this.#setBytes(d, 0);
    this.#docs.delete(d.key);
    if (!writeBack) return;
    this.#demotions++;
    this.#warm.demoted?.(d.key, text);
  }

  #enforce(): void {
    const within = () => this.#bytes <= this.#budget && this.#treeCount() <= this.#maxTrees;
    if (within()) return;
    // Pass 1: documents not open in an editor; pass 2: open ones. LRU first in both.
    for (const pinnedPass of [false, true]) {
      for (const d of [...this.#docs.values()]) {
        if (within()) return;
        if (this.#open.has(d.key) !== pinnedPass || d.key === this.#inUse || !d.tree) continue;
        this.#drop(d, true);
      }
    }
  }
}
