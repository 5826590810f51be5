/**
 * Files change behind the server's back (no watcher, or a client that sends no events). Before the
 * workspace serves anything about a file not open in an editor, `check(key)` compares one `stat` (and
 * `access`) with the recorded size and mtime (and, while the mtime is younger than RACY_MS, the bytes):
 * unchanged → served as held; changed → re-indexed first; gone, not a file or unreadable → forgotten
 * everywhere. `recover(key)` re-reads a closed file whose cache entry failed with no verifiable
 * fallback, because for a closed file the disk is the truth.
 * Workspace-wide answers also depend on files nobody asked about: `sweep()` stats every known file in
 * the background, at most once per SWEEP_INTERVAL_MS; callers still `check` their results' files.
 * Open documents are never checked: the editor's text is their truth.
 * Concurrency: async; concurrent checks of one file share one re-index, and a sweep stats one file at
 * a time.
 */
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { forgetFile, indexFileFromDisk, type IndexTargets } from './fileIndexer.js';

/**
 * Whole-workspace sweeps start at most this often, and never sooner than SWEEP_DUTY times the last
 * sweep's duration after it ended: on a workspace of 100 000 files a sweep's stats take a while, and
 * the background work must stay a small share of the server's time whatever the workspace's size.
 */
const SWEEP_INTERVAL_MS = 2000;
const SWEEP_DUTY = 20;
/** Stats in flight during a sweep. */
const SWEEP_BATCH = 64;
/**
 * A file modified this recently may have been written again within the same mtime tick (Linux stamps
 * files with a coarse clock; some file systems keep seconds): while its mtime is this young, an
 * unchanged size and mtime is not trusted and the bytes are compared (git's "racily clean" case).
 */
const RACY_MS = 2000;

export type DiskState = 'same' | 'changed' | 'gone';

export interface FreshnessOptions {
  targets: IndexTargets;
  isOpen(key: string): boolean;
  /** Drops the file's live tree and text (hot tier), so the next request rebuilds from the new text. */
  dropTree(key: string): void;
  /** The file was re-read or forgotten: what the persistent cache records of it may be out of date. */
  reread?(key: string): void;
}

/**
 * Whether this process may read the file `st` describes: by its mode bits when they let everyone read
 * (most files; no second system call per check), else as access(2) says. The stat succeeded, so the
 * folders on the way are searchable; an ACL denying what the bits allow is not seen here, and a read
 * that fails is handled where it happens.
 */
function readable(key: string, st: Stats): boolean {
  if ((st.mode & 0o444) === 0o444) return true;
  try {
    accessSync(key, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export class Freshness {
  readonly #o: FreshnessOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  #lastSweep = -Infinity;
  #nextInterval = SWEEP_INTERVAL_MS;
  #sweeping = false;
  /** Files re-indexed and forgotten because the disk changed behind the server's back. */
  readonly counts = { reindexed: 0, forgotten: 0, recovered: 0 };

  constructor(options: FreshnessOptions) {
    this.#o = options;
  }

  /** What the disk says about a file recorded as read at `disk` (one stat and one access; a read only while racy). */
  state(key: string, disk: { size: number; mtimeMs: number }): DiskState {
    const st = statSync(key, { throwIfNoEntry: false });
    if (!st || !st.isFile() || !readable(key, st)) return 'gone';
    if (st.size !== disk.size || st.mtimeMs !== disk.mtimeMs) return 'changed';
    if (Date.now() - st.mtimeMs >= RACY_MS) return 'same';
    const cache = this.#o.targets.cache;
    try {
      return cache.has(key) && Buffer.from(cache.peek(key)).equals(readFileSync(key)) ? 'same' : 'changed';
    } catch {
      return 'changed';
    }
  }

  /** Makes what the workspace holds about `key` agree with the disk; resolves once it does. */
  check(key: string): Promise<void> {
    return this.checkNow(key) ?? Promise.resolve();
  }

  /**
   * `check`, but undefined when the file needed nothing (open, unknown, or the same on disk): a caller
   * checking thousands of files makes a promise only for those that change.
   */
  checkNow(key: string): Promise<void> | undefined {
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const disk = this.#o.isOpen(key) ? undefined : this.#o.targets.files.get(key)?.disk;
    if (!disk) return undefined;
    const state = this.state(key, disk);
    if (state === 'same') return undefined;
    return this.#refresh(key, state);
  }

  /** Re-reads a closed file whose cached text could not be verified; false when there is no disk copy to read. */
  async recover(key: string): Promise<boolean> {
    if (this.#o.isOpen(key) || !this.#o.targets.files.get(key)?.disk) return false;
    this.counts.recovered++;
    await this.#refresh(key, 'changed');
    return true;
  }

  /** Starts a background sweep of every known file if none ran recently; never waits for it. */
  sweep(): void {
    const now = performance.now();
    if (this.#sweeping || now - this.#lastSweep < this.#nextInterval) return;
    this.#sweeping = true;
    this.#lastSweep = now;
    void this.#sweepAll().finally(() => {
      this.#sweeping = false;
      this.#lastSweep = performance.now();
      this.#nextInterval = Math.max(SWEEP_INTERVAL_MS, SWEEP_DUTY * (this.#lastSweep - now));
    });
  }

  async #sweepAll(): Promise<void> {
    const files = this.#o.targets.files;
    const keys = [...files.keys()];
    for (let i = 0; i < keys.length; i += SWEEP_BATCH) {
      await Promise.all(keys.slice(i, i + SWEEP_BATCH).map(async (key) => {
        const disk = this.#o.isOpen(key) ? undefined : files.get(key)?.disk;
        if (!disk) return;
        const st = await stat(key).catch(() => undefined);
        if (st && st.isFile() && st.size === disk.size && st.mtimeMs === disk.mtimeMs) return;
        await this.check(key);
      }));
    }
  }

  #refresh(key: string, state: 'changed' | 'gone'): Promise<void> {
    const t = this.#o.targets;
    const run = (async () => {
      this.#o.dropTree(key);
      if (state === 'gone') {
        this.counts.forgotten++;
        forgetFile(t, key);
        return;
      }
      const st = statSync(key, { throwIfNoEntry: false });
      const result = st?.isFile()
        ? (await indexFileFromDisk(t, key, { size: st.size, mtimeMs: st.mtimeMs })).result
        : 'skipped';
      if (result === 'skipped') {
        this.counts.forgotten++;
        forgetFile(t, key);
      } else {
        this.counts.reindexed++;
      }
    })().finally(() => {
      this.#inFlight.delete(key);
      this.#o.reread?.(key);
    });
    this.#inFlight.set(key, run);
    return run;
  }
}
