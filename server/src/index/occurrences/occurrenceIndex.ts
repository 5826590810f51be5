/**
 * The occurrence index of one folder of segments: where every name occurs in the files it holds, for
 * find-references and definition without parsing. A log-structured merge tree of two levels:
 * - the memtable (memtable.ts) takes files as they are indexed; past its byte budget it is flushed
 *   into a new immutable segment (segment.ts), so memory stays bounded however large the workspace;
 * - segments are merged in the background once there are more than `maxSegments` (raised while files
 *   are indexed in bulk: occurrences.ts), dropping the entries of files replaced or removed since
 *   they were written.
 * `manifest.json` lists the live segments, oldest first; it is replaced atomically (write, fsync,
 * rename), so a crash at any moment leaves the previous list, whose segments are all still there
 * (files are deleted only after the manifest that drops them is in place). Files the manifest does
 * not list are leftovers of a crash and are deleted at open.
 * Each file is owned by exactly one place (a memtable or a segment) that holds its current occurrences;
 * entries elsewhere are dead and skipped. At open, a newer segment's entry wins over an older one's.
 * Guarantees: `lookup` reports exactly the owned entries; a damaged segment is dropped whole, its files
 * reported lost (`onLost`) so the owner can index them again, and never served.
 * Concurrency: main thread; flushes and merges run one at a time (a chain), yielding to the event loop
 * between slices so requests are answered meanwhile; lookups may run at any time.
 */
import { existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync,
  writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../base/log.js';
import { errorMessage } from '../../base/errors.js';
import type { PackedOccurrences } from '../../syntax/occurrences.js';
import { Memtable } from './memtable.js';
import { mergeByName } from './nameMerge.js';
import { BlockCache, forEachPosting, PostingsSink, SegmentDamageError, SegmentReader, SegmentWriter,
  type TextSignature } from './segment.js';

const MANIFEST = 'manifest.json';
/**
 * Changes with the segments' format (segment.ts): a manifest of another one names segments this
 * version cannot read, which are an older Strata's, not damage.
 */
const MANIFEST_FORMAT = 2;
const SEGMENT_FILE = /^occ-(\d+)\.seg(\.tmp)?$/;
/** Names written between yields to the event loop during a flush or merge. */
const NAMES_PER_SLICE = 2048;

export interface OccurrenceIndexOptions {
  dir: string;
  /** The memtable is flushed into a segment once it holds about this many bytes. */
  memtableBytes: number;
  /** More segments than this are merged (`setMaxSegments` changes it). */
  maxSegments: number;
  /** Dictionary blocks, shared by every index of the process. */
  blocks: BlockCache;
  log: Logger;
  /** Files whose occurrences were lost to damage: they must be indexed again. */
  onLost?: (keys: string[]) => void;
}

interface Owner {
  at: Holder;
  /** The file's id in its segment; 0 in a memtable. */
  fid: number;
}

type Holder = SegmentReader | Memtable;

/**
 * An owner is stored as one small integer, `fid * HOLDER_SLOTS + slot` (slot: the holder's place in
 * `#holders`), not as an object: it is kept per file, and an object would cost more than the rest.
 */
const HOLDER_SLOTS = 256;
/** Files a segment may hold, so that an owner stays a small integer. */
const MAX_SEGMENT_FILES = Math.floor(2 ** 30 / HOLDER_SLOTS);

export interface OccurrenceIndexStats {
  segments: number;
  segmentBytes: number;
  memtableBytes: number;
  memtableFiles: number;
  files: number;
  flushes: number;
  merges: number;
  damaged: number;
}

export class OccurrenceIndex {
  readonly #o: OccurrenceIndexOptions;
  #segments: SegmentReader[] = [];
  /** The memtable taking new files, and any being flushed (newest last). */
  #mems: Memtable[] = [new Memtable()];
  readonly #owner = new Map<string, number>();
  readonly #holders: (Holder | undefined)[] = [];
  readonly #slots = new Map<Holder, number>();
  #nextSerial = 1;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #flushQueued = false;
  readonly #counts = { flushes: 0, merges: 0, damaged: 0 };
  #maxSegments: number;

  private constructor(options: OccurrenceIndexOptions) {
    this.#o = options;
    this.#maxSegments = options.maxSegments;
  }

  /** From the next flush on, more segments than `n` are merged. */
  setMaxSegments(n: number): void {
    this.#maxSegments = n;
  }

  /** Opens (or creates) the index in `options.dir`; damaged segments are dropped and logged. */
  static open(options: OccurrenceIndexOptions): OccurrenceIndex {
    const index = new OccurrenceIndex(options);
    index.#load();
    return index;
  }

  get dir(): string {
    return this.#o.dir;
  }

  /** Whether the index holds `key`'s occurrences for the text with `signature`. */
  holds(key: string, signature: TextSignature): boolean {
    const o = this.#ownerOf(key);
    if (!o) return false;
    const s = o.at instanceof Memtable ? o.at.signature(key) : o.at.signature(o.fid);
    return s !== undefined && s.bytes === signature.bytes && s.crc === signature.crc;
  }

  has(key: string): boolean {
    return this.#owner.has(key);
  }

  /** Keys of every file held (for tests and reconciliation). */
  keys(): IterableIterator<string> {
    return this.#owner.keys();
  }

  /** Records `key`'s occurrences (read from the text with `signature`), replacing what was held. */
  set(key: string, signature: TextSignature, occurrences: PackedOccurrences): void {
    const mem = this.#mems[this.#mems.length - 1]!;
    // A memtable being flushed may hold an older version: it must not be found there any more.
    const old = this.#ownerOf(key);
    if (old && old.at instanceof Memtable && old.at !== mem) old.at.remove(key);
    mem.set(key, signature, occurrences);
    this.#setOwner(key, mem, 0);
    if (mem.bytes > this.#o.memtableBytes && !this.#flushQueued) {
      this.#flushQueued = true;
      void this.#enqueue(async () => {
        this.#flushQueued = false;
        await this.#flushCurrent();
      });
    }
  }

  /** Forgets `key`: its entries become dead. */
  delete(key: string): void {
    const o = this.#ownerOf(key);
    if (!o) return;
    if (o.at instanceof Memtable) o.at.remove(key);
    this.#owner.delete(key);
  }

  /** Calls `fn` for each file holding `name`, with its packed run (syntax/occurrences.ts). */
  lookup(name: string, fn: (key: string, run: Uint8Array) => void): void {
    for (const seg of [...this.#segments]) {
      let postings: Uint8Array | undefined;
      try {
        postings = seg.postings(name, this.#o.blocks);
        if (!postings) continue;
        const found: { key: string; run: Uint8Array }[] = [];
        forEachPosting(postings, (fid, run) => {
          const key = seg.keys[fid];
          if (key === undefined) throw new SegmentDamageError(`${seg.path}: file id ${fid} out of range`);
          if (this.#owns(key, seg, fid)) found.push({ key, run });
        });
        for (const f of found) fn(f.key, f.run);
      } catch (err) {
        if (!(err instanceof SegmentDamageError)) throw err;
        this.#lose(seg, err);
      }
    }
    for (const mem of this.#mems) mem.lookup(name, (key, run) => { if (this.#owns(key, mem, 0)) fn(key, run); });
  }

  /** Writes the memtable into a segment (after any flush or merge running); resolves when done. */
  flush(): Promise<void> {
    return this.#enqueue(() => this.#flushCurrent());
  }

  /** Merges every segment into one (after any flush or merge running). */
  compact(): Promise<void> {
    return this.#enqueue(() => this.#merge());
  }

  /** Waits for flushes and merges under way. */
  idle(): Promise<void> {
    return this.#chain;
  }

  stats(): OccurrenceIndexStats {
    return {
      segments: this.#segments.length,
      segmentBytes: this.#segments.reduce((n, s) => n + s.size, 0),
      memtableBytes: this.#mems.reduce((n, m) => n + m.bytes, 0),
      memtableFiles: this.#mems.reduce((n, m) => n + m.files, 0),
      files: this.#owner.size,
      ...this.#counts,
    };
  }

  /** Closes the segments; the memtable's files are not saved (flush first to keep them). */
  close(): void {
    this.#closed = true;
    for (const s of this.#segments) {
      this.#o.blocks.drop(s.path);
      s.close();
    }
    this.#segments = [];
    this.#owner.clear();
    this.#holders.length = 0;
    this.#slots.clear();
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(() => (this.#closed ? undefined : job()));
    this.#chain = run.catch((err) => {
      this.#o.log.warn(`occurrence index ${this.#o.dir}: ${errorMessage(err)}`);
    });
    return this.#chain;
  }

  async #flushCurrent(): Promise<void> {
    const mem = this.#mems[this.#mems.length - 1]!;
    if (mem.files === 0) return;
    // New files go to a fresh memtable while this one is written.
    this.#mems.push(new Memtable());
    try {
      await this.#flushMem(mem);
    } finally {
      this.#mems = this.#mems.filter((m) => m !== mem);
      // Every file it held has moved to the segment, been deleted, or been reported lost.
      this.#detach(mem);
    }
    if (this.#segments.length > this.#maxSegments) await this.#merge(false);
  }

  async #flushMem(mem: Memtable): Promise<void> {
    const serial = this.#nextSerial++;
    const path = join(this.#o.dir, `occ-${serial}.seg`);
    const writer = new SegmentWriter(path);
    const written: { key: string; fid: number }[] = [];
    const sink = new PostingsSink();
    let n = 0;
    try {
      for (const step of mem.drain()) {
        if (step.kind === 'file') {
          written.push({ key: step.key, fid: writer.addFile(step.key, step.signature) });
          continue;
        }
        for (const r of step.runs) sink.add(r.fileId, r.run);
        const pairs = sink.pairs;
        writer.addName(step.name, sink.take(), pairs);
        if (++n % NAMES_PER_SLICE === 0) await yieldToEventLoop();
      }
      writer.finish();
    } catch (err) {
      writer.abort();
      rmSync(`${path}.tmp`, { force: true });
      // The memtable's files are lost with it: they must be indexed again.
      const lost = [...this.#owner.keys()].filter((key) => this.#ownerOf(key)?.at === mem);
      for (const k of lost) this.#owner.delete(k);
      if (lost.length > 0) this.#o.onLost?.(lost);
      throw err;
    }
    const seg = SegmentReader.open(path);
    this.#segments.push(seg);
    this.#writeManifest();
    for (const w of written) {
      if (this.#ownerOf(w.key)?.at === mem) this.#own(seg, w.fid);
    }
    this.#counts.flushes++;
  }

  /**
   * Merges segments into one: all of them (`compact`), or after a flush the newest run of similar
   * size — the newest two, and each older one not larger than those taken so far — so a file's
   * entries are rewritten a few times over a long run rather than at every merge.
   */
  async #merge(all = true): Promise<void> {
    const segs = this.#segments;
    let from = Math.max(0, segs.length - 2);
    if (!all) {
      let taken = segs.slice(from).reduce((n, s) => n + s.size, 0);
      while (from > 0 && segs[from - 1]!.size <= taken) taken += segs[--from]!.size;
    } else {
      from = 0;
    }
    const inputs = segs.slice(from);
    if (inputs.length < 2) return;
    const serial = this.#nextSerial++;
    const path = join(this.#o.dir, `occ-${serial}.seg`);
    const writer = new SegmentWriter(path);
    // New ids, segment by segment, for the files each input owns now; -1 for dead entries.
    const remaps = inputs.map((seg) => {
      const remap = new Int32Array(seg.keys.length).fill(-1);
      seg.keys.forEach((key, fid) => {
        if (this.#owns(key, seg, fid)) remap[fid] = writer.addFile(key, seg.signature(fid));
      });
      return remap;
    });
    const sink = new PostingsSink();
    try {
      let n = 0;
      for (const step of mergeByName(inputs.map((seg) => seg.entries()))) {
        const name = step.name;
        step.inputs.forEach((i, k) => {
          const remap = remaps[i]!;
          try {
            forEachPosting(inputs[i]!.readPostings(step.items[k]!.entry), (fid, run) => {
              const id = remap[fid];
              if (id !== undefined && id >= 0) sink.add(id, run);
            });
          } catch (err) {
            if (!(err instanceof SegmentDamageError) || err.message.startsWith(inputs[i]!.path)) throw err;
            throw new SegmentDamageError(`${inputs[i]!.path}: ${err.message}`);
          }
        });
        const pairs = sink.pairs;
        const postings = sink.take();
        if (pairs > 0) writer.addName(name, postings, pairs);
        if (++n % NAMES_PER_SLICE === 0) await yieldToEventLoop();
      }
      writer.finish();
    } catch (err) {
      writer.abort();
      rmSync(`${path}.tmp`, { force: true });
      if (err instanceof SegmentDamageError) {
        const bad = inputs.find((s) => err.message.startsWith(s.path));
        if (bad) this.#lose(bad, err);
        return;
      }
      throw err;
    }
    const merged = SegmentReader.open(path);
    // In the inputs' place: segments flushed during the merge are newer, so they stay after it.
    let at = this.#segments.findIndex((s) => inputs.includes(s));
    if (at < 0) at = this.#segments.length;
    this.#segments = [
      ...this.#segments.slice(0, at), merged, ...this.#segments.slice(at).filter((s) => !inputs.includes(s)),
    ];
    this.#writeManifest();
    inputs.forEach((seg, i) => {
      const remap = remaps[i]!;
      seg.keys.forEach((key, fid) => {
        if (this.#owns(key, seg, fid) && remap[fid]! >= 0) this.#own(merged, remap[fid]!);
      });
      this.#detach(seg);
      this.#o.blocks.drop(seg.path);
      seg.close();
      rmSync(seg.path, { force: true });
    });
    this.#counts.merges++;
  }

  /**
   * Makes `seg` the owner of its file `fid`, keyed by the segment's own copy of the path: the key
   * string another owner held is then garbage, so a path is kept once however often it moves.
   */
  #own(seg: SegmentReader, fid: number): void {
    const key = seg.keys[fid]!;
    this.#owner.delete(key);
    this.#setOwner(key, seg, fid);
  }

  #slotOf(h: Holder): number {
    let slot = this.#slots.get(h);
    if (slot !== undefined) return slot;
    slot = this.#holders.indexOf(undefined);
    if (slot < 0) slot = this.#holders.length;
    if (slot >= HOLDER_SLOTS) throw new Error('strata: too many occurrence segments at once');
    this.#holders[slot] = h;
    this.#slots.set(h, slot);
    return slot;
  }

  /** Frees a holder's slot once nothing can refer to it (its owners have moved or been deleted). */
  #detach(h: Holder): void {
    const slot = this.#slots.get(h);
    if (slot === undefined) return;
    this.#slots.delete(h);
    this.#holders[slot] = undefined;
  }

  #setOwner(key: string, h: Holder, fid: number): void {
    if (fid >= MAX_SEGMENT_FILES) {
      throw new Error(`strata: an occurrence segment holds at most ${MAX_SEGMENT_FILES} files`);
    }
    this.#owner.set(key, fid * HOLDER_SLOTS + this.#slotOf(h));
  }

  #ownerOf(key: string): Owner | undefined {
    const v = this.#owner.get(key);
    if (v === undefined) return undefined;
    const at = this.#holders[v % HOLDER_SLOTS];
    return at ? { at, fid: Math.floor(v / HOLDER_SLOTS) } : undefined;
  }

  #owns(key: string, h: Holder, fid: number): boolean {
    const slot = this.#slots.get(h);
    return slot !== undefined && this.#owner.get(key) === fid * HOLDER_SLOTS + slot;
  }

  /** Drops a damaged segment: its owned files are reported lost, the manifest forgets it. */
  #lose(seg: SegmentReader, err: Error): void {
    if (!this.#segments.includes(seg)) return;
    this.#counts.damaged++;
    this.#o.log.warn(`occurrence index: ${errorMessage(err)}; the segment is dropped and its files indexed again`);
    this.#segments = this.#segments.filter((s) => s !== seg);
    const lost: string[] = [];
    seg.keys.forEach((key, fid) => {
      if (this.#owns(key, seg, fid)) {
        this.#owner.delete(key);
        lost.push(key);
      }
    });
    this.#detach(seg);
    this.#writeManifest();
    this.#o.blocks.drop(seg.path);
    seg.close();
    rmSync(seg.path, { force: true });
    if (lost.length > 0) this.#o.onLost?.(lost);
  }

  #load(): void {
    mkdirSync(this.#o.dir, { recursive: true });
    const listed = this.#readManifest();
    for (const file of listed) {
      const m = SEGMENT_FILE.exec(file);
      if (m) this.#nextSerial = Math.max(this.#nextSerial, Number(m[1]) + 1);
      try {
        this.#segments.push(SegmentReader.open(join(this.#o.dir, file)));
      } catch (err) {
        this.#counts.damaged++;
        this.#o.log.warn(`occurrence index: ${errorMessage(err)}; its files are indexed again`);
      }
    }
    for (const file of readdirSync(this.#o.dir)) {
      const m = SEGMENT_FILE.exec(file);
      if (!m) continue;
      this.#nextSerial = Math.max(this.#nextSerial, Number(m[1]) + 1);
      if (m[2] || !this.#segments.some((s) => s.path === join(this.#o.dir, file))) {
        rmSync(join(this.#o.dir, file), { force: true });
      }
    }
    // Oldest first, so a newer segment's entry for a file wins.
    for (const seg of this.#segments) seg.keys.forEach((key, fid) => this.#setOwner(key, seg, fid));
    if (this.#segments.length !== listed.length) this.#writeManifest();
  }

  #readManifest(): string[] {
    const path = join(this.#o.dir, MANIFEST);
    if (!existsSync(path)) return [];
    try {
      const m = JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown; segments?: unknown };
      if (typeof m.format === 'number' && m.format < MANIFEST_FORMAT && Array.isArray(m.segments)) {
        this.#o.log.info(`occurrence index ${path}: format ${m.format}, written by an older Strata; `
          + 'its files are indexed again');
        return [];
      }
      if (m.format !== MANIFEST_FORMAT || !Array.isArray(m.segments)) throw new Error('unknown format');
      return m.segments.filter((s): s is string => typeof s === 'string' && SEGMENT_FILE.test(s)
        && !s.endsWith('.tmp'));
    } catch (err) {
      this.#counts.damaged++;
      this.#o.log.warn(`occurrence index ${path}: ignored (${errorMessage(err)}); its files are indexed again`);
      return [];
    }
  }

  #writeManifest(): void {
    const path = join(this.#o.dir, MANIFEST);
    const body = JSON.stringify({
      format: MANIFEST_FORMAT, segments: this.#segments.map((s) => s.path.slice(this.#o.dir.length + 1)),
    });
    writeFileSync(`${path}.tmp`, body);
    const fd = openSync(`${path}.tmp`, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${path}.tmp`, path);
    fsyncDir(this.#o.dir);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
