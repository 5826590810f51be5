/**
 * FOR FAULT INJECTION ONLY (the `strata/debug/injectFaults` request, served only with
 * STRATA_DEBUG=1): flips seeded random bits in the bytes the running server's cache stores, through
 * the cache's fault-injection views (cache/debug.ts), as memory corruption would.
 *
 * Each flip first picks a kind of region uniformly among the kinds asked for that exist right now
 * (so the few bytes of a CRC column are hit as often as the many of a slab), then a region of that
 * kind, then a byte and a bit. The same seed over the same cache state flips the same bits.
 * Decompressed packs are dropped afterwards, so the next cold read sees the damaged frames.
 * Never used by product code paths.
 * Synchronous, on the main thread, between requests.
 */
import { debugStorage, type SourceCache, type StorageRegion } from '../cache/index.js';
import { seededRandom } from './seededRandom.js';
import { FAULT_KINDS, type FaultKind, type FaultReport, type InjectedFault } from './api.js';

const ENTRY_FIELDS = ['baseLength', 'baseCrc', 'length', 'crc', 'chunksCrc'] as const;

const kindOf = (region: StorageRegion): FaultKind => region.name.slice(0, region.name.indexOf(' ')) as FaultKind;

export function injectFaults(
  cache: SourceCache, request: { seed: number; flips: number; kinds?: readonly FaultKind[]; keys?: readonly string[] },
): FaultReport {
  const debug = debugStorage(cache);
  const random = seededRandom(request.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const wanted = new Set<FaultKind>(request.kinds ?? FAULT_KINDS);
  const keys = request.keys ?? [...cache.keys()];
  const injected: InjectedFault[] = [];
  for (let i = 0; i < request.flips; i++) {
    // Regions are listed again for each flip: views are valid only at the time they are taken.
    const byKind = new Map<FaultKind, StorageRegion[]>();
    const seen = new Set<string>();
    for (const r of request.keys ? request.keys.flatMap((k) => debug.regions(k)) : debug.regions()) {
      const kind = kindOf(r);
      // A chunk shared by several entries is listed once per entry: count it once.
      if (!wanted.has(kind) || r.bytes.length === 0 || seen.has(r.name)) continue;
      seen.add(r.name);
      let list = byKind.get(kind);
      if (!list) byKind.set(kind, (list = []));
      list.push(r);
    }
    const kinds = [...byKind.keys()];
    if (wanted.has('entry-field') && keys.length > 0) kinds.push('entry-field');
    if (kinds.length === 0) break;
    const kind = kinds[pick(kinds.length)]!;
    if (kind === 'entry-field') {
      const key = keys[pick(keys.length)]!;
      const field = ENTRY_FIELDS[pick(ENTRY_FIELDS.length)]!;
      const bit = pick(32);
      if (debug.flipEntryField(key, field, bit))
        injected.push({ region: `entry-field ${key}.${field}`, byte: bit >> 3, bit: bit & 7 });
      continue;
    }
    const list = byKind.get(kind)!;
    const region = list[pick(list.length)]!;
    const byte = pick(region.bytes.length);
    const bit = pick(8);
    region.bytes[byte]! ^= 1 << bit;
    injected.push({ region: region.name, byte, bit });
  }
  debug.dropCaches();
  return { injected, entries: keys.length };
}
