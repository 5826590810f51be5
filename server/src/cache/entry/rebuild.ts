/**
 * Rebuilding texts from the store: the base from its chunks, the current text by applying the
 * journal. Every step verifies (the chunk list's CRC, chunk CRCs, base length and CRC, record CRCs, bounds and lengths,
 * and the current CRC when known) and throws CorruptionDetected on the first disagreement, so a
 * caller either gets verified bytes or an exception — never unverified bytes.
 * Synchronous functions over the store; no state of their own.
 */
import type { ChunkStore } from '../store/chunk-store.js';
import type { Entry } from './entry.js';
import { decodeRecord, applyRecords, type DecodedRecord } from './journal.js';
import { crc32 } from '../common/crc32.js';
import { CorruptionDetected } from '../common/errors.js';

export function rebuildBase(store: ChunkStore, entry: Entry): Uint8Array {
  if (!entry.chunksIntact()) throw new CorruptionDetected('structure', 'entry chunk list CRC mismatch');
  let total = 0;
  for (const slot of entry.chunks) {
    if (!store.isSlot(slot))
      throw new CorruptionDetected('structure', `entry refers to chunk slot ${slot}, not in use`);
    total += store.rawLength(slot);
  }
  if (total !== entry.baseLength)
    throw new CorruptionDetected('text-crc', `chunks hold ${total} bytes, entry records ${entry.baseLength}`);
  const text = new Uint8Array(total);
  const view = new DataView(text.buffer);
  let at = 0;
  for (const slot of entry.chunks) {
    store.readInto(slot, text, at, view);
    at += store.rawLength(slot);
  }
  if (crc32(text) !== entry.baseCrc) throw new CorruptionDetected('text-crc', 'base text CRC mismatch');
  return text;
}

export function decodeJournal(entry: Entry): DecodedRecord[] {
  return entry.records.map(decodeRecord);
}

/** Current text: verified base plus verified journal; checks the final length and, when known, CRC. */
export function rebuildCurrent(store: ChunkStore, entry: Entry): { base: Uint8Array; text: Uint8Array } {
  const base = rebuildBase(store, entry);
  if (entry.records.length === 0) {
    if (base.length !== entry.length) throw new CorruptionDetected('text-crc', 'length mismatch');
    return { base, text: base };
  }
  const records = decodeJournal(entry);
  const text = applyRecords(base, records);
  if (text.length !== entry.length)
    throw new CorruptionDetected('text-crc', `text is ${text.length} bytes, entry records ${entry.length}`);
  const last = records[records.length - 1].crcAfter;
  if (last !== undefined && crc32(text) !== last) throw new CorruptionDetected('text-crc', 'current text CRC mismatch');
  return { base, text };
}
