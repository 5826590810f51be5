/**
 * Cold storage: packs of chunks, each one Zstandard frame of member bytes, held in its own slab
 * allocator (so the cold tier's stored bytes are exactly its packs' bytes).
 * A stored pack is a member table (u16 per member: length − 1) then the frame; the table is checked
 * like the frame. Nothing per member is kept in memory: the chunk table names a member's pack and
 * index, offsets are computed when a pack is decompressed, and only live counts are kept (the chunk
 * store calls `kill` exactly once per member that leaves).
 *
 * Guarantees
 * - A pack is immutable once written. One with no live member is freed at once; one less than half
 *   live is reported 'sparse' and repacked, so dead cold bytes stay below live bytes plus one pack.
 * - Reads decompress into a small LRU of packs, never every pack; freed packs leave the LRU.
 * - Nothing here verifies content (the chunk store checks each member's length and CRC); a member
 *   table that does not add up makes the pack's members unreadable, never misplaced.
 * Concurrency: synchronous and single-threaded.
 */
import { SlabAllocator, slabIndex } from './slab-allocator.js';
import { zstdCompress, zstdDecompress } from '../codecs/index.js';

export interface Pack {
  addr: number;
  /** Stored bytes: member table + frame. */
  storedLength: number;
  members: number;
  /** Σ member lengths (the frame's decompressed size). */
  rawLength: number;
  liveMembers: number;
  liveRaw: number;
}

export const MAX_PACK_MEMBERS = 65535;
/** Longest member (the table stores length − 1 in 16 bits). */
const MAX_MEMBER_LENGTH = 65536;
/** A Pack object (7 numbers) plus its slot in the pack array, as counted in metadataBytes. */
const PACK_OBJECT_BYTES = 80;

interface Decompressed {
  raw: Uint8Array;
  /** Start of each member, plus the end. */
  starts: Uint32Array;
}

export class PackStore {
  private packs: (Pack | undefined)[] = [];
  private freeIds: number[] = [];
  readonly frames: SlabAllocator;
  private decompressed = new Map<number, Decompressed>();
  packCount = 0;

  constructor(readonly zstdLevel: number, private readonly cachedPacks = 4) {
    this.frames = new SlabAllocator({
      ownersIn: (slab, visit) => {
        for (let id = 0; id < this.packs.length; id++) {
          const p = this.packs[id];
          if (p && slabIndex(p.addr) === slab) visit(id, p.addr, p.storedLength);
        }
      },
      relocate: (id, addr) => {
        this.packs[id]!.addr = addr;
      },
    });
  }

  /** Stored bytes of all packs (member tables + frames). */
  get storedBytes(): number {
    return this.frames.liveBytes;
  }

  get(id: number): Pack | undefined {
    return this.packs[id];
  }

  /** Compresses the given members (in order, each 1..MAX_MEMBER_LENGTH bytes) into a new pack; returns its id. */
  write(members: Uint8Array[]): number {
    const n = members.length;
    if (n === 0 || n > MAX_PACK_MEMBERS) throw new RangeError(`a pack holds 1..${MAX_PACK_MEMBERS} members, got ${n}`);
    let total = 0;
    for (const m of members) {
      if (m.length < 1 || m.length > MAX_MEMBER_LENGTH) throw new RangeError(`pack member of ${m.length} bytes`);
      total += m.length;
    }
    const raw = new Uint8Array(total);
    let at = 0;
    for (const m of members) {
      raw.set(m, at);
      at += m.length;
    }
    const frame = zstdCompress(raw, this.zstdLevel);
    const table = 2 * n;
    const id = this.freeIds.pop() ?? this.packs.length;
    const pack: Pack = {
      addr: 0, storedLength: table + frame.length, members: n, rawLength: total, liveMembers: n, liveRaw: total,
    };
    this.packs[id] = pack;
    pack.addr = this.frames.alloc(pack.storedLength);
    const stored = this.frames.view(pack.addr, pack.storedLength);
    members.forEach((m, i) => {
      stored[2 * i] = (m.length - 1) & 0xff;
      stored[2 * i + 1] = (m.length - 1) >>> 8;
    });
    stored.set(frame, table);
    this.packCount++;
    return id;
  }

  /** Stored length of member `index` (from the pack's member table; a column value, checked by the reader). */
  memberLength(id: number, index: number): number {
    const pack = this.packs[id]!;
    const stored = this.frames.view(pack.addr, 2 * pack.members);
    return (stored[2 * index] | (stored[2 * index + 1] << 8)) + 1;
  }

  /** The decompressed pack and its member starts, from the LRU or freshly decompressed; undefined if unreadable. */
  private load(id: number): Decompressed | undefined {
    const cached = this.decompressed.get(id);
    if (cached) {
      this.decompressed.delete(id);
      this.decompressed.set(id, cached);
      return cached;
    }
    const pack = this.packs[id];
    if (!pack) return undefined;
    const stored = this.frames.view(pack.addr, pack.storedLength);
    const table = 2 * pack.members;
    const starts = new Uint32Array(pack.members + 1);
    let at = 0;
    for (let i = 0; i < pack.members; i++) {
      starts[i] = at;
      at += (stored[2 * i] | (stored[2 * i + 1] << 8)) + 1;
    }
    starts[pack.members] = at;
    if (at !== pack.rawLength) return undefined;
    const raw = zstdDecompress(stored.subarray(table), pack.rawLength);
    if (!raw) return undefined;
    const d = { raw, starts };
    this.decompressed.set(id, d);
    if (this.decompressed.size > this.cachedPacks) {
      this.decompressed.delete(this.decompressed.keys().next().value!);
    }
    return d;
  }

  /** Whether the pack decompresses (its member table adds up and its frame decodes). */
  readable(id: number): boolean {
    return this.load(id) !== undefined;
  }

  /** Member `index` of pack `id` as a view of the decompressed pack, or undefined when unreadable. */
  member(id: number, index: number): Uint8Array | undefined {
    const pack = this.packs[id];
    if (!pack || !(index >= 0 && index < pack.members)) return undefined;
    const d = this.load(id);
    return d?.raw.subarray(d.starts[index], d.starts[index + 1]);
  }

  /**
   * Member `index` is leaving (its chunk is freed or moved). Returns 'freed' when the pack had no
   * live member left (and was freed), 'sparse' when it is now less than half live (the caller
   * should repack it), else 'ok'. Must be called once per leaving member (see the header).
   */
  kill(id: number, index: number): 'ok' | 'sparse' | 'freed' {
    const pack = this.packs[id]!;
    pack.liveMembers--;
    // A member number out of range (a damaged column) only lowers the count.
    if (index >= 0 && index < pack.members) pack.liveRaw -= this.memberLength(id, index);
    if (pack.liveMembers <= 0) {
      this.free(id);
      return 'freed';
    }
    return pack.liveRaw * 2 < pack.rawLength ? 'sparse' : 'ok';
  }

  /** Frees a pack whose members have all been killed or moved. */
  free(id: number): void {
    const pack = this.packs[id];
    if (!pack) return;
    this.frames.free(pack.addr, pack.storedLength);
    this.packs[id] = undefined;
    this.decompressed.delete(id);
    this.freeIds.push(id);
    this.packCount--;
  }

  /** Drops every decompressed pack (fault injection: force the next read through the frames). */
  dropDecompressed(): void {
    this.decompressed.clear();
  }

  /** Stored bytes of a pack: [member table, frame] (fault injection). */
  storedParts(id: number): { table: Uint8Array; frame: Uint8Array } | undefined {
    const p = this.packs[id];
    if (!p) return undefined;
    const stored = this.frames.view(p.addr, p.storedLength);
    return { table: stored.subarray(0, 2 * p.members), frame: stored.subarray(2 * p.members) };
  }

  /** Bytes of pack metadata: the pack objects and the pack array (nothing per member). */
  get metadataBytes(): number {
    return this.packCount * PACK_OBJECT_BYTES + (this.packs.length - this.packCount) * 8 + this.freeIds.length * 8;
  }

  *ids(): IterableIterator<number> {
    for (let i = 0; i < this.packs.length; i++) if (this.packs[i]) yield i;
  }
}
