/**
 * The mutable part of an occurrence index: the packed occurrences of files indexed since the last
 * flush, as the parser workers made them, and, per name, the files (slots) that mention it.
 *
 * A file replaced or removed leaves its slot dead; dead slots are skipped by lookups and dropped by
 * `drain`, which hands every live file to the segment writer in name order and empties the table.
 * `bytes` estimates what the table holds (runs, names, the per-name lists), so the owner can flush it
 * before it passes its budget.
 * Guarantees: `lookup(name)` returns, for each live file that mentions `name`, its run, in slot order.
 * Main thread, synchronous.
 */
import { compareNames, findName, type PackedOccurrences } from '../../syntax/occurrences.js';
import type { TextSignature } from './segment.js';

/**
 * Estimated bytes per name entry in a file (its place in the file's name array and a slot number in
 * the name's list) and per distinct name (map entry, list, the one string kept).
 */
const BYTES_PER_NAME_IN_FILE = 20;
const BYTES_PER_DISTINCT_NAME = 120;
/** Estimated bytes per file slot (object, key reference, map entry). */
const BYTES_PER_FILE = 120;

interface Slot {
  key: string;
  signature: TextSignature;
  occurrences: PackedOccurrences;
}

export class Memtable {
  readonly #slots: (Slot | undefined)[] = [];
  readonly #slotOf = new Map<string, number>();
  /** Per name: the one copy of the string kept (every file's array points to it) and the files' slots. */
  readonly #byName = new Map<string, { name: string; slots: number[] }>();
  #bytes = 0;

  get bytes(): number {
    return this.#bytes;
  }

  get files(): number {
    return this.#slotOf.size;
  }

  has(key: string): boolean {
    return this.#slotOf.has(key);
  }

  signature(key: string): TextSignature | undefined {
    const slot = this.#slotOf.get(key);
    return slot === undefined ? undefined : this.#slots[slot]!.signature;
  }

  set(key: string, signature: TextSignature, occurrences: PackedOccurrences): void {
    this.remove(key);
    const slot = this.#slots.length;
    this.#slots.push({ key, signature, occurrences });
    this.#slotOf.set(key, slot);
    const names = occurrences.names;
    for (let i = 0; i < names.length; i++) {
      const entry = this.#byName.get(names[i]!);
      if (entry) {
        entry.slots.push(slot);
        // The file's copy of the string (from the worker's message) becomes garbage.
        names[i] = entry.name;
      } else {
        this.#byName.set(names[i]!, { name: names[i]!, slots: [slot] });
        this.#bytes += BYTES_PER_DISTINCT_NAME + 2 * names[i]!.length;
      }
    }
    this.#bytes += BYTES_PER_FILE + occurrences.data.byteLength + occurrences.ends.byteLength
      + occurrences.names.length * BYTES_PER_NAME_IN_FILE;
  }

  remove(key: string): void {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return;
    this.#slotOf.delete(key);
    // The slot stays in the name lists (skipped as dead) until the table is drained; so do its bytes.
    this.#slots[slot] = undefined;
  }

  /** Each live file that mentions `name`, with its run. */
  lookup(name: string, fn: (key: string, run: Uint8Array) => void): void {
    const entry = this.#byName.get(name);
    if (!entry) return;
    for (const slot of entry.slots) {
      const s = this.#slots[slot];
      if (s) fn(s.key, runOf(s.occurrences, name));
    }
  }

  /**
   * Empties the table, giving the writer its live files (`addFile`, in slot order) and then every name
   * in `compareNames` order with its files' runs (`addName`); returns the keys written.
   */
  *drain(): Generator<DrainStep> {
    const ids = new Int32Array(this.#slots.length).fill(-1);
    let next = 0;
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const s = this.#slots[slot];
      if (!s) continue;
      ids[slot] = next++;
      yield { kind: 'file', key: s.key, signature: s.signature };
    }
    const names = [...this.#byName.keys()].sort(compareNames);
    for (const name of names) {
      const runs: { fileId: number; run: Uint8Array }[] = [];
      for (const slot of this.#byName.get(name)!.slots) {
        const s = this.#slots[slot];
        if (s) runs.push({ fileId: ids[slot]!, run: runOf(s.occurrences, name) });
      }
      if (runs.length > 0) yield { kind: 'name', name, runs };
    }
    this.#slots.length = 0;
    this.#slotOf.clear();
    this.#byName.clear();
    this.#bytes = 0;
  }
}

export type DrainStep =
  | { kind: 'file'; key: string; signature: TextSignature }
  | { kind: 'name'; name: string; runs: { fileId: number; run: Uint8Array }[] };

/** The run of `name` in a file's packed occurrences (it must be one of its names). */
function runOf(o: PackedOccurrences, name: string): Uint8Array {
  const i = findName(o.names, name);
  return o.data.subarray(i === 0 ? 0 : o.ends[i - 1]!, o.ends[i]!);
}
