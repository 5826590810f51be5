/**
 * Streaming content-defined chunker: Gear rolling hash with FastCDC's cut-point skipping and
 * normalized chunking (level 2).
 *
 * Guarantees
 * - Boundaries depend only on the bytes, never on how they were split into `push` calls (the scan
 *   state carries across calls; property-tested).
 * - Every chunk is 1..maxSize bytes; every chunk but the last is ≥ minSize.
 * - Memory is bounded by maxSize: only the unfinished tail is buffered; a chunk inside one pushed
 *   piece is handed out as a view, not copied.
 * Hashing starts after minSize (the Gear hash forgets older bytes, so skipping changes no decision);
 * a stricter mask before avgSize and a looser one after pull sizes toward the average, which improves
 * dedup; the mask takes the hash's high bits, which depend on more bytes than the low ones.
 * Concurrency: one chunker per stream; synchronous.
 */
import { GEAR } from './gear.js';

export interface ChunkingOptions {
  minSize: number;
  avgSize: number;
  maxSize: number;
}

/**
 * Default sizes: smaller averages dedup release series better, larger ones cost less metadata and
 * compress better in the warm tier (the trade-off: docs/decisions.md).
 */
export const DEFAULT_CHUNKING: Readonly<ChunkingOptions> =
  Object.freeze({ minSize: 512, avgSize: 2048, maxSize: 8192 });

/** Largest chunk the store's 16-bit length columns can describe. */
export const MAX_CHUNK_SIZE = 65536;

export function validateChunking(o: ChunkingOptions): ChunkingOptions {
  const { minSize, avgSize, maxSize } = o;
  if (!(Number.isInteger(minSize) && Number.isInteger(avgSize) && Number.isInteger(maxSize)))
    throw new RangeError('chunk sizes must be integers');
  if (!(minSize >= 1 && minSize <= avgSize && avgSize <= maxSize && maxSize <= MAX_CHUNK_SIZE)) {
    throw new RangeError(`need 1 ≤ min ≤ avg ≤ max ≤ ${MAX_CHUNK_SIZE}, got ${minSize}/${avgSize}/${maxSize}`);
  }
  return { minSize, avgSize, maxSize };
}

function highMask(bits: number): number {
  const b = Math.max(1, Math.min(31, bits));
  return (0xffffffff << (32 - b)) >>> 0 | 0;
}

/** Receives each chunk; `bytes` may be a view that is only valid during the call. */
export type ChunkSink = (bytes: Uint8Array) => void;

export class StreamingChunker {
  private readonly minSize: number;
  private readonly avgSize: number;
  private readonly maxSize: number;
  private readonly maskS: number;
  private readonly maskL: number;
  private readonly pending: Uint8Array;
  private pendingLen = 0;
  /** Bytes of the current (unfinished) chunk seen so far. */
  private n = 0;
  private h = 0;

  constructor(options: ChunkingOptions, private readonly sink: ChunkSink) {
    const o = validateChunking(options);
    this.minSize = o.minSize;
    this.avgSize = o.avgSize;
    this.maxSize = o.maxSize;
    const bits = Math.round(Math.log2(Math.max(2, o.avgSize - o.minSize)));
    this.maskS = highMask(bits + 2);
    this.maskL = highMask(bits - 2);
    this.pending = new Uint8Array(o.maxSize);
  }

  /** Scans src[i, end) for the end of the current chunk; returns the index just past it, or -1. */
  private scan(src: Uint8Array, i: number, end: number): number {
    const base = i - this.n; // bytes of the current chunk before src[i] (may be in `pending`)
    const hashFrom = base + this.minSize;
    if (i < hashFrom) {
      if (end < hashFrom) {
        this.n = end - base;
        return -1;
      }
      i = hashFrom;
    }
    let h = this.h;
    const gear = GEAR;
    // Strict mask while the chunk is shorter than the average, loose mask after it.
    const stopS = Math.min(end, base + this.avgSize);
    const maskS = this.maskS;
    for (; i < stopS; ) {
      h = ((h << 1) + gear[src[i++]]) | 0;
      if ((h & maskS) === 0) return this.cut(i);
    }
    const stopL = Math.min(end, base + this.maxSize);
    const maskL = this.maskL;
    for (; i < stopL; ) {
      h = ((h << 1) + gear[src[i++]]) | 0;
      if ((h & maskL) === 0) return this.cut(i);
    }
    if (i - base >= this.maxSize) return this.cut(i);
    this.n = i - base;
    this.h = h;
    return -1;
  }

  private cut(at: number): number {
    this.n = 0;
    this.h = 0;
    return at;
  }

  push(data: Uint8Array): void {
    let i = 0;
    const len = data.length;
    while (i < len) {
      const cut = this.scan(data, i, len);
      if (this.pendingLen === 0 && cut >= 0) {
        this.sink(data.subarray(i, cut));
        i = cut;
        continue;
      }
      const to = cut < 0 ? len : cut;
      this.pending.set(data.subarray(i, to), this.pendingLen);
      this.pendingLen += to - i;
      i = to;
      if (cut < 0) return;
      const chunk = this.pending.subarray(0, this.pendingLen);
      this.pendingLen = 0;
      this.sink(chunk);
    }
  }

  /** Emits the unfinished tail (if any) and resets, so the chunker can start a new stream. */
  finish(): void {
    if (this.pendingLen > 0) {
      const chunk = this.pending.subarray(0, this.pendingLen);
      this.pendingLen = 0;
      this.sink(chunk);
    }
    this.n = 0;
    this.h = 0;
  }
}
