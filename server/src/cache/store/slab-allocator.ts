/**
 * Byte storage in large ArrayBuffer slabs, compacted so churn cannot grow memory without bound.
 * Slabs, not one Buffer per chunk, because millions of small objects would cost GC work and count
 * against V8's heap cap. Addresses are `slab << 20 | offset` in one uint32; an allocation larger
 * than a slab gets a dedicated slab.
 *
 * Guarantees
 * - Bump allocation; a slab with no live bytes is released at once.
 * - A sealed slab less than half live is compacted into the current one (owners told via `relocate`),
 *   so slab memory stays within about twice the live bytes, at amortised O(1) per freed byte.
 * - Nothing is kept per allocation: at a compaction the caller says which owners lie in the slab
 *   (`ownersIn`), because a per-slab owner list would grow with churn and go uncounted.
 * - Freed bytes are never copied, even if their owner still reports them while `free` runs.
 * - `metadataBytes` is exactly what the allocator itself holds.
 * Concurrency: synchronous and single-threaded.
 */

const MAX_SLAB_SIZE = 1 << 20;
const OFFSET_BITS = 20;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;

/** Offset of `addr` inside its slab. */
export function slabOffset(addr: number): number {
  return addr & OFFSET_MASK;
}

/** V8 objects per live slab (Uint8Array, ArrayBuffer, DataView, backing-store record), as counted. */
const SLAB_OBJECT_BYTES = 256;

export interface SlabOwners {
  /**
   * Calls `visit(owner, addr, length)` for every owner whose bytes lie in slab `slab` now. `visit`
   * may relocate the owner (to another slab) before the scan moves on.
   */
  ownersIn(slab: number, visit: (owner: number, addr: number, length: number) => void): void;
  /** `owner`'s bytes now live at `addr` (same length). */
  relocate(owner: number, addr: number): void;
}

/** Slab index of an address. */
export function slabIndex(addr: number): number {
  return addr >>> OFFSET_BITS;
}

export class SlabAllocator {
  private slabs: (Uint8Array | undefined)[] = [];
  /** A DataView per slab, for the LZ4 decoder's word copies (made once per slab, not per read). */
  private views: (DataView | undefined)[] = [];
  private used: number[] = [];
  private live: number[] = [];
  private freeSlabIndexes: number[] = [];
  private current = -1;
  private liveTotal = 0;
  private slabTotal = 0;
  private compacting = false;

  constructor(private readonly ownersView: SlabOwners, readonly slabSize = MAX_SLAB_SIZE) {
    if (!(slabSize >= 1024 && slabSize <= MAX_SLAB_SIZE))
      throw new RangeError(`slab size must be 1 KiB..1 MiB, got ${slabSize}`);
  }

  /** Bytes held by live allocations. */
  get liveBytes(): number {
    return this.liveTotal;
  }

  /** Bytes of all slabs currently allocated (what this allocator costs in memory). */
  get slabBytes(): number {
    return this.slabTotal;
  }

  get slabCount(): number {
    return this.slabs.length - this.freeSlabIndexes.length;
  }

  private newSlab(size: number): number {
    const index = this.freeSlabIndexes.pop() ?? this.slabs.length;
    if (index >= 1 << (32 - OFFSET_BITS)) throw new RangeError('slab address space exhausted (4 GiB)');
    this.slabs[index] = new Uint8Array(size);
    this.views[index] = new DataView(this.slabs[index]!.buffer);
    this.used[index] = 0;
    this.live[index] = 0;
    this.slabTotal += size;
    return index;
  }

  private releaseSlab(index: number): void {
    const slab = this.slabs[index];
    if (!slab) return;
    this.slabTotal -= slab.length;
    this.slabs[index] = undefined;
    this.views[index] = undefined;
    this.used[index] = 0;
    this.live[index] = 0;
    this.freeSlabIndexes.push(index);
    if (this.current === index) this.current = -1;
  }

  /** Allocates `length` bytes; returns the address (the caller records it as its owner's location). */
  alloc(length: number): number {
    let index: number;
    if (length > this.slabSize) {
      index = this.newSlab(length);
    } else {
      // A loop: compacting the slab just sealed fills the new current slab, which may then be too full.
      while (this.current < 0 || this.used[this.current] + length > this.slabSize) {
        const sealed = this.current;
        this.current = this.newSlab(this.slabSize);
        if (sealed >= 0) this.maybeCompact(sealed);
      }
      index = this.current;
    }
    const offset = this.used[index];
    this.used[index] = offset + length;
    this.live[index] += length;
    this.liveTotal += length;
    return ((index << OFFSET_BITS) | offset) >>> 0;
  }

  /** The bytes at `addr` (a live view into the slab; valid until the next alloc/free). */
  view(addr: number, length: number): Uint8Array {
    const index = addr >>> OFFSET_BITS;
    const offset = addr & OFFSET_MASK;
    const slab = this.slabs[index];
    if (!slab || offset + length > slab.length) throw new RangeError(`bad slab address ${addr}`);
    return slab.subarray(offset, offset + length);
  }

  /** The whole slab holding `addr` (no view allocated; the offset is `slabOffset(addr)`), or undefined. */
  slabAt(addr: number): Uint8Array | undefined {
    return this.slabs[addr >>> OFFSET_BITS];
  }

  /** The DataView over the whole slab holding `addr`, or undefined. */
  slabViewAt(addr: number): DataView | undefined {
    return this.views[addr >>> OFFSET_BITS];
  }

  free(addr: number, length: number): void {
    const index = addr >>> OFFSET_BITS;
    this.live[index] -= length;
    this.liveTotal -= length;
    if (this.live[index] <= 0) {
      if (index === this.current) {
        // An empty current slab is reused from its start rather than released and reallocated.
        this.used[index] = 0;
      } else {
        this.releaseSlab(index);
      }
      return;
    }
    if (index !== this.current) this.maybeCompact(index, addr);
  }

  /** Compacts sealed slab `index` if less than half of it is live; `freed` is an address just freed there (or -1). */
  private maybeCompact(index: number, freed = -1): void {
    if (this.compacting || index === this.current) return;
    if (this.live[index] * 2 >= this.used[index]) return;
    this.compacting = true;
    try {
      const slab = this.slabs[index]!;
      this.ownersView.ownersIn(index, (owner, at, length) => {
        if (at === freed || at >>> OFFSET_BITS !== index) return;
        const offset = at & OFFSET_MASK;
        // A length that runs past the slab (a damaged column) is clamped: those bytes fail their CRC anyway.
        const bytes = slab.subarray(offset, Math.min(slab.length, offset + length));
        const addr = this.alloc(length);
        this.view(addr, length).set(bytes);
        this.live[index] -= length;
        this.liveTotal -= length;
        this.ownersView.relocate(owner, addr);
      });
      this.releaseSlab(index);
    } finally {
      this.compacting = false;
    }
  }

  /** Bytes the allocator's own bookkeeping holds (see the header). */
  get metadataBytes(): number {
    return this.slabs.length * 32 + this.slabCount * SLAB_OBJECT_BYTES + this.freeSlabIndexes.length * 8;
  }

  /** Fault injection and diagnostics: every slab, as live views. */
  debugSlabs(): Uint8Array[] {
    return this.slabs.filter((s): s is Uint8Array => s !== undefined);
  }
}
