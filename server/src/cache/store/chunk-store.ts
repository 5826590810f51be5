/**
 * The chunk store: one content-addressed, reference-counted home for every chunk of every file and
 * version, each chunk warm (an LZ4 block in a slab) or cold (a member of a Zstandard pack).
 *
 * Guarantees
 * - A chunk is stored once per 64-bit id; the last release frees its bytes and its slot.
 * - A chunk is warm while a warm entry references it, else cold; `flushCold()` (run by the facade at
 *   the end of every call) packs the ones waiting, so between calls every chunk is where it belongs.
 * - Every read is checked against the chunk's CRC-32: a mismatch, decode failure or impossible column
 *   raises `CorruptionDetected` and marks the chunk damaged; the next put of the same content repairs
 *   it in place (`repair`), so one re-put repairs every entry sharing it, and no put references a
 *   damaged copy. Known limit: a chunk freed while damaged is freed by its length columns, so if one
 *   of those is the damage, the byte counters end off by it.
 * - A delta (a new version's chunk encoded against a base, see delta-source.ts) holds a reference on
 *   its base, chains are at most MAX_DELTA_DEPTH deep, and a warm delta's whole chain is warm.
 * - Counters (`StoreCounters`, `metadataBytes`) are exact between calls.
 * Concurrency: synchronous and single-threaded; owned by one SourceCache.
 */
import { ChunkTable } from './chunk-table.js';
import { SlabAllocator, slabIndex, slabOffset } from './slab-allocator.js';
import { PackStore, MAX_PACK_MEMBERS } from './pack-store.js';
import { lz4Encode, lz4Decode, lz4DecodeBlock, viewOf } from '../codecs/index.js';
import { lz4EncodeDelta } from '../codecs/lz4-delta.js';
import type { DeltaSource } from './delta-source.js';
import { DeltaIndex } from './delta-index.js';
import { crc32 } from '../common/crc32.js';
import { hash64, type Hash64 } from '../common/hash64.js';
import { CorruptionDetected } from '../common/errors.js';

const COLD = 0x80000000;
const LOST = 0xffffffff;
/**
 * Longest chain of deltas (a delta whose base is a delta …) before a chunk is stored whole. Deeper
 * chains store less but every level costs a read one more decode and CRC (docs/decisions.md).
 */
export const MAX_DELTA_DEPTH = 12;
/** Bytes per entry of a V8 Set/Map of small integers, rounded up, for `damaged`. */
const SET_ENTRY_BYTES = 40;

export interface ChunkStoreOptions {
  slabSize: number;
  packBytes: number;
  zstdLevel: number;
  cachedPacks: number;
}

export class ChunkStore {
  readonly table = new ChunkTable();
  readonly slabs: SlabAllocator;
  readonly packs: PackStore;
  /** Σ over slots of refs: chunk references held by entries. */
  refCount = 0;
  /** Σ over slots of refs × raw length: the raw bytes the references stand for. */
  refRawBytes = 0;
  /** Σ over slots of raw length: raw bytes of the distinct chunks. */
  uniqueRawBytes = 0;
  /** Chunks that lost their last warm reference and still sit in a slab. */
  private pendingCold: number[] = [];
  private readonly id: Hash64 = { hi: 0, lo: 0 };
  /** Slots whose read failed, until repaired by a put of their content or freed. */
  private readonly damaged = new Set<number>();
  /** Delta chunks: slot → base slot × 16 + depth (1..MAX_DELTA_DEPTH). */
  private readonly deltas = new DeltaIndex(() => this.table.capacity);
  /** Scratch per chain depth for decoding deltas: [base | target]. */
  private readonly deltaScratch: Uint8Array[] = [];
  private baseScratch = new Uint8Array(0);

  constructor(private readonly options: ChunkStoreOptions) {
    this.slabs = new SlabAllocator(
      {
        // One scan of the location column per compaction: the allocator keeps no owner lists.
        ownersIn: (slab, visit) => {
          const t = this.table;
          const loc = t.loc;
          for (let slot = 0, n = t.slotLimit; slot < n; slot++) {
            const at = loc[slot];
            if ((at & COLD) === 0 && slabIndex(at) === slab && t.refs(slot) > 0) visit(slot, at, t.aux[slot] + 1);
          }
        },
        relocate: (slot, addr) => {
          this.table.loc[slot] = addr;
        },
      },
      options.slabSize,
    );
    this.packs = new PackStore(options.zstdLevel, options.cachedPacks);
  }

  private isWarm(slot: number): boolean {
    return (this.table.loc[slot] & COLD) === 0;
  }

  /** Stored bytes in the warm tier (LZ4 blocks or raw chunks in slabs). */
  get warmStoredBytes(): number {
    return this.slabs.liveBytes;
  }

  /** Stored bytes in the cold tier (Zstandard pack frames, including dead members not yet repacked). */
  get coldStoredBytes(): number {
    return this.packs.storedBytes;
  }

  get uniqueChunks(): number {
    return this.table.count;
  }

  /** Chunks found damaged and not yet repaired or freed. */
  get damagedChunks(): number {
    return this.damaged.size;
  }

  /**
   * Adds one warm reference to the chunk with these bytes, storing it if new. Returns its slot.
   * With a `source` (the previous version of the file being put), a new chunk may be stored as a
   * delta against one of the base chunks it proposes.
   */
  addChunk(raw: Uint8Array, source?: DeltaSource): number {
    const t = this.table;
    hash64(raw, 0, raw.length, this.id);
    let slot = t.find(this.id);
    if (slot >= 0) {
      if (this.isDamaged(slot, raw.length)) this.repair(slot, raw);
      this.addWarmRef(slot, raw);
    } else {
      slot = t.add(this.id);
      t.crc[slot] = crc32(raw);
      t.rawLenM1[slot] = raw.length - 1;
      if (!(source && this.storeDelta(slot, raw, source))) this.storeWarm(slot, raw);
      t.setWarmRefs(slot, 1);
      this.uniqueRawBytes += raw.length;
    }
    t.setRefs(slot, t.refs(slot) + 1);
    this.refCount++;
    this.refRawBytes += raw.length;
    source?.emitted(slot, raw.length, this.deltas.size > 0 ? this.deltaBase(slot) : -1);
    return slot;
  }

  get deltaChunks(): number {
    return this.deltas.size;
  }

  /** Base slot of a delta chunk, or -1. */
  deltaBase(slot: number): number {
    const v = this.deltas.get(slot);
    return v === 0 ? -1 : v >>> 4;
  }

  private deltaDepth(slot: number): number {
    return this.deltas.get(slot) & 15;
  }

  /**
   * Tries to store `raw` (new chunk `slot`, not yet warm-referenced) as a delta against the best
   * of the source's candidate bases. Returns false (nothing stored) when no candidate is usable
   * or no delta is at most 7/8 of the standalone LZ4 block.
   */
  private storeDelta(slot: number, raw: Uint8Array, source: DeltaSource): boolean {
    const t = this.table;
    let best: Uint8Array | undefined;
    let bestBase = -1;
    for (let base of source.candidates()) {
      // A candidate at the end of a full chain is replaced by its own base (an older version):
      // chains never reset to a whole chunk, they fan out from the last delta that still fits.
      if (this.deltaDepth(base) >= MAX_DELTA_DEPTH) base = this.deltaBase(base);
      if (base < 0 || base === slot || !t.inUse(base) || this.damaged.has(base)
        || this.deltaDepth(base) >= MAX_DELTA_DEPTH || !source.keepsAlive(base, t.refs(base))) continue;
      const baseRaw = this.rawOf(base);
      if (!baseRaw) continue;
      const block = lz4EncodeDelta(baseRaw, raw);
      if (!best || block.length < best.length) {
        best = block.slice();
        bestBase = base;
      }
    }
    if (!best) return false;
    const whole = lz4Encode(raw).length;
    if (best.length * 8 > whole * 7) return false;
    const addr = this.slabs.alloc(best.length);
    this.slabs.view(addr, best.length).set(best);
    t.loc[slot] = addr;
    t.aux[slot] = best.length - 1;
    this.deltas.set(slot, bestBase * 16 + this.deltaDepth(bestBase) + 1);
    // The delta's reference on its base, and (it is born warm) its warm reference.
    t.setRefs(bestBase, t.refs(bestBase) + 1);
    this.addWarmRef(bestBase);
    return true;
  }

  /**
   * A verified copy of a chunk's bytes (in a scratch buffer valid until the next call), or undefined if it
   * does not verify.
   */
  private rawOf(slot: number): Uint8Array | undefined {
    const n = this.table.rawLength(slot);
    if (this.baseScratch.length < n) this.baseScratch = new Uint8Array(Math.max(n, 8192));
    try {
      this.readInto(slot, this.baseScratch, 0);
    } catch {
      return undefined;
    }
    return this.baseScratch.subarray(0, n);
  }

  private storeWarm(slot: number, raw: Uint8Array): void {
    const encoded = lz4Encode(raw);
    const addr = this.slabs.alloc(encoded.length);
    this.slabs.view(addr, encoded.length).set(encoded);
    this.table.loc[slot] = addr;
    this.table.aux[slot] = encoded.length - 1;
  }

  /**
   * Adds a warm reference (an entry using this chunk became warm). `verifiedRaw` are the chunk's
   * bytes, already CRC-checked by the caller's read, so a cold chunk moves back into a slab
   * without a second decompression (when absent, e.g. for the base of a delta, they are decoded).
   */
  addWarmRef(slot: number, verifiedRaw?: Uint8Array): void {
    const t = this.table;
    const w = t.warmRefs(slot);
    t.setWarmRefs(slot, w + 1);
    if (w > 0) return;
    const base = this.deltaBase(slot);
    if (base >= 0) this.addWarmRef(base);
    if (this.isWarm(slot)) {
      // It was waiting to be packed; it simply stays.
      const i = this.pendingCold.lastIndexOf(slot);
      if (i >= 0) {
        this.pendingCold.splice(i, 1);
        this.pendingStoredBytes -= t.aux[slot] + 1;
      }
      return;
    }
    const loc = t.loc[slot];
    const member = t.aux[slot];
    if (base >= 0) {
      // A delta moves back into a slab as the same block (its pack member), or, when it was
      // packed raw next to its base, as the block encoded again from both (verified) chunks: the
      // encoder is deterministic, so it is the block the chunk had before it went cold.
      let block = loc === LOST ? undefined : this.packs.member(loc & ~COLD, member);
      if (block && block.length === t.rawLength(slot)) {
        const raw = verifiedRaw ?? (crc32(block) === t.crc[slot] ? block.slice() : undefined);
        const baseRaw = raw && this.rawOf(base);
        if (raw && !baseRaw) {
          // Its bytes verify but its base does not: it moves back whole and lets go of the base.
          this.deltas.delete(slot);
          this.dropWarmRef(base);
          this.unref(base, false);
          this.storeWarm(slot, raw);
          this.leavePack(loc & ~COLD, member);
          return;
        }
        block = raw && baseRaw ? lz4EncodeDelta(baseRaw, raw) : undefined;
      }
      if (block && block.length > 0) {
        const addr = this.slabs.alloc(block.length);
        this.slabs.view(addr, block.length).set(block);
        t.loc[slot] = addr;
        t.aux[slot] = block.length - 1;
        this.leavePack(loc & ~COLD, member);
        return;
      }
      // Unreadable block: keep the (lost) location; reads report it.
      return;
    }
    const raw = verifiedRaw ?? this.rawOf(slot);
    if (!raw) return; // unreadable: stays where it is, reads report it
    this.storeWarm(slot, raw);
    if (loc !== LOST && this.packs.get(loc & ~COLD)) this.leavePack(loc & ~COLD, member);
  }

  /** Drops a warm reference (an entry using this chunk left the warm tier). */
  dropWarmRef(slot: number): void {
    const t = this.table;
    const w = t.warmRefs(slot) - 1;
    t.setWarmRefs(slot, w);
    if (w === 0) {
      if (t.refs(slot) > 0) this.markPending(slot);
      const base = this.deltaBase(slot);
      if (base >= 0) this.dropWarmRef(base);
    }
  }

  /** Stored bytes of warm chunks waiting to be packed (already cold by their references). */
  pendingStoredBytes = 0;

  private markPending(slot: number): void {
    this.pendingCold.push(slot);
    if (this.isWarm(slot)) this.pendingStoredBytes += this.table.aux[slot] + 1;
  }

  /** Releases one entry reference; `warm` says whether the releasing entry was warm. */
  release(slot: number, warm: boolean): void {
    this.refCount--;
    this.refRawBytes -= this.table.rawLength(slot);
    this.unref(slot, warm);
  }

  /** Drops one reference (an entry's or a delta's); frees the chunk, and then its base, at zero. */
  private unref(slot: number, warm: boolean): void {
    const t = this.table;
    const rawLen = t.rawLength(slot);
    const r = t.refs(slot) - 1;
    t.setRefs(slot, r);
    if (warm) this.dropWarmRef(slot);
    if (r > 0) return;
    this.releaseStorage(slot, t.aux[slot] + 1);
    this.uniqueRawBytes -= rawLen;
    this.damaged.delete(slot);
    t.remove(slot);
    const base = this.deltaBase(slot);
    if (base >= 0) {
      // Its warm reference on the base was dropped with its own last warm reference.
      this.deltas.delete(slot);
      this.unref(base, false);
    }
  }

  /**
   * Gives back where a chunk's bytes live: its slab block (`warmBytes` long; also out of the batch
   * waiting to go cold) or its member of a pack. The slot's columns are left to the caller.
   */
  private releaseStorage(slot: number, warmBytes: number): void {
    const t = this.table;
    const loc = t.loc[slot];
    if (this.isWarm(slot)) {
      const i = this.pendingCold.lastIndexOf(slot);
      if (i >= 0) {
        this.pendingCold.splice(i, 1);
        this.pendingStoredBytes -= t.aux[slot] + 1;
      }
      this.slabs.free(loc, warmBytes);
    } else if (loc !== LOST && this.packs.get(loc & ~COLD)) {
      this.leavePack(loc & ~COLD, t.aux[slot]);
    }
  }

  /** Packs found less than half live since the last flush; their survivors are repacked by `flushCold`. */
  private readonly sparsePacks = new Set<number>();

  private leavePack(packId: number, member: number): void {
    const state = this.packs.kill(packId, member);
    if (state === 'sparse') this.sparsePacks.add(packId);
    else if (state === 'freed') this.sparsePacks.delete(packId);
  }

  /**
   * The live members of the sparse packs (found by one scan of the chunk table: a chunk's row names
   * its pack and member), which then frees those packs. Members of a pack that no longer
   * decompresses are lost: their chunks get the LOST location and reads report them.
   */
  private takeSurvivors(): { slot: number; raw: Uint8Array }[] {
    const out: { slot: number; raw: Uint8Array }[] = [];
    if (this.sparsePacks.size === 0) return out;
    const t = this.table;
    const ids = [...this.sparsePacks].filter((id) => this.packs.get(id) !== undefined);
    this.sparsePacks.clear();
    const wanted = new Set(ids);
    for (const slot of t.slots()) {
      const loc = t.loc[slot];
      if (loc === LOST || (loc & COLD) === 0 || !wanted.has(loc & ~COLD)) continue;
      const bytes = this.packs.member(loc & ~COLD, t.aux[slot]);
      if (bytes && bytes.length > 0) out.push({ slot, raw: bytes.slice() });
      else t.loc[slot] = LOST;
    }
    for (const id of ids) this.packs.free(id);
    return out;
  }

  /**
   * Packs every chunk that is cold by its references but still in a slab, and repacks survivors of
   * sparse packs.
   *
   * Versions side by side: the chunks are packed in lineage order (depth first: each chunk, then
   * the deltas against it that are packed in this flush, recursively), so the versions of a chunk
   * sit next to each other. A delta whose base went into the same pack before it is stored as its
   * raw bytes (decoded from its block against the base's bytes in hand, and checked against its
   * CRC): Zstandard then compresses it against its base in the frame, with entropy coding that
   * the LZ4 block lacks, and a cold read of it needs that one pack only. Any other delta (its base
   * packed earlier, or warm, or the decode does not verify) is stored as its LZ4 block. The two
   * forms are told apart by length: a delta block is always shorter than the raw chunk (it is at
   * most 7/8 of the LZ4 block, which is at most the raw length). Survivors keep their form.
   */
  flushCold(): void {
    if (this.pendingCold.length === 0 && this.sparsePacks.size === 0) return;
    const t = this.table;
    const survivors = this.takeSurvivors();
    const pending = this.pendingCold;
    this.pendingCold = [];
    this.pendingStoredBytes = 0;
    const items: number[] = [];
    const given = new Map<number, Uint8Array>();
    for (const slot of pending) if (t.refs(slot) > 0 && t.warmRefs(slot) === 0 && this.isWarm(slot)) items.push(slot);
    for (const { slot, raw } of survivors) {
      items.push(slot);
      given.set(slot, raw);
    }
    const order = this.deltas.size > 0 ? this.lineageOrder(items) : items;

    const slots: number[] = [];
    const members: Uint8Array[] = [];
    /** Raw bytes of the chunks in the pack being filled and in the one before (bases for the deltas after them). */
    let inPack = new Map<number, Uint8Array>();
    let inLastPack = new Map<number, Uint8Array>();
    let bytes = 0;
    const seal = () => {
      if (slots.length === 0) return;
      const id = this.packs.write(members);
      slots.forEach((slot, i) => {
        if (this.isWarm(slot)) this.slabs.free(t.loc[slot], t.aux[slot] + 1);
        t.loc[slot] = (COLD | id) >>> 0;
        t.aux[slot] = i;
      });
      slots.length = 0;
      members.length = 0;
      inLastPack = inPack;
      inPack = new Map();
      bytes = 0;
    };
    for (const slot of order) {
      let member = given.get(slot);
      const rawLen = t.rawLength(slot);
      if (member === undefined) {
        if (this.deltas.get(slot) !== 0) {
          const block = this.slabs.view(t.loc[slot], t.aux[slot] + 1);
          const base = this.deltaBase(slot);
          // Raw when its base is in this pack, or in the one before (a lineage running over a pack
          // boundary: its first raw member there costs like a whole chunk, the siblings after it little).
          const baseRaw = inPack.get(base) ?? inLastPack.get(base);
          member = (baseRaw && this.decodeDeltaWith(slot, block, baseRaw)) || block.slice();
        } else {
          // A chunk that fails its CRC here is packed as it decodes (its stored CRC still
          // disagrees, so reads keep refusing it).
          member = new Uint8Array(rawLen);
          try {
            this.decodeWarm(slot, member);
          } catch {
            /* packed with whatever decoded; the CRC check on read reports it */
          }
        }
      }
      slots.push(slot);
      members.push(member);
      if (member.length === rawLen) inPack.set(slot, member);
      bytes += member.length;
      if (bytes >= this.options.packBytes || slots.length >= MAX_PACK_MEMBERS) seal();
    }
    seal();
  }

  /**
   * `items` in lineage order: depth first from each chunk whose base is not among them, children in their
   * given order.
   */
  private lineageOrder(items: number[]): number[] {
    const present = new Set(items);
    const children = new Map<number, number[]>();
    const roots: number[] = [];
    for (const slot of items) {
      const base = this.deltaBase(slot);
      if (base >= 0 && present.has(base) && base !== slot) {
        const list = children.get(base);
        if (list) list.push(slot);
        else children.set(base, [slot]);
      } else roots.push(slot);
    }
    const out: number[] = [];
    const stack: number[] = [];
    for (const root of roots) {
      stack.push(root);
      while (stack.length > 0) {
        const slot = stack.pop()!;
        out.push(slot);
        const kids = children.get(slot);
        if (kids) for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
      }
    }
    return out;
  }

  /** The raw bytes of delta `slot` from its block and its base's bytes, or undefined unless they verify. */
  private decodeDeltaWith(slot: number, block: Uint8Array, baseRaw: Uint8Array): Uint8Array | undefined {
    const rawLen = this.table.rawLength(slot);
    const buf = new Uint8Array(baseRaw.length + rawLen);
    buf.set(baseRaw);
    if (lz4DecodeBlock(block, 0, block.length, buf, baseRaw.length, buf.length, 0) !== buf.length) return undefined;
    const raw = buf.subarray(baseRaw.length);
    return crc32(raw) === this.table.crc[slot] ? raw : undefined;
  }

  private decodeWarm(slot: number, dst: Uint8Array): void {
    const t = this.table;
    const stored = this.slabs.view(t.loc[slot], t.aux[slot] + 1);
    if (!lz4Decode(stored, dst.length, dst))
      throw new CorruptionDetected('chunk-crc', `chunk ${slot}: LZ4 block does not decode to ${dst.length} bytes`);
  }

  /** Raw length recorded for a slot (a column value: verified by the read that uses it). */
  rawLength(slot: number): number {
    return this.table.rawLength(slot);
  }

  isSlot(slot: number): boolean {
    return this.table.inUse(slot);
  }

  isWarmChunk(slot: number): boolean {
    return this.isWarm(slot);
  }

  /**
   * Decodes chunk `slot` into dst[offset, offset + rawLength) and verifies its CRC-32.
   * Throws CorruptionDetected (and quarantines the chunk) on any disagreement.
   */
  readInto(slot: number, dst: Uint8Array, offset: number, dstView?: DataView): void {
    if (!this.table.inUse(slot)) throw new CorruptionDetected('structure', `chunk slot ${slot} is not in use`);
    const t = this.table;
    const rawLen = t.rawLength(slot);
    const end = offset + rawLen;
    if (end > dst.length) throw new CorruptionDetected('chunk-crc', `chunk ${slot} is longer than the text`);
    try {
      const loc = t.loc[slot];
      if (this.deltas.size > 0 && this.deltas.get(slot) !== 0) {
        // A cold delta packed after its base is stored raw (see flushCold): no base needed.
        const member = this.isWarm(slot) || loc === LOST ? undefined : this.packs.member(loc & ~COLD, t.aux[slot]);
        if (member && member.length === rawLen) dst.set(member, offset);
        else this.readDelta(slot, dst, offset, rawLen);
      } else if (this.isWarm(slot)) {
        // Decoded straight from the slab into the caller's buffer: no view, no copy, no allocation.
        const slab = this.slabs.slabAt(loc);
        const slabView = this.slabs.slabViewAt(loc);
        const from = slabOffset(loc);
        const n = t.aux[slot] + 1;
        if (!slab || !slabView || from + n > slab.length)
          throw new CorruptionDetected('chunk-crc', `chunk ${slot}: bad slab address`);
        if (n === rawLen) dst.set(slab.subarray(from, from + n), offset);
        else if (n > rawLen
          || lz4DecodeBlock(slab, from, from + n, dst, offset, end, offset, slabView, dstView ?? viewOf(dst)) !== end) {
          throw new CorruptionDetected('chunk-crc', `chunk ${slot}: LZ4 block does not decode to ${rawLen} bytes`);
        }
      } else {
        const member = loc === LOST ? undefined : this.packs.member(loc & ~COLD, t.aux[slot]);
        if (!member || member.length !== rawLen)
          throw new CorruptionDetected('pack', `chunk ${slot}: pack member unreadable`);
        dst.set(member, offset);
      }
      if (crc32(dst.subarray(offset, end)) !== t.crc[slot])
        throw new CorruptionDetected('chunk-crc', `chunk ${slot}: CRC mismatch`);
    } catch (e) {
      this.damaged.add(slot);
      if (e instanceof CorruptionDetected) throw e;
      throw new CorruptionDetected('chunk-crc', `chunk ${slot}: ${(e as Error).message}`);
    }
  }

  /** Decodes delta `slot` (base first, verified) into dst[offset, offset + rawLen); the caller checks the CRC. */
  private readDelta(slot: number, dst: Uint8Array, offset: number, rawLen: number): void {
    const t = this.table;
    const v = this.deltas.get(slot);
    const base = v >>> 4;
    const depth = v & 15;
    if (!t.inUse(base)) throw new CorruptionDetected('structure', `chunk ${slot}: base slot ${base} not in use`);
    const baseLen = t.rawLength(base);
    let buf = this.deltaScratch[depth];
    if (!buf || buf.length < baseLen + rawLen)
      buf = this.deltaScratch[depth] = new Uint8Array(Math.max(baseLen + rawLen, 16384));
    this.readInto(base, buf, 0);
    const loc = t.loc[slot];
    let block: Uint8Array | undefined;
    if (this.isWarm(slot)) {
      const slab = this.slabs.slabAt(loc);
      const from = slabOffset(loc);
      const n = t.aux[slot] + 1;
      if (!slab || from + n > slab.length) throw new CorruptionDetected('chunk-crc', `chunk ${slot}: bad slab address`);
      block = slab.subarray(from, from + n);
    } else {
      block = loc === LOST ? undefined : this.packs.member(loc & ~COLD, t.aux[slot]);
      if (!block) throw new CorruptionDetected('pack', `chunk ${slot}: pack member unreadable`);
    }
    if (lz4DecodeBlock(block, 0, block.length, buf, baseLen, baseLen + rawLen, 0) !== baseLen + rawLen) {
      throw new CorruptionDetected('chunk-crc', `chunk ${slot}: delta block does not decode to ${rawLen} bytes`);
    }
    dst.set(buf.subarray(baseLen, baseLen + rawLen), offset);
  }

  /**
   * Reads every chunk of `slots` (an entry whose read just failed), so each one that fails is
   * marked damaged: the re-put that repairs the entry then repairs all of them, not only the first
   * one its read stopped at (a damaged pack fails every member). Returns how many failed.
   */
  checkChunks(slots: Uint32Array): number {
    let failed = 0;
    for (const slot of new Set(slots)) if (this.table.inUse(slot) && !this.rawOf(slot)) failed++;
    return failed;
  }

  /**
   * Whether a chunk found by id must be repaired before a new reference is made to it: its read
   * failed, its recorded length is not the length of its bytes, or its bytes are lost.
   */
  private isDamaged(slot: number, rawLength: number): boolean {
    return (this.damaged.size > 0 && this.damaged.has(slot)) || this.table.rawLength(slot) !== rawLength
      || this.table.loc[slot] === LOST;
  }

  /**
   * Repairs damaged chunk `slot` in place from `raw` (bytes with its id, so its content): fresh CRC
   * and length, fresh bytes in a slab, the old storage released. A delta stays a delta on the same
   * base when the base verifies (the same block as before, the encoder being deterministic), else it
   * becomes whole and lets go of its base. Its references, warm references and tier are untouched
   * (the caller adds the new warm reference; a chunk with no warm reference sits in a slab only
   * until that call, which follows at once).
   */
  private repair(slot: number, raw: Uint8Array): void {
    const t = this.table;
    const base = this.deltaBase(slot);
    const baseRaw = base >= 0 ? this.rawOf(base)?.slice() : undefined;
    const block = (baseRaw ? lz4EncodeDelta(baseRaw, raw) : lz4Encode(raw)).slice();
    // Freed by its true size: the block it had is the block made again, unless its base is
    // unreadable (then only the column can tell).
    this.releaseStorage(slot, base >= 0 && !baseRaw ? t.aux[slot] + 1 : block.length);
    // Not warm until the new block is in place (a compaction meanwhile must not move freed bytes).
    t.loc[slot] = LOST;
    if (base >= 0 && !baseRaw) {
      this.deltas.delete(slot);
      if (t.warmRefs(slot) > 0) this.dropWarmRef(base);
      this.unref(base, false);
    }
    t.crc[slot] = crc32(raw);
    t.rawLenM1[slot] = raw.length - 1;
    const addr = this.slabs.alloc(block.length);
    this.slabs.view(addr, block.length).set(block);
    t.loc[slot] = addr;
    t.aux[slot] = block.length - 1;
    this.damaged.delete(slot);
  }

  /**
   * Bytes of metadata: chunk columns and index, pack objects, the delta index, the damaged set, both slab
   * allocators' bookkeeping.
   */
  get metadataBytes(): number {
    return this.table.metadataBytes + this.packs.metadataBytes + this.deltas.bytes + this.damaged.size * SET_ENTRY_BYTES
      + this.slabs.metadataBytes + this.packs.frames.metadataBytes;
  }
}
