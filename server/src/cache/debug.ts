/**
 * FOR FAULT INJECTION ONLY (tests and the reliability suite): live views of the bytes a cache
 * stores, so a test can flip bits where real corruption would land and check that reads return
 * the exact original (via a fallback) or raise IntegrityError — never other bytes.
 * Views are taken at call time (columns move when they grow); writing to them bypasses every
 * invariant on purpose. Never use this in product code.
 * Synchronous; use between cache calls, in the thread that owns the cache.
 */
import type { SourceCache } from './source-cache.js';
import { slabOffset } from './store/slab-allocator.js';

export interface StorageRegion {
  /** What the bytes are, e.g. `warm-chunk 12`, `pack-frame 3`, `chunk-crc`, `journal a.ts#0`. */
  name: string;
  bytes: Uint8Array;
}

export interface DebugStorage {
  /** Stored bytes of the chunks, packs, columns and journals an entry depends on (all entries if no key). */
  regions(key?: string): StorageRegion[];
  /** Forgets decompressed packs, so the next cold read decompresses from the (maybe corrupted) frames. */
  dropCaches(): void;
  /**
   * Flips one bit of an entry's recorded numbers (base length, base CRC, current length, current CRC,
   * chunk list CRC); false if there was none to flip.
   */
  flipEntryField(key: string, field: 'baseLength' | 'baseCrc' | 'length' | 'crc' | 'chunksCrc', bit: number): boolean;
}

const u8 = (a: ArrayBufferView, start = 0, count?: number): Uint8Array => {
  const bytesPer = (a as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT ?? 1;
  const len = count === undefined ? a.byteLength - start * bytesPer : count * bytesPer;
  return new Uint8Array(a.buffer, a.byteOffset + start * bytesPer, len);
};

export function debugStorage(cache: SourceCache): DebugStorage {
  const store = cache.store;
  const t = store.table;
  return {
    regions(key?: string): StorageRegion[] {
      const entries = key === undefined
        ? [...cache.entries.values()]
        : [cache.entries.get(key)].filter((e) => e !== undefined);
      const out: StorageRegion[] = [];
      const slots = new Set<number>();
      for (const e of entries) {
        for (const s of e.chunks) slots.add(s);
        out.push({ name: `entry-chunks ${e.key}`, bytes: u8(e.chunks) });
        e.records.forEach((r, i) => out.push({ name: `journal ${e.key}#${i}`, bytes: r }));
      }
      // Delta chunks depend on their bases, down the chain.
      for (const s of [...slots]) {
        for (let b = store.deltaBase(s); b >= 0 && !slots.has(b); b = store.deltaBase(b)) slots.add(b);
      }
      const packs = new Set<number>();
      for (const s of slots) {
        if (!store.isSlot(s)) continue;
        out.push({ name: `chunk-crc ${s}`, bytes: u8(t.crc, s, 1) });
        out.push({ name: `chunk-length ${s}`, bytes: u8(t.rawLenM1, s, 1) });
        out.push({ name: `chunk-aux ${s}`, bytes: u8(t.aux, s, 1) });
        if (store.isWarmChunk(s)) {
          // Clamped to the slab: a damaged stored length (chunk-aux) may point past its end.
          const slab = store.slabs.slabAt(t.loc[s]);
          const from = slabOffset(t.loc[s]);
          if (slab && from < slab.length) out.push({
            name: `warm-chunk ${s}`,
            bytes: slab.subarray(from, Math.min(slab.length, from + t.aux[s] + 1)),
          });
        } else {
          packs.add(t.loc[s] & 0x7fffffff);
        }
      }
      for (const id of packs) {
        const parts = store.packs.storedParts(id);
        if (!parts) continue;
        out.push({ name: `pack-frame ${id}`, bytes: parts.frame });
        out.push({ name: `pack-offsets ${id}`, bytes: parts.table });
      }
      return out;
    },
    dropCaches(): void {
      store.packs.dropDecompressed();
    },
    flipEntryField(key, field, bit): boolean {
      const e = cache.entries.get(key);
      if (!e) return false;
      const v = e[field];
      if (v === undefined) return false;
      e[field] = (v ^ (1 << (bit & 31))) >>> 0;
      return true;
    },
  };
}
