/**
 * The workspace's occurrence indexes: one per workspace root, in a folder beside the root's snapshot
 * (so it outlives the process), and one for files outside every root, in a temporary folder. A key
 * goes to the index of the longest root that contains it.
 * It also knows which files have a tree but no occurrences held (`missing`): files loaded from a
 * snapshot whose index did not hold their text, and files whose segment was lost to damage. Those
 * are searched by parsing (references.ts) until `fill` has indexed them again.
 * `generation` changes whenever what is held changes, so a caller can tell whether a lookup it made
 * before awaiting anything is still current. While files are indexed in bulk (`bulk`: an index run),
 * segments pile up unmerged to a limit and the owner compacts them when the run ends.
 * Concurrency: main thread; see occurrenceIndex.ts for flushes and merges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../base/log.js';
import { decodeOccurrences, type OccurrenceKind, type PackedOccurrences } from '../../syntax/occurrences.js';
import type { Span } from '../../syntax/types.js';
import type { OccurrenceStats } from '../../protocol.js';
import { OccurrenceIndex, type OccurrenceIndexStats } from './occurrenceIndex.js';
import { BlockCache, type TextSignature } from './segment.js';

/**
 * A root's memtable budget: small against the memory setting, since it is held on top of the tiers and
 * a long session's re-indexed files fill it before it is flushed; a large tree then makes more, smaller
 * segments, merged by size (occurrenceIndex.ts).
 */
export const DEFAULT_MEMTABLE_BYTES = 4 * 1024 * 1024;
/** Segments before the newest are merged: a lookup reads one dictionary block per segment. */
const DEFAULT_MAX_SEGMENTS = 8;
/**
 * Segments before a merge while files are indexed in bulk (`bulk`): the run ends with a compaction
 * into one, and merging every few flushes meanwhile rewrote the growing segment again and again
 * (docs/decisions.md). Below the 256 holders an index can name (occurrenceIndex.ts).
 */
const BULK_MAX_SEGMENTS = 64;
/** Dictionary blocks kept: about a thousand, so names asked again are found without a read. */
export const DEFAULT_BLOCK_CACHE_BYTES = 2 * 1024 * 1024;

export interface OccurrencesOptions {
  log: Logger;
  /** Told when files go missing after they were held (a damaged segment): they should be indexed again. */
  onMissing?: () => void;
  /** Bytes a root's memtable may hold before it is written to a segment. */
  memtableBytes: number;
  /** Bytes of dictionary blocks kept in memory, over all roots. */
  blockCacheBytes: number;
  /** Segments per root before they are merged. */
  maxSegments?: number;
}


export class Occurrences {
  readonly #o: OccurrencesOptions;
  readonly #roots = new Map<string, OccurrenceIndex>();
  #loose: OccurrenceIndex | undefined;
  readonly #temps: string[] = [];
  readonly #missing = new Set<string>();
  readonly #blocks: BlockCache;
  #generation = 0;
  #bulk = false;

  constructor(options: OccurrencesOptions) {
    this.#o = options;
    this.#blocks = new BlockCache(options.blockCacheBytes);
  }

  get generation(): number {
    return this.#generation;
  }

  /** Files with a tree whose occurrences are not held. */
  get missing(): ReadonlySet<string> {
    return this.#missing;
  }

  /**
   * Bulk indexing on or off: while on, every index (and any opened meanwhile) merges its segments
   * only past BULK_MAX_SEGMENTS; the owner compacts when the bulk work ends.
   */
  bulk(on: boolean): void {
    this.#bulk = on;
    for (const index of this.#indexes()) index.setMaxSegments(this.#maxSegments());
  }

  #maxSegments(): number {
    return this.#bulk ? BULK_MAX_SEGMENTS : this.#o.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  }

  /** Opens `root`'s index in `dir` (a temporary folder when undefined: persistence is off). */
  openRoot(root: string, dir: string | undefined): void {
    const open = this.#roots.get(root);
    if (open && dir !== undefined && open.dir === dir) return;
    this.closeRoot(root);
    this.#roots.set(root, this.#open(dir));
  }

  /** Closes `root`'s index; its segments stay on disk (a temporary folder is deleted at `close`). */
  closeRoot(root: string): void {
    const index = this.#roots.get(root);
    if (!index) return;
    for (const key of index.keys()) this.#missing.delete(key);
    for (const key of [...this.#missing]) if (this.#indexFor(key, false) === index) this.#missing.delete(key);
    index.close();
    this.#roots.delete(root);
    this.#generation++;
  }

  /** Records `key`'s occurrences for the text with `signature`; `undefined` when the file has no tree. */
  record(key: string, signature: TextSignature, occurrences: PackedOccurrences | undefined): void {
    this.#generation++;
    this.#missing.delete(key);
    const index = this.#indexFor(key);
    if (occurrences) index.set(key, signature, occurrences);
    else index.delete(key);
  }

  forget(key: string): void {
    this.#generation++;
    this.#missing.delete(key);
    this.#indexFor(key, false)?.delete(key);
  }

  /** A file with a tree, loaded for the text with `signature`: missing unless its index holds that text. */
  expect(key: string, signature: TextSignature): void {
    const index = this.#indexFor(key);
    if (index.holds(key, signature)) return;
    index.delete(key);
    this.#missing.add(key);
    this.#generation++;
  }

  /** Calls `fn` for each file holding `name` with its occurrences of it, in document order. */
  lookup(name: string, fn: (key: string, run: Uint8Array) => void): void {
    for (const index of this.#indexes()) index.lookup(name, fn);
  }

  /** Writes every memtable to its segments (before a snapshot is saved, and at shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.#indexes()].map((i) => i.flush()));
  }

  /** Merges each index's segments into one (after a whole tree was indexed). */
  async compact(): Promise<void> {
    await Promise.all([...this.#indexes()].map((i) => i.compact()));
  }

  /** Waits for the flushes and merges under way. */
  async idle(): Promise<void> {
    await Promise.all([...this.#indexes()].map((i) => i.idle()));
  }

  /** Forgets the files `keep` rejects (entries a crash left for files the workspace no longer has). */
  retain(keep: (key: string) => boolean): void {
    for (const index of this.#indexes()) {
      for (const key of [...index.keys()]) if (!keep(key)) index.delete(key);
    }
    for (const key of [...this.#missing]) if (!keep(key)) this.#missing.delete(key);
    this.#generation++;
  }

  stats(): OccurrenceStats {
    const total: OccurrenceStats = {
      segments: 0, segmentBytes: 0, memtableBytes: 0, memtableFiles: 0, files: 0, flushes: 0, merges: 0,
      damaged: 0, missing: this.#missing.size, blockCacheBytes: this.#blocks.bytes,
    };
    for (const index of this.#indexes()) {
      const s = index.stats();
      for (const k of Object.keys(s) as (keyof OccurrenceIndexStats)[]) total[k] += s[k];
    }
    return total;
  }

  close(): void {
    for (const root of [...this.#roots.keys()]) this.closeRoot(root);
    this.#loose?.close();
    this.#loose = undefined;
    for (const dir of this.#temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  }

  *#indexes(): Generator<OccurrenceIndex> {
    yield* this.#roots.values();
    if (this.#loose) yield this.#loose;
  }

  #open(dir: string | undefined): OccurrenceIndex {
    let folder = dir;
    if (folder === undefined) {
      folder = mkdtempSync(join(tmpdir(), 'strata-occurrences-'));
      this.#temps.push(folder);
    }
    return OccurrenceIndex.open({
      dir: folder, memtableBytes: this.#o.memtableBytes, maxSegments: this.#maxSegments(),
      blocks: this.#blocks, log: this.#o.log,
      onLost: (keys) => {
        for (const k of keys) this.#missing.add(k);
        this.#generation++;
        this.#o.onMissing?.();
      },
    });
  }

  #indexFor(key: string): OccurrenceIndex;
  #indexFor(key: string, create: false): OccurrenceIndex | undefined;
  #indexFor(key: string, create = true): OccurrenceIndex | undefined {
    let best: string | undefined;
    for (const root of this.#roots.keys()) {
      if (key.startsWith(root.endsWith('/') ? root : root + '/') && (best === undefined || root.length > best.length))
        best = root;
    }
    if (best !== undefined) return this.#roots.get(best)!;
    if (!this.#loose && create) this.#loose = this.#open(undefined);
    return this.#loose;
  }
}

/** The occurrences in a run of `name` (as `lookup` gives them), in document order. */
export function occurrencesIn(name: string, run: Uint8Array): { span: Span; kind: OccurrenceKind }[] {
  return decodeOccurrences(name, run, 0, run.length);
}
