/**
 * SourceCache: the facade other layers code against. It owns the entries (one per key), the tier
 * lists and the chunk store, and turns every verification failure into verified fallback bytes or an
 * IntegrityError.
 *
 * Guarantees
 * - Never returns unverified bytes (entry/rebuild.ts); fallback bytes are verified against the entry's
 *   current length and CRC-32, then re-put, which repairs shared damaged chunks in place.
 * - An entry's chunk list is CRC-checked before any use; one that fails is never followed, its
 *   references are settled from the store, and the entry is evicted until refilled from its fallback.
 * - After every public call warm stored bytes ≤ warm budget; cold ≤ cold budget as far as entries with
 *   a fallback can be evicted (entries without one never are: their bytes exist nowhere else).
 * - A cold entry is served from its packs and moves warm only on its second read (two-hit admission,
 *   as in 2Q), because one-off reads (indexing, searches) must not push files in use out of warm.
 * - A put over an existing key, or with `{ previous }`, may store new chunks as deltas against the
 *   previous version's (store/delta-source.ts); to everything else a delta is a chunk like any other.
 * - A backed entry (`adopt`, `back`: its fallback holds its current text, as a persistent store's
 *   copy or as the file it was just read from) never goes cold: its bytes leave
 *   memory instead (metadata only, refilled from the fallback, verified, on its next read), so the
 *   cold tier holds only texts that exist nowhere else. An entry is backed only while its text is the
 *   one declared (length and CRC, compared when declared) and its fallback the one given: an edit,
 *   another text or another fallback ends it.
 * - `compact` folds a journal; an entry without one (a metadata-only entry among them) is left as is.
 * Concurrency: synchronous and single-threaded after `await createSourceCache()`, which waits for zstd.
 */
import { StreamingChunker, DEFAULT_CHUNKING, validateChunking, type ChunkingOptions } from './chunking/index.js';
import { ChunkStore } from './store/chunk-store.js';
import { DeltaSource } from './store/delta-source.js';
import { initZstd, DEFAULT_ZSTD_LEVEL } from './codecs/index.js';
import { Entry, type Backing, type EntryTier } from './entry/entry.js';
import { candidateFrom, type Fallback } from './entry/fallback.js';
import { encodeRecord, type JournalEdit } from './entry/journal.js';
import { rebuildBase, rebuildCurrent, decodeJournal } from './entry/rebuild.js';
import { TierLists } from './tiers/lru.js';
import { crc32 } from './common/crc32.js';
import { CorruptionDetected, IntegrityError, MissingEntryError } from './common/errors.js';
import type { CacheStats } from './stats.js';

export interface SourceCacheOptions {
  chunking?: Partial<ChunkingOptions>;
  /** Budget of the warm tier in stored bytes (default: unlimited). */
  warmBytes?: number;
  /** Budget of the cold tier in stored bytes (default: unlimited). */
  coldBytes?: number;
  /** Journal records per entry before appendEdit asks for a compaction (default 256). */
  journalLimit?: number;
  /** Slab size in bytes, 1 KiB..1 MiB (default 1 MiB). */
  slabSize?: number;
  /** Raw bytes per cold pack (default 128 KiB). */
  packBytes?: number;
  zstdLevel?: number;
  /** Decompressed packs kept for reads of cold chunks (default 4). */
  cachedPacks?: number;
}

export interface PutOptions {
  /**
   * Key of the previous version of this file (e.g. the same path in the release before, kept
   * under its own key): new chunks may be stored as deltas against its chunks. Default: the key
   * itself when it already has an entry. An unknown or evicted key simply gives no deltas.
   */
  previous?: string;
  /** Set false to store every new chunk whole (default true). */
  deltas?: boolean;
}

export interface AppendOptions {
  /** CRC-32 of the whole text after this edit, when the caller already knows it: it is then verified on read. */
  crcAfter?: number;
}

export async function createSourceCache(options: SourceCacheOptions = {}): Promise<SourceCache> {
  await initZstd();
  return new SourceCache(options);
}

export class SourceCache {
  /** @internal (fault injection via debugStorage) */
  readonly store: ChunkStore;
  /** @internal */
  readonly entries = new Map<string, Entry>();
  private readonly tiers = new TierLists();
  private readonly chunking: ChunkingOptions;
  private readonly journalLimit: number;
  private warmBudget: number;
  private coldBudget: number;
  private readonly counters = { verifiedReads: 0, crcFailures: 0, fallbacks: 0, refills: 0, originChanged: 0 };
  private rawBytes = 0;
  private journalBytes = 0;
  private hot = { files: 0, bytes: 0 };
  private readonly slotBuffer: number[] = [];
  private readonly chunker: StreamingChunker;
  private deltaSource: DeltaSource | undefined;

  /** Prefer `createSourceCache`; direct construction requires `await initZstd()` first. */
  constructor(options: SourceCacheOptions = {}) {
    this.chunking = validateChunking({ ...DEFAULT_CHUNKING, ...options.chunking });
    this.journalLimit = options.journalLimit ?? 256;
    this.warmBudget = options.warmBytes ?? Infinity;
    this.coldBudget = options.coldBytes ?? Infinity;
    this.store = new ChunkStore({
      slabSize: options.slabSize ?? 1 << 20,
      packBytes: options.packBytes ?? 128 * 1024,
      zstdLevel: options.zstdLevel ?? DEFAULT_ZSTD_LEVEL,
      cachedPacks: options.cachedPacks ?? 4,
    });
    this.chunker = new StreamingChunker(this.chunking, (chunk) =>
      this.slotBuffer.push(this.store.addChunk(chunk, this.deltaSource)));
  }

  get chunkingOptions(): Readonly<ChunkingOptions> {
    return this.chunking;
  }

  private entry(key: string): Entry {
    const e = this.entries.get(key);
    if (!e) throw new MissingEntryError(key);
    return e;
  }

  /**
   * (Re)places the entry with `text`: empty journal, warm. Omitting `fallback` keeps the previous
   * one. `options.previous` names the previous version of this file when it is kept under another
   * key (see PutOptions).
   */
  put(key: string, text: Uint8Array, fallback?: Fallback, options?: PutOptions): void {
    this.putStream(key, [text], fallback, options);
  }

  /**
   * Like put, but takes the text in pieces of any size (e.g. from a file stream): each piece is
   * chunked, hashed and compressed as it arrives, so only the current chunk is ever buffered.
   */
  putStream(key: string, pieces: Iterable<Uint8Array>, fallback?: Fallback, options: PutOptions = {}): void {
    this.putEntry(key, pieces, fallback, options);
    this.enforceBudgets();
  }

  /** `putStream` but for the budgets: the caller enforces them. Returns the new entry (warm). */
  private putEntry(
    key: string, pieces: Iterable<Uint8Array>, fallback: Fallback | undefined, options: PutOptions,
  ): Entry {
    let length = 0;
    let crc = 0;
    this.slotBuffer.length = 0;
    const old = this.entries.get(key);
    const prev = options.deltas === false
      ? undefined
      : options.previous !== undefined ? this.entries.get(options.previous) : old;
    // A damaged previous list would propose wrong (maybe nonexistent) slots as bases: no deltas then.
    this.deltaSource = prev && prev.chunks.length > 0 && prev.chunksIntact()
      ? new DeltaSource(prev.chunks, (s) => this.store.rawLength(s), prev === old)
      : undefined;
    try {
      for (const piece of pieces) {
        crc = crc32(piece, crc);
        length += piece.length;
        this.chunker.push(piece);
      }
      this.chunker.finish();
    } finally {
      this.deltaSource = undefined;
    }
    const slots = Uint32Array.from(this.slotBuffer);
    this.slotBuffer.length = 0;
    const e = new Entry(key, fallback ?? old?.fallback);
    // The same text under the same fallback (a refill, a recovery, a compaction) stays backed.
    if (old !== undefined && (fallback === undefined || fallback === old.fallback)
      && old.length === length && old.crc === crc) e.backing = old.backing;
    if (old) this.dropContent(old);
    e.setChunks(slots);
    e.baseLength = length;
    e.baseCrc = crc;
    e.length = length;
    e.crc = crc;
    this.rawBytes += length;
    this.entries.set(key, e);
    if (old) this.tiers.remove(old);
    this.tiers.touch(e);
    return e;
  }

  /** Releases an entry's chunks and journal (the entry object itself is discarded or reset by the caller). */
  private dropContent(e: Entry): void {
    if (!e.chunksIntact()) {
      // Its list names wrong slots: releasing them would drift reference counts. Its references are
      // recounted from the store instead (and it becomes evicted, its content dropped).
      this.settleDamagedLists(e);
      return;
    }
    const warm = e.tier === 'warm';
    for (const slot of e.chunks) this.store.release(slot, warm);
    this.rawBytes -= e.baseLength;
    this.journalBytes -= e.journalBytes;
    e.clearChunks();
    e.records = [];
  }

  /**
   * Entries whose chunk list fails its CRC (`also` and any other): their references are released
   * by what the store says they hold, and they become evicted (metadata only: refilled from their
   * verified fallback on the next read, or a clear IntegrityError without one).
   *
   * Why this is exact: every reference a chunk has is held by an entry's list or by a delta on it.
   * The lists that verify and the deltas are counted; what remains of each chunk's references (and
   * warm references) is held by the damaged lists — by all of them together, which is why they are
   * all settled at once rather than split by guesswork. No slot is released beyond what it really
   * has, so a flipped slot number never frees a chunk someone else uses. Cost: one pass over every
   * list and slot (only when damage is found); two transient counters per chunk slot.
   */
  private settleDamagedLists(also?: Entry): void {
    const damaged = new Set<Entry>();
    if (also && also.tier !== 'evicted') damaged.add(also);
    for (const e of this.entries.values()) if (e.tier !== 'evicted' && !e.chunksIntact()) damaged.add(e);
    if (damaged.size === 0) return;
    const st = this.store;
    const t = st.table;
    const refs = new Uint32Array(t.slotLimit);
    const warm = new Uint32Array(t.slotLimit);
    for (const e of this.entries.values()) {
      if (e.tier === 'evicted' || damaged.has(e)) continue;
      for (const slot of e.chunks) {
        refs[slot]++;
        if (e.tier === 'warm') warm[slot]++;
      }
    }
    const held: number[] = [];
    for (const slot of t.slots()) {
      const base = st.deltaBase(slot);
      if (base < 0) continue;
      refs[base]++;
      if (t.warmRefs(slot) > 0) warm[base]++;
    }
    for (const slot of t.slots()) {
      const r = t.refs(slot) - refs[slot];
      if (r > 0) held.push(slot, r, Math.min(r, Math.max(0, t.warmRefs(slot) - warm[slot])));
    }
    for (let i = 0; i < held.length; i += 3) {
      const [slot, r, w] = [held[i], held[i + 1], held[i + 2]];
      for (let k = 0; k < r; k++) st.release(slot, k < w);
    }
    for (const e of damaged) {
      this.rawBytes -= e.baseLength;
      this.journalBytes -= e.journalBytes;
      e.clearChunks();
      e.records = [];
      e.baseLength = 0;
      e.coldReads = 0;
      this.tiers.move(e, 'evicted');
    }
  }

  /** The current text, verified. */
  read(key: string): Uint8Array {
    const e = this.entry(key);
    if (e.tier === 'evicted') return this.refill(e).text;
    let result: { base: Uint8Array; text: Uint8Array };
    try {
      result = rebuildCurrent(this.store, e);
    } catch (err) {
      if (!(err instanceof CorruptionDetected)) throw err;
      return this.recover(e, err);
    }
    this.counters.verifiedReads++;
    e.crc ??= crc32(result.text);
    this.afterRead(e, result.base);
    return result.text;
  }

  /** The text at the journal's base, verified. */
  readBase(key: string): Uint8Array {
    const e = this.entry(key);
    if (e.tier === 'evicted') return this.refill(e).text;
    let base: Uint8Array;
    try {
      base = rebuildBase(this.store, e);
    } catch (err) {
      if (!(err instanceof CorruptionDetected)) throw err;
      return this.recover(e, err);
    }
    this.counters.verifiedReads++;
    this.afterRead(e, base);
    return base;
  }

  /** The journal's edits, each verified by its record CRC. */
  journal(key: string): readonly JournalEdit[] {
    const e = this.entry(key);
    try {
      return decodeJournal(e).map((r) => r.edit);
    } catch (err) {
      if (!(err instanceof CorruptionDetected)) throw err;
      this.recover(e, err);
      return [];
    }
  }

  /**
   * Appends an edit (byte offsets into the current text). Costs O(edit), not O(file). Returns false
   * when the journal is full: the caller then compacts (or re-puts) and appends again.
   */
  appendEdit(key: string, edit: JournalEdit, options: AppendOptions = {}): boolean {
    const e = this.entry(key);
    if (e.tier !== 'evicted') return this.append(e, edit, options);
    // Refilled, the entry is a new one, resident until the edit is in it (a backed entry would leave
    // memory again at once under a small budget); the budgets then hold again.
    try {
      return this.append(this.refill(e, false).entry, edit, options);
    } finally {
      this.enforceBudgets();
    }
  }

  private append(e: Entry, edit: JournalEdit, options: AppendOptions): boolean {
    if (e.records.length >= this.journalLimit) return false;
    if (!(Number.isInteger(edit.start) && Number.isInteger(edit.end)
      && 0 <= edit.start && edit.start <= edit.end && edit.end <= e.length)) {
      throw new RangeError(`edit [${edit.start}, ${edit.end}) outside text of ${e.length} bytes`);
    }
    const lengthAfter = e.length - (edit.end - edit.start) + edit.text.length;
    const record = encodeRecord(edit, lengthAfter, options.crcAfter);
    e.records.push(record);
    this.journalBytes += record.length;
    e.length = lengthAfter;
    e.crc = options.crcAfter;
    e.backing = 'none';
    this.tiers.touch(e);
    return true;
  }

  /** Folds the journal into new chunks: the current text becomes the base (without a journal: nothing to do). */
  compact(key: string): void {
    const e = this.entry(key);
    if (e.records.length === 0) return;
    const text = this.read(key);
    if (this.entries.get(key)?.records.length) this.put(key, text);
  }

  /**
   * Adopts a text by its length and CRC-32 only (a file recorded in a persistent snapshot: `copy`; a
   * file just read, whose bytes the cache need not hold: `origin`): the entry is created evicted —
   * metadata only, no bytes — and is refilled from `fallback` on first read, whose bytes are served
   * only if they match `length` and `crc` (else IntegrityError). The entry is backed (see `Backing`):
   * `fallback` is where its text lives. Replaces any entry `key` had.
   */
  adopt(key: string, meta: { length: number; crc: number }, fallback: Fallback,
    backing: Exclude<Backing, 'none'> = 'copy'): void {
    if (!(Number.isSafeInteger(meta.length) && meta.length >= 0
      && Number.isInteger(meta.crc) && meta.crc >= 0 && meta.crc <= 0xffffffff)) {
      throw new RangeError(`adopt ${JSON.stringify(key)}: bad length ${meta.length} or CRC ${meta.crc}`);
    }
    const old = this.entries.get(key);
    if (old) {
      this.dropContent(old);
      this.tiers.remove(old);
    }
    const e = new Entry(key, fallback);
    e.length = meta.length;
    e.crc = meta.crc >>> 0;
    e.tier = 'evicted';
    e.backing = backing;
    this.entries.set(key, e);
    this.tiers.touch(e);
    if (old) this.enforceBudgets();
  }

  /**
   * Declares that `fallback` durably holds `key`'s text of `meta` (e.g. a persistent store whose save
   * committed it). Only if that is the entry's current text (length and CRC, compared now): the entry
   * takes `fallback` and is backed — cold, its bytes leave memory at once (metadata only, as `adopt`
   * makes it); warm, they leave when it is demoted, instead of going cold; a read refills it from
   * `fallback`, verified. Returns false, changing nothing, for another text, an unknown CRC or key.
   */
  back(key: string, meta: { length: number; crc: number }, fallback: Fallback): boolean {
    const e = this.entries.get(key);
    if (!e || e.crc === undefined || e.length !== meta.length || e.crc !== meta.crc >>> 0) return false;
    e.fallback = fallback;
    e.backing = 'copy';
    if (e.tier === 'cold') {
      this.evict(e);
      this.store.flushCold();
    }
    return true;
  }

  /** True for an entry whose fallback holds its current text (`adopt`, `back`). */
  isBacked(key: string): boolean {
    return (this.entries.get(key)?.backing ?? 'none') !== 'none';
  }

  /** How the entry's fallback holds its current text (see `Backing`); undefined for an unknown key. */
  backing(key: string): Backing | undefined {
    return this.entries.get(key)?.backing;
  }

  /**
   * The current text, verified, without making the entry more recent or moving it between tiers
   * (for copying texts out, e.g. writing a snapshot, without churning the tiers). An evicted entry
   * returns its fallback's verified bytes without storing them. Only a detected corruption changes
   * state: it is repaired from the fallback exactly as `read` does, or raises IntegrityError.
   */
  peek(key: string): Uint8Array {
    const e = this.entry(key);
    if (e.tier === 'evicted') {
      const candidate = this.verifiedCandidate(e);
      if (!candidate) throw this.unrefillable(e, 'evicted entry: its fallback gave no verified bytes');
      this.counters.verifiedReads++;
      return candidate;
    }
    let text: Uint8Array;
    try {
      text = rebuildCurrent(this.store, e).text;
    } catch (err) {
      if (!(err instanceof CorruptionDetected)) throw err;
      return this.recover(e, err);
    }
    this.counters.verifiedReads++;
    e.crc ??= crc32(text);
    return text;
  }

  /** Replaces the entry's fallback (it is no longer backed: see `back`). */
  setFallback(key: string, fallback: Fallback | undefined): void {
    const e = this.entry(key);
    e.fallback = fallback;
    e.backing = 'none';
  }

  tier(key: string): EntryTier | undefined {
    return this.entries.get(key)?.tier;
  }

  /** Makes an entry most recently used without reading it (e.g. the file is open in an editor). */
  touch(key: string): void {
    this.tiers.touch(this.entry(key));
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.dropContent(e);
    this.tiers.remove(e);
    this.entries.delete(key);
    this.store.flushCold();
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  setBudgets(b: { warmBytes?: number; coldBytes?: number }): void {
    if (b.warmBytes !== undefined) this.warmBudget = b.warmBytes;
    if (b.coldBytes !== undefined) this.coldBudget = b.coldBytes;
    this.enforceBudgets();
  }

  /** The syntax layer's report of its hot tier (live trees), echoed in stats(). */
  reportHot(hot: { files: number; bytes: number }): void {
    this.hot = { files: hot.files, bytes: hot.bytes };
  }

  stats(): CacheStats {
    const s = this.store;
    const stored = s.warmStoredBytes + s.coldStoredBytes;
    let evictedBytes = 0;
    for (const e of this.tiers.leastRecent('evicted')) evictedBytes += e.length;
    let backed = 0;
    for (const e of this.entries.values()) if (e.backing !== 'none') backed++;
    return {
      store: {
        rawBytes: this.rawBytes,
        storedBytes: stored,
        chunks: s.refCount,
        uniqueChunks: s.uniqueChunks,
        uniqueRawBytes: s.uniqueRawBytes,
        deltaChunks: s.deltaChunks,
        dedupRatio: s.uniqueRawBytes > 0 ? this.rawBytes / s.uniqueRawBytes : 1,
        compressionRatio: stored > 0 ? s.uniqueRawBytes / stored : 1,
        slabBytes: s.slabs.slabBytes + s.packs.frames.slabBytes,
        metadataBytes: s.metadataBytes,
        journalBytes: this.journalBytes,
        // Every reference is one u32 in one entry's chunk list (evicted entries hold none).
        chunkListBytes: s.refCount * 4,
      },
      integrity: { ...this.counters },
      tiers: {
        hot: { ...this.hot },
        warm: { files: this.tiers.size('warm'), bytes: s.warmStoredBytes },
        cold: { files: this.tiers.size('cold'), bytes: s.coldStoredBytes },
        evicted: { files: this.tiers.size('evicted'), bytes: evictedBytes },
      },
      backedFiles: backed,
    };
  }

  private afterRead(e: Entry, verifiedBase: Uint8Array): void {
    if (e.tier === 'cold' && ++e.coldReads >= 2) {
      e.coldReads = 0;
      let at = 0;
      for (const slot of e.chunks) {
        const n = this.store.rawLength(slot);
        this.store.addWarmRef(slot, verifiedBase.subarray(at, at + n));
        at += n;
      }
      this.tiers.move(e, 'warm');
    }
    this.tiers.touch(e);
    this.enforceBudgets();
  }

  /** A failed verification: serve the fallback's bytes if they verify, else raise IntegrityError. */
  private recover(e: Entry, err: CorruptionDetected): Uint8Array {
    this.counters.crcFailures++;
    // A damaged chunk list: the entry's references are recounted and it turns evicted (the re-put
    // below refills it). Else mark every damaged chunk of the entry (the read stopped at the
    // first), so the re-put below, or a later put of the same content, repairs them all in place
    // (store/chunk-store.ts).
    if (!e.chunksIntact()) this.settleDamagedLists(e);
    else this.store.checkChunks(e.chunks);
    if (!e.fallback) throw new IntegrityError(e.key, err.failure, 'none', err.message);
    if (e.crc === undefined)
      throw new IntegrityError(e.key, err.failure, 'unverifiable', `${err.message}; the current text's CRC is unknown`);
    const candidate = this.verifiedCandidate(e);
    if (!candidate) throw new IntegrityError(e.key, err.failure, 'unverified', err.message);
    this.counters.fallbacks++;
    this.put(e.key, candidate, e.fallback);
    return candidate.slice();
  }

  /**
   * The error for an evicted entry whose fallback gave no verified bytes, counted: as a CRC failure,
   * unless the fallback is the text's origin (a file), which has simply changed since — no damage.
   */
  private unrefillable(e: Entry, message: string): IntegrityError {
    if (e.backing === 'origin') this.counters.originChanged++;
    else this.counters.crcFailures++;
    return new IntegrityError(e.key, 'text-crc', e.fallback ? 'unverified' : 'none', message);
  }

  private verifiedCandidate(e: Entry): Uint8Array | undefined {
    const candidate = candidateFrom(e.fallback);
    if (!candidate || candidate.length !== e.length || e.crc === undefined || crc32(candidate) !== e.crc)
      return undefined;
    return candidate.slice();
  }

  /** An evicted entry put again from its fallback's verified bytes (budgets enforced unless `enforce` is false). */
  private refill(e: Entry, enforce = true): { text: Uint8Array; entry: Entry } {
    const candidate = this.verifiedCandidate(e);
    if (!candidate) throw this.unrefillable(e, 'evicted entry could not be refilled');
    this.counters.refills++;
    const entry = this.putEntry(e.key, [candidate], e.fallback, {});
    if (enforce) this.enforceBudgets();
    return { text: candidate.slice(), entry };
  }

  private demote(e: Entry): void {
    if (e.tier !== 'warm') return; // settled (evicted) earlier in the same pass
    if (!e.chunksIntact()) {
      this.settleDamagedLists(e);
      return;
    }
    // Its fallback holds the text: a cold copy would only duplicate it in memory.
    if (e.backing !== 'none') {
      this.evict(e);
      return;
    }
    e.coldReads = 0;
    for (const slot of e.chunks) this.store.dropWarmRef(slot);
    this.tiers.move(e, 'cold');
  }

  /** Drops a warm or cold entry's bytes: metadata only, refilled from its fallback on its next read. */
  private evict(e: Entry): void {
    if (e.tier === 'evicted') return; // settled (evicted) earlier in the same pass
    this.dropContent(e);
    e.baseLength = 0;
    e.coldReads = 0;
    this.tiers.move(e, 'evicted');
  }

  private enforceBudgets(): void {
    const s = this.store;
    const lowWater = (budget: number) => budget - Math.floor(budget / 8);
    if (s.warmStoredBytes - s.pendingStoredBytes > this.warmBudget) {
      const target = lowWater(this.warmBudget);
      for (const e of [...this.tiers.leastRecent('warm')]) {
        if (s.warmStoredBytes - s.pendingStoredBytes <= target) break;
        this.demote(e);
      }
    }
    s.flushCold();
    if (s.coldStoredBytes > this.coldBudget) {
      const target = lowWater(this.coldBudget);
      for (const e of [...this.tiers.leastRecent('cold')]) {
        if (s.coldStoredBytes <= target) break;
        if (!e.fallback || e.crc === undefined) continue;
        this.evict(e);
        s.flushCold();
      }
    }
  }
}
