/**
 * A small seeded pseudo-random generator (mulberry32): uniform numbers in [0, 1), the same sequence
 * for the same seed on every run and thread. For fault injection (faults.ts) and the test suites and
 * benchmark, whose failures print a seed to replay; never for anything that needs unpredictability.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
