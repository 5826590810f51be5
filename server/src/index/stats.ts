/**
 * The stats object (`StrataStats`, protocol.ts), built in one place: the server's `strata/stats`
 * (workspace.ts) and `strata index --json` (headlessIndex.ts) each gather their parts and give them
 * to `buildStats`, which adds what every run reports the same way — the process's memory now and its
 * peak RSS, the elapsed time rounded, the trees summed over the threads that made them.
 * Pure apart from reading the process's memory counters; holds nothing.
 */
import type { OccurrenceStats, PersistStats, StrataStats } from '../protocol.js';

type TreeCounts = StrataStats['trees'];

/** What a run knows of itself; `buildStats` turns it into the stats object. */
export interface StatsParts {
  totals: { files: number; bytes: number; languages: Record<string, number>; parseErrors: number };
  elapsedMs: number;
  store: StrataStats['store'];
  tiers: StrataStats['tiers'];
  /** Tree counts per thread (the main thread's ledger, the parser workers'): summed. */
  trees: readonly TreeCounts[];
  integrity: StrataStats['integrity'];
  journal: StrataStats['journal'];
  budgets: NonNullable<StrataStats['budgets']>;
  persist: PersistStats;
  occurrences?: OccurrenceStats;
  symbols?: StrataStats['symbols'];
  indexing?: StrataStats['indexing'];
  /** The parser workers' latest reported wasm heaps. */
  workersHeapBytes: number;
}

/** `a / b`, or 1 when there is nothing to divide by (an empty store is neither deduplicated nor compressed). */
export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 1;
}

export function buildStats(p: StatsParts): StrataStats {
  const mem = process.memoryUsage();
  return {
    files: p.totals.files,
    bytes: p.totals.bytes,
    languages: p.totals.languages,
    parseErrors: p.totals.parseErrors,
    elapsedMs: Math.round(p.elapsedMs),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    store: p.store,
    tiers: p.tiers,
    trees: p.trees.reduce((sum, t) => ({
      live: sum.live + t.live, created: sum.created + t.created, deleted: sum.deleted + t.deleted,
    }), { live: 0, created: 0, deleted: 0 }),
    integrity: p.integrity,
    journal: p.journal,
    budgets: p.budgets,
    persist: p.persist,
    ...(p.occurrences ? { occurrences: p.occurrences } : {}),
    ...(p.symbols ? { symbols: p.symbols } : {}),
    ...(p.indexing ? { indexing: p.indexing } : {}),
    process: {
      rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers, workersHeapBytes: p.workersHeapBytes,
    },
  };
}
