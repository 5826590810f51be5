/**
 * Similar-chunk detection: a few min-hash fingerprints per chunk and a bounded typed table from
 * fingerprint to the chunk slot that last had it, so a new chunk can find a similar chunk anywhere
 * in the store (not only in the previous version of its own file) to use as a delta base. Why: the
 * same edit recurs in several files of a release (the bundles of one package: each its own lineage),
 * and the previous version of each file alone misses the copy already stored next door.
 *
 * - Fingerprints (`sketch`): a polynomial rolling hash over every 32-byte window of the chunk,
 *   finalised (murmur3 fmix32), and the SKETCH_SIZE smallest distinct values kept (a bottom-k
 *   min-hash sketch): two chunks sharing a large part of their windows share their smallest values
 *   with a probability that grows with that share. Chunks shorter than a window have none.
 * - Table: a Uint32Array of slot + 1 (0 = empty) indexed by the fingerprint (fastrange), direct
 *   mapped: an insert overwrites whatever was there (the newest chunk wins, which is the one most
 *   likely to share an edit with what is being put now). No key is stored: a candidate is only a
 *   guess and the caller verifies it (slot in use, its verified bytes have that fingerprint), so a
 *   stale or colliding entry is never used.
 * - Bound: the table has one entry per chunk-table slot (rounded up to a power of two, doubled as
 *   the chunk table grows: 4–8 B per chunk slot), at most MAX_ENTRIES (4 MiB); `bytes` counts it
 *   exactly. A store that never asked for
 *   similarity pays nothing.
 */
export const SKETCH_SIZE = 2;
const WINDOW = 32;
const BASE = 0x01000193;
/** BASE ** WINDOW mod 2³², to take the outgoing byte out of the rolling hash. */
const BASE_POW = (() => {
  let p = 1;
  for (let i = 0; i < WINDOW; i++) p = Math.imul(p, BASE);
  return p;
})();
export const MAX_ENTRIES = 1 << 20;
const MIN_ENTRIES = 256;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Writes the bottom-SKETCH_SIZE fingerprints of `bytes` into `out` (ascending), returns how many
 * (fewer when the chunk has fewer distinct windows). Deterministic.
 */
export function sketch(bytes: Uint8Array, out: Uint32Array): number {
  let n = 0;
  if (bytes.length < WINDOW) return 0;
  let h = 0;
  for (let i = 0; i < bytes.length; i++) {
    h = (Math.imul(h, BASE) + bytes[i]) | 0;
    if (i >= WINDOW) h = (h - Math.imul(bytes[i - WINDOW], BASE_POW)) | 0;
    if (i < WINDOW - 1) continue;
    const v = fmix32(h);
    if (n === SKETCH_SIZE && v >= out[n - 1]) continue;
    // Insert v in the sorted list (distinct values only).
    let j = n - 1;
    while (j >= 0 && out[j] > v) j--;
    if (j >= 0 && out[j] === v) continue;
    const end = n === SKETCH_SIZE ? n - 1 : n;
    for (let k = end; k > j + 1; k--) out[k] = out[k - 1];
    out[j + 1] = v;
    if (n < SKETCH_SIZE) n++;
  }
  return n;
}

export class SimilarityIndex {
  private table = new Uint32Array(0);

  /** @param capacity the chunk table's slot capacity (the table follows it up to MAX_ENTRIES) */
  constructor(private readonly capacity: () => number) {}

  /** Bytes of the table (exact). */
  get bytes(): number {
    return this.table.byteLength;
  }

  get entries(): number {
    return this.table.length;
  }

  private home(fp: number): number {
    return Math.floor((fp * this.table.length) / 4294967296);
  }

  /** Records that `slot` has fingerprints `fps[0..n)`. */
  insert(fps: Uint32Array, n: number, slot: number): void {
    if (n === 0) return;
    const want = Math.min(MAX_ENTRIES, Math.max(MIN_ENTRIES, this.capacity()));
    while (this.table.length < want) this.grow();
    for (let i = 0; i < n; i++) this.table[this.home(fps[i])] = slot + 1;
  }

  /**
   * Candidate slots for fingerprints `fps[0..n)`, most frequent first, written into `out`
   * (at most `n`); returns how many. Unverified: the caller checks each.
   */
  candidates(fps: Uint32Array, n: number, out: Int32Array): number {
    if (this.table.length === 0) return 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = this.table[this.home(fps[i])];
      if (v === 0) continue;
      const slot = v - 1;
      let seen = false;
      for (let k = 0; k < m; k++) if (out[k] === slot) seen = true;
      if (!seen) out[m++] = slot;
    }
    return m;
  }

  /**
   * Doubles the table. Fingerprints are not stored, but with fastrange a fingerprint at position i
   * of the old table is at 2i or 2i + 1 of the new one, so each entry is copied to both: one is
   * right, the other a stale guess that verification rejects (and the next insert overwrites).
   */
  private grow(): void {
    const old = this.table;
    if (old.length === 0) {
      this.table = new Uint32Array(MIN_ENTRIES);
      return;
    }
    const next = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i++) next[2 * i] = next[2 * i + 1] = old[i];
    this.table = next;
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.table.fill(0);
  }
}
