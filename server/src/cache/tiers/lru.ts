/**
 * Recency order of entries per tier. A Map keeps insertion order, so "touch" is delete + set and
 * the least recently used entry is the first key: O(1) for both, no linked-list nodes to manage.
 * Synchronous; owned by the SourceCache facade.
 */
import type { Entry, EntryTier } from '../entry/entry.js';

export class TierLists {
  private readonly lists: Record<EntryTier, Map<string, Entry>> = {
    warm: new Map(),
    cold: new Map(),
    evicted: new Map(),
  };

  /** Puts the entry at the most recent end of its tier's list. */
  touch(entry: Entry): void {
    const list = this.lists[entry.tier];
    list.delete(entry.key);
    list.set(entry.key, entry);
  }

  move(entry: Entry, to: EntryTier): void {
    this.lists[entry.tier].delete(entry.key);
    entry.tier = to;
    this.lists[to].set(entry.key, entry);
  }

  remove(entry: Entry): void {
    this.lists[entry.tier].delete(entry.key);
  }

  size(tier: EntryTier): number {
    return this.lists[tier].size;
  }

  /** Entries of a tier, least recently used first. */
  leastRecent(tier: EntryTier): IterableIterator<Entry> {
    return this.lists[tier].values();
  }
}
