/**
 * What the workspace knows of each file beyond its text: language, size and mtime on disk, whether its
 * tree has syntax errors, and what its analysis was made from. One small record per file; the whole
 * per-file cost is stated in memoryBound.ts.
 * Counters (files, bytes, per language, files with errors) are kept as records change, so the stats
 * object is exact without a scan. Main thread, synchronous.
 */
import type { LanguageName } from '../syntax/languages.js';

export interface FileRecord {
  language: LanguageName | undefined;
  /** Bytes of the current text. */
  bytes: number;
  /** On-disk size and mtime when the text was read; undefined for documents that exist only in the editor. */
  disk: { size: number; mtimeMs: number } | undefined;
  hasErrors: boolean;
  /** Why the file has no tree, when it has none. */
  noTreeReason?: string;
  /**
   * Length and CRC-32 of the text the symbols, occurrences and `hasErrors` were computed from: an editor
   * buffer opened with that very text needs no new query pass for its outline and diagnostics.
   */
  analyzed?: { bytes: number; crc: number };
}

export class FileTable {
  readonly #files = new Map<string, FileRecord>();
  #bytes = 0;
  #withErrors = 0;
  readonly #perLanguage = new Map<string, number>();

  get size(): number {
    return this.#files.size;
  }

  get(key: string): FileRecord | undefined {
    return this.#files.get(key);
  }

  has(key: string): boolean {
    return this.#files.has(key);
  }

  keys(): IterableIterator<string> {
    return this.#files.keys();
  }

  entries(): IterableIterator<[string, FileRecord]> {
    return this.#files.entries();
  }

  set(key: string, record: FileRecord): void {
    this.delete(key);
    this.#files.set(key, record);
    this.#count(record, +1);
  }

  /** Changes some fields of a record, keeping the counters exact. */
  update(key: string, change: Partial<FileRecord>): void {
    const old = this.#files.get(key);
    if (!old) return;
    this.#count(old, -1);
    Object.assign(old, change);
    this.#count(old, +1);
  }

  delete(key: string): boolean {
    const old = this.#files.get(key);
    if (!old) return false;
    this.#count(old, -1);
    this.#files.delete(key);
    return true;
  }

  /** Keys under a folder (for removing a workspace folder). */
  *under(root: string): IterableIterator<string> {
    const prefix = root.endsWith('/') ? root : root + '/';
    for (const key of this.#files.keys()) if (key.startsWith(prefix)) yield key;
  }

  totals(): { files: number; bytes: number; parseErrors: number; languages: Record<string, number> } {
    return {
      files: this.#files.size, bytes: this.#bytes, parseErrors: this.#withErrors,
      languages: Object.fromEntries(this.#perLanguage),
    };
  }

  #count(r: FileRecord, sign: 1 | -1): void {
    this.#bytes += sign * r.bytes;
    if (r.hasErrors) this.#withErrors += sign;
    if (r.language) {
      const n = (this.#perLanguage.get(r.language) ?? 0) + sign;
      if (n === 0) this.#perLanguage.delete(r.language);
      else this.#perLanguage.set(r.language, n);
    }
  }
}
