/**
 * Cold storage: packs of chunks, each pack one Zstandard frame of 64–256 KiB of raw chunk bytes,
 * held in its own slab allocator (so the cold tier's stored bytes are exactly its frames' bytes).
 *
 * Guarantees
 * - A pack is immutable once written. A member that leaves (chunk freed, or promoted back to warm)
 *   only lowers the pack's live count; a pack with no live member is freed at once, and a pack
 *   less than half live is rewritten by the chunk store (its live members repacked), so dead
 *   bytes in cold storage stay below the live bytes plus one pack.
 * - Reading one member decompresses its pack into a small LRU of decompressed packs (4 by
 *   default, ≤ 1 MiB), never keeping every pack decompressed. Cached packs are dropped when the
 *   pack is freed.
 * - Nothing here verifies chunk content: the chunk store checks each member's length and CRC.
 */
import { SlabAllocator } from './slab-allocator.js';
import { zstdCompress, zstdDecompress } from '../codecs/index.js';

export interface Pack {
  addr: number;
  frameLength: number;
  rawLength: number;
  /** Chunk slot of each member, in pack order. */
  slots: Uint32Array;
  /** Raw offset of each member, plus the end: member i is [offsets[i], offsets[i+1]). */
  offsets: Uint32Array;
  liveMembers: number;
  liveRaw: number;
  /** Members still live, per member (1 = live). */
  live: Uint8Array;
}

export const MAX_PACK_MEMBERS = 65535;

export class PackStore {
  private packs: (Pack | undefined)[] = [];
  private freeIds: number[] = [];
  readonly frames: SlabAllocator;
  private decompressed = new Map<number, Uint8Array>();
  packCount = 0;

  constructor(readonly zstdLevel: number, private readonly cachedPacks = 4) {
    this.frames = new SlabAllocator({
      locate: (id) => {
        const p = this.packs[id];
        return p ? { addr: p.addr, length: p.frameLength } : undefined;
      },
      relocate: (id, addr) => {
        this.packs[id]!.addr = addr;
      },
    });
  }

  /** Stored bytes of all pack frames. */
  get storedBytes(): number {
    return this.frames.liveBytes;
  }

  get(id: number): Pack | undefined {
    return this.packs[id];
  }

  /** Compresses the given members (raw bytes, in order) into a new pack; returns its id. */
  write(slots: number[], raws: Uint8Array[]): number {
    let total = 0;
    for (const r of raws) total += r.length;
    const raw = new Uint8Array(total);
    const offsets = new Uint32Array(raws.length + 1);
    let at = 0;
    raws.forEach((r, i) => {
      offsets[i] = at;
      raw.set(r, at);
      at += r.length;
    });
    offsets[raws.length] = at;
    const frame = zstdCompress(raw, this.zstdLevel);
    const id = this.freeIds.pop() ?? this.packs.length;
    const pack: Pack = {
      addr: 0,
      frameLength: frame.length,
      rawLength: total,
      slots: Uint32Array.from(slots),
      offsets,
      liveMembers: slots.length,
      liveRaw: total,
      live: new Uint8Array(slots.length).fill(1),
    };
    this.packs[id] = pack;
    pack.addr = this.frames.alloc(frame.length, id);
    this.frames.view(pack.addr, frame.length).set(frame);
    this.packCount++;
    return id;
  }

  /** The decompressed pack, from the LRU or freshly decompressed; undefined if the frame is corrupt. */
  raw(id: number): Uint8Array | undefined {
    const cached = this.decompressed.get(id);
    if (cached) {
      this.decompressed.delete(id);
      this.decompressed.set(id, cached);
      return cached;
    }
    const pack = this.packs[id];
    if (!pack) return undefined;
    const out = zstdDecompress(this.frames.view(pack.addr, pack.frameLength), pack.rawLength);
    if (!out) return undefined;
    this.decompressed.set(id, out);
    if (this.decompressed.size > this.cachedPacks) {
      this.decompressed.delete(this.decompressed.keys().next().value!);
    }
    return out;
  }

  /** Member `index` of pack `id` as a view of the decompressed pack, or undefined when unreadable. */
  member(id: number, index: number): Uint8Array | undefined {
    const pack = this.packs[id];
    if (!pack || index >= pack.slots.length) return undefined;
    const start = pack.offsets[index];
    const end = pack.offsets[index + 1];
    if (!(start <= end && end <= pack.rawLength)) return undefined;
    const raw = this.raw(id);
    return raw?.subarray(start, end);
  }

  /**
   * Marks member `index` dead. Returns 'freed' when the pack had no live member left (and was
   * freed), 'sparse' when it is now less than half live (the caller should repack it), else 'ok'.
   */
  kill(id: number, index: number): 'ok' | 'sparse' | 'freed' {
    const pack = this.packs[id]!;
    if (!pack.live[index]) return 'ok';
    pack.live[index] = 0;
    pack.liveMembers--;
    pack.liveRaw -= pack.offsets[index + 1] - pack.offsets[index];
    if (pack.liveMembers === 0) {
      this.free(id);
      return 'freed';
    }
    return pack.liveRaw * 2 < pack.rawLength ? 'sparse' : 'ok';
  }

  /** Frees a pack whose members have all been killed or moved. */
  free(id: number): void {
    const pack = this.packs[id];
    if (!pack) return;
    this.frames.free(pack.addr, pack.frameLength);
    this.packs[id] = undefined;
    this.decompressed.delete(id);
    this.freeIds.push(id);
    this.packCount--;
  }

  /** Drops every decompressed pack (fault injection: force the next read through the frames). */
  dropDecompressed(): void {
    this.decompressed.clear();
  }

  /** Bytes of pack metadata (member tables) for accounting. */
  get metadataBytes(): number {
    let n = 0;
    for (const p of this.packs) if (p) n += 64 + p.slots.byteLength + p.offsets.byteLength + p.live.byteLength;
    return n;
  }

  *ids(): IterableIterator<number> {
    for (let i = 0; i < this.packs.length; i++) if (this.packs[i]) yield i;
  }
}
