/**
 * The chunk store: one content-addressed, reference-counted home for every chunk of every file
 * and version, with each chunk located either warm (an LZ4 block in a slab) or cold (a member of a
 * Zstandard pack).
 *
 * Guarantees
 * - Content addressing: a chunk is stored once per 64-bit id however many entries use it; `refs`
 *   counts the entry references, and the last release frees its bytes and its slot.
 * - Location follows use: a chunk is warm while at least one warm entry references it
 *   (`warmRefs` > 0), cold otherwise. Chunks that lose their last warm reference wait in
 *   `pendingCold` until `flushCold()` packs them; the facade flushes at the end of every public
 *   call, so between calls every chunk is where its references say.
 * - Integrity on every read: `readInto` decodes into the caller's buffer and compares the CRC-32
 *   of the result with the chunk's CRC; any mismatch, decode failure, or impossible column value
 *   raises `CorruptionDetected`, never returns. A corrupt chunk is quarantined (unlinked from the
 *   id index) so later puts of the same content store a fresh, good copy instead of reusing it.
 * - Accounting is maintained incrementally and is exact between calls (see `StoreCounters`).
 */
import { ChunkTable } from './chunk-table.js';
import { SlabAllocator, slabOffset } from './slab-allocator.js';
import { PackStore, MAX_PACK_MEMBERS } from './pack-store.js';
import { lz4Encode, lz4Decode, lz4DecodeBlock, viewOf } from '../codecs/index.js';
import { crc32 } from '../common/crc32.js';
import { hash64, type Hash64 } from '../common/hash64.js';
import { CorruptionDetected } from '../common/errors.js';

const COLD = 0x80000000;
const LOST = 0xffffffff;

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
  private quarantined = 0;

  constructor(private readonly options: ChunkStoreOptions) {
    this.slabs = new SlabAllocator(
      {
        locate: (slot) => (this.isWarm(slot) && this.table.refs(slot) > 0 ? { addr: this.table.loc[slot], length: this.table.aux[slot] + 1 } : undefined),
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

  get quarantinedChunks(): number {
    return this.quarantined;
  }

  /** Adds one warm reference to the chunk with these bytes, storing it if new. Returns its slot. */
  addChunk(raw: Uint8Array): number {
    const t = this.table;
    hash64(raw, 0, raw.length, this.id);
    let slot = t.find(this.id);
    if (slot >= 0) {
      this.addWarmRef(slot, raw);
    } else {
      slot = t.add(this.id);
      t.crc[slot] = crc32(raw);
      t.rawLenM1[slot] = raw.length - 1;
      this.storeWarm(slot, raw);
      t.setWarmRefs(slot, 1);
      this.uniqueRawBytes += raw.length;
    }
    t.setRefs(slot, t.refs(slot) + 1);
    this.refCount++;
    this.refRawBytes += raw.length;
    return slot;
  }

  private storeWarm(slot: number, raw: Uint8Array): void {
    const encoded = lz4Encode(raw);
    const addr = this.slabs.alloc(encoded.length, slot);
    this.slabs.view(addr, encoded.length).set(encoded);
    this.table.loc[slot] = addr;
    this.table.aux[slot] = encoded.length - 1;
  }

  /**
   * Adds a warm reference (an entry using this chunk became warm). `verifiedRaw` are the chunk's
   * bytes, already CRC-checked by the caller's read, so a cold chunk moves back into a slab
   * without a second decompression.
   */
  addWarmRef(slot: number, verifiedRaw: Uint8Array): void {
    const t = this.table;
    const w = t.warmRefs(slot);
    t.setWarmRefs(slot, w + 1);
    if (w > 0) return;
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
    this.storeWarm(slot, verifiedRaw);
    if (loc !== LOST && this.packs.get(loc & ~COLD)) this.leavePack(loc & ~COLD, member);
  }

  /** Drops a warm reference (an entry using this chunk left the warm tier). */
  dropWarmRef(slot: number): void {
    const t = this.table;
    const w = t.warmRefs(slot) - 1;
    t.setWarmRefs(slot, w);
    if (w === 0 && t.refs(slot) > 0) this.markPending(slot);
  }

  /** Stored bytes of warm chunks waiting to be packed (already cold by their references). */
  pendingStoredBytes = 0;

  private markPending(slot: number): void {
    this.pendingCold.push(slot);
    if (this.isWarm(slot)) this.pendingStoredBytes += this.table.aux[slot] + 1;
  }

  /** Releases one reference; `warm` says whether the releasing entry was warm. */
  release(slot: number, warm: boolean): void {
    const t = this.table;
    const rawLen = t.rawLength(slot);
    const r = t.refs(slot) - 1;
    t.setRefs(slot, r);
    this.refCount--;
    this.refRawBytes -= rawLen;
    if (warm) {
      const w = t.warmRefs(slot) - 1;
      t.setWarmRefs(slot, w);
      if (w === 0 && r > 0) this.markPending(slot);
    }
    if (r > 0) return;
    const loc = t.loc[slot];
    if (this.isWarm(slot)) {
      const i = this.pendingCold.lastIndexOf(slot);
      if (i >= 0) {
        this.pendingCold.splice(i, 1);
        this.pendingStoredBytes -= t.aux[slot] + 1;
      }
      this.slabs.free(loc, t.aux[slot] + 1);
    } else if (loc !== LOST && this.packs.get(loc & ~COLD)) {
      this.leavePack(loc & ~COLD, t.aux[slot]);
    }
    this.uniqueRawBytes -= rawLen;
    if (t.isLinked(slot)) t.remove(slot);
    else {
      this.quarantined--;
      t.remove(slot);
    }
  }

  private repack: { slot: number; raw: Uint8Array }[] = [];

  private leavePack(packId: number, member: number): void {
    const state = this.packs.kill(packId, member);
    if (state !== 'sparse') return;
    // Less than half live: move the survivors into the next packs and free this one.
    const pack = this.packs.get(packId)!;
    const raw = this.packs.raw(packId);
    for (let i = 0; i < pack.slots.length; i++) {
      if (!pack.live[i]) continue;
      const slot = pack.slots[i];
      if (raw) {
        this.repack.push({ slot, raw: raw.slice(pack.offsets[i], pack.offsets[i + 1]) });
      } else {
        // The frame no longer decompresses: these members are lost; reads will report it.
        this.table.loc[slot] = LOST;
      }
    }
    this.packs.free(packId);
  }

  /** Packs every chunk that is cold by its references but still in a slab, and repacks survivors of sparse packs. */
  flushCold(): void {
    if (this.pendingCold.length === 0 && this.repack.length === 0) return;
    const t = this.table;
    const slots: number[] = [];
    const raws: Uint8Array[] = [];
    let bytes = 0;
    const seal = () => {
      if (slots.length === 0) return;
      const id = this.packs.write(slots, raws);
      slots.forEach((slot, i) => {
        if (this.isWarm(slot)) this.slabs.free(t.loc[slot], t.aux[slot] + 1);
        t.loc[slot] = (COLD | id) >>> 0;
        t.aux[slot] = i;
      });
      slots.length = 0;
      raws.length = 0;
      bytes = 0;
    };
    const add = (slot: number, raw: Uint8Array) => {
      slots.push(slot);
      raws.push(raw);
      bytes += raw.length;
      if (bytes >= this.options.packBytes || slots.length >= MAX_PACK_MEMBERS) seal();
    };
    while (this.pendingCold.length > 0 || this.repack.length > 0) {
      const pending = this.pendingCold;
      this.pendingCold = [];
      this.pendingStoredBytes = 0;
      for (const slot of pending) {
        if (t.refs(slot) === 0 || t.warmRefs(slot) > 0 || !this.isWarm(slot)) continue;
        // Raw bytes for the pack come from the slab; a chunk that fails its CRC here is packed
        // as-is (its stored CRC still disagrees, so reads keep refusing it).
        const raw = new Uint8Array(t.rawLength(slot));
        try {
          this.decodeWarm(slot, raw);
        } catch {
          /* packed with whatever decoded; the CRC check on read reports it */
        }
        add(slot, raw);
      }
      const repack = this.repack;
      this.repack = [];
      for (const { slot, raw } of repack) if (t.refs(slot) > 0 && !this.isWarm(slot)) add(slot, raw);
      seal();
    }
  }

  private decodeWarm(slot: number, dst: Uint8Array): void {
    const t = this.table;
    const stored = this.slabs.view(t.loc[slot], t.aux[slot] + 1);
    if (!lz4Decode(stored, dst.length, dst)) throw new CorruptionDetected('chunk-crc', `chunk ${slot}: LZ4 block does not decode to ${dst.length} bytes`);
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
      if (this.isWarm(slot)) {
        // Decoded straight from the slab into the caller's buffer: no view, no copy, no allocation.
        const slab = this.slabs.slabAt(loc);
        const slabView = this.slabs.slabViewAt(loc);
        const from = slabOffset(loc);
        const n = t.aux[slot] + 1;
        if (!slab || !slabView || from + n > slab.length) throw new CorruptionDetected('chunk-crc', `chunk ${slot}: bad slab address`);
        if (n === rawLen) dst.set(slab.subarray(from, from + n), offset);
        else if (n > rawLen || lz4DecodeBlock(slab, from, from + n, dst, offset, end, offset, slabView, dstView ?? viewOf(dst)) !== end) {
          throw new CorruptionDetected('chunk-crc', `chunk ${slot}: LZ4 block does not decode to ${rawLen} bytes`);
        }
      } else {
        const member = loc === LOST ? undefined : this.packs.member(loc & ~COLD, t.aux[slot]);
        if (!member || member.length !== rawLen) throw new CorruptionDetected('pack', `chunk ${slot}: pack member unreadable`);
        dst.set(member, offset);
      }
      if (crc32(dst.subarray(offset, end)) !== t.crc[slot]) throw new CorruptionDetected('chunk-crc', `chunk ${slot}: CRC mismatch`);
    } catch (e) {
      this.quarantine(slot);
      if (e instanceof CorruptionDetected) throw e;
      throw new CorruptionDetected('chunk-crc', `chunk ${slot}: ${(e as Error).message}`);
    }
  }

  /** Unlinks a corrupt chunk from the id index so no new reference is ever made to it. */
  quarantine(slot: number): void {
    if (this.table.isLinked(slot)) {
      this.table.unlink(slot);
      this.quarantined++;
    }
  }

  /** Bytes of metadata: chunk columns and index, pack member tables. */
  get metadataBytes(): number {
    return this.table.metadataBytes + this.packs.metadataBytes;
  }
}
