/**
 * The Gear table: 256 fixed pseudo-random 32-bit values, one per byte value, for the rolling hash
 * h = (h << 1) + GEAR[byte]. It is generated from a fixed seed (not Math.random) because chunk
 * boundaries, and so chunk ids and deduplication, must be identical across processes, restarts and
 * persisted snapshots: changing this table changes every boundary.
 * Immutable; shared by every thread that chunks.
 */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export const GEAR: Int32Array = (() => {
  const next = splitmix32(0x5354_5241); // "STRA"
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = next() | 0;
  return table;
})();
