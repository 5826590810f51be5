/**
 * The `strata/stats` contract (see the design brief, "Contracts") and a tolerant reader for it.
 *
 * The server is the only source of these numbers; the extension keeps no cache state of its own.
 * Replies are normalised field by field so that an older or newer server (missing or extra fields)
 * never breaks the status bar: a missing number reads as 0 and `budgets` is optional.
 */

import { STATS_METHOD, type StrataStats, type TierStats } from '../../server/src/protocol.js';

// The contract's one definition is the server's protocol module; the extension only reads it.
export { STATS_METHOD, type StrataStats };
export type TierName = 'hot' | 'warm' | 'cold';
export const TIERS: readonly TierName[] = ['hot', 'warm', 'cold'];


function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** Reads a reply of unknown shape into StrataStats; throws only if it is not an object at all. */
export function normalizeStats(reply: unknown): StrataStats {
  if (reply === null || typeof reply !== 'object') throw new Error('strata/stats returned no object');
  const r = obj(reply);
  const store = obj(r['store']);
  const tiers = obj(r['tiers']);
  const trees = obj(r['trees']);
  const integrity = obj(r['integrity']);
  const journal = obj(r['journal']);
  const tier = (name: TierName): TierStats => {
    const t = obj(tiers[name]);
    return { files: num(t['files']), bytes: num(t['bytes']) };
  };
  const languages: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(r['languages']))) languages[k] = num(v);
  const stats: StrataStats = {
    files: num(r['files']),
    bytes: num(r['bytes']),
    languages,
    parseErrors: num(r['parseErrors']),
    elapsedMs: num(r['elapsedMs']),
    peakRssBytes: num(r['peakRssBytes']),
    store: {
      rawBytes: num(store['rawBytes']), storedBytes: num(store['storedBytes']),
      chunks: num(store['chunks']), uniqueChunks: num(store['uniqueChunks']),
      dedupRatio: num(store['dedupRatio']), compressionRatio: num(store['compressionRatio']),
    },
    tiers: { hot: tier('hot'), warm: tier('warm'), cold: tier('cold') },
    trees: { live: num(trees['live']), created: num(trees['created']), deleted: num(trees['deleted']) },
    integrity: {
      verifiedReads: num(integrity['verifiedReads']), crcFailures: num(integrity['crcFailures']),
      fallbacks: num(integrity['fallbacks']),
    },
    journal: { replays: num(journal['replays']), fullParses: num(journal['fullParses']) },
  };
  if (r['budgets'] !== undefined) {
    const b = obj(r['budgets']);
    stats.budgets = { hotBytes: num(b['hotBytes']), warmBytes: num(b['warmBytes']), coldBytes: num(b['coldBytes']) };
  }
  return stats;
}

/** Bytes of memory the cache uses now: hot (wasm heap) + warm + cold (stored bytes). */
export function usedBytes(s: StrataStats): number {
  return s.tiers.hot.bytes + s.tiers.warm.bytes + s.tiers.cold.bytes;
}

/** The total budget in bytes: the server's when it reports one, else the configured total, else undefined. */
export function budgetBytes(s: StrataStats, configuredTotalMB: number): number | undefined {
  if (s.budgets) {
    const total = s.budgets.hotBytes + s.budgets.warmBytes + s.budgets.coldBytes;
    if (total > 0) return total;
  }
  return configuredTotalMB > 0 ? configuredTotalMB * 1024 * 1024 : undefined;
}

export function tierBudget(s: StrataStats, tier: TierName): number | undefined {
  const b = s.budgets?.[`${tier}Bytes`];
  return b !== undefined && b > 0 ? b : undefined;
}
