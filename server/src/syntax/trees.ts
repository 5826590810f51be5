/**
 * Tree lifetime accounting: the one place where syntax trees are created and deleted.
 *
 * Design: every tree-sitter `Tree` this thread keeps is wrapped in an `OwnedTree`, created only by
 * `TreeLedger.parse` (or `adopt` for a tree a parse call returned). The handle owns the tree: reading
 * `.tree` after `release()` throws, and `release()` nulls the reference before calling `delete()`, so
 * a second release is a no-op by construction and a deleted tree cannot be reached through it.
 * Guarantees: `created - deleted === live` at all times; `live` counts exactly the handles not yet
 * released; each wasm tree is deleted exactly once (double delete would corrupt the wasm heap).
 * One ledger per thread (trees belong to their thread's wasm heap); workers report their own counts.
 */
import type { Parser, Tree } from 'web-tree-sitter';

/**
 * The tree type, for code above syntax/ that is lent a tree (`withTree` callbacks): never imported there
 * from web-tree-sitter.
 */
export type { Tree };
import type { LanguageName } from './languages.js';

export interface TreeCounts {
  live: number;
  created: number;
  deleted: number;
}

/** A tree plus what it was parsed from; the only holder of the tree's lifetime. */
export class OwnedTree {
  #tree: Tree | null;
  readonly #onDelete: () => void;
  /** Language of the tree. */
  readonly lang: LanguageName;
  /** Length, in UTF-16 code units, of the text the tree was parsed from (for journal validation). */
  readonly textLength: number;

  /** @internal use TreeLedger.parse / adopt */
  constructor(onDelete: () => void, tree: Tree, lang: LanguageName, textLength: number) {
    this.#onDelete = onDelete;
    this.#tree = tree;
    this.lang = lang;
    this.textLength = textLength;
  }

  get alive(): boolean {
    return this.#tree !== null;
  }

  /** The tree; throws once released so no code can use a deleted tree. */
  get tree(): Tree {
    if (this.#tree === null) throw new Error('strata: tree used after release');
    return this.#tree;
  }

  /** Deletes the tree (once); later calls do nothing. */
  release(): void {
    const t = this.#tree;
    if (t === null) return;
    this.#tree = null; // null first: even if delete() threw, nobody could delete it again
    this.#onDelete();
    t.delete();
  }
}

export class TreeLedger {
  #created = 0;
  #deleted = 0;

  /**
   * Parses `text` (optionally reusing an edited `oldTree`) and returns an owned tree.
   * web-tree-sitter returns null only when parsing was cancelled, which Strata never asks for.
   */
  parse(parser: Parser, text: string, lang: LanguageName, oldTree?: OwnedTree): OwnedTree {
    const tree = parser.parse(text, oldTree ? oldTree.tree : null);
    if (!tree) throw new Error(`strata: tree-sitter returned no tree (${lang})`);
    return this.adopt(tree, lang, text.length);
  }

  /** Takes ownership of a tree created elsewhere in this thread. */
  adopt(tree: Tree, lang: LanguageName, textLength: number): OwnedTree {
    this.#created++;
    return new OwnedTree(this.#countDelete, tree, lang, textLength);
  }

  // One closure shared by all handles: only a handle's release() can count a deletion.
  readonly #countDelete = (): void => {
    this.#deleted++;
  };

  counts(): TreeCounts {
    return { live: this.#created - this.#deleted, created: this.#created, deleted: this.#deleted };
  }
}

/** The ledger of the current thread: everything that keeps trees in this thread counts here. */
export const threadLedger = new TreeLedger();
