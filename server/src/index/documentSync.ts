/**
 * Document sync: what didOpen, didChange, didSave and didClose do to the index, and what is kept per
 * open document — its text (openDocuments.ts), its last analysis, and whether it is still the very
 * text it was indexed from. Both kept results are dropped on every open, edit and close.
 *
 * A close decides whether the editor discarded unsaved text by comparing the closed text with the
 * file: sizes first (unequal ⇒ discarded, the live tree is dropped at once), then the bytes, read
 * asynchronously — the main thread never reads a whole file synchronously here. Until that
 * reconciliation ends (for a discarded text, once the disk's text is indexed again) the file is
 * "closing": `settled(key)` waits for it, and every reader of a closed file's text, tree, symbols or
 * occurrences waits there first, so the discarded text is never served.
 * A closing file counts as held by the editor (`isHeld`): the persistent cache and the freshness
 * checks leave it alone until the disk has the last word. A re-open (or another close) during the
 * read wins: the older reconciliation then changes nothing.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { crc32 } from '../cache/index.js';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { HotTier } from '../syntax/hotTier.js';
import { detectLanguage, type LanguageName } from '../syntax/languages.js';
import { EditRangeError, EditableText } from '../syntax/textEdits.js';
import type { FileAnalysis } from '../syntax/types.js';
import { EditRejectedError, type ColumnEncoding, type TextChange } from './api.js';
import { diskFallback } from './diskFallback.js';
import { forgetFile, indexFileFromDisk, MAX_STORED_FILE_BYTES, type IndexTargets } from './fileIndexer.js';
import { ImpossibleEditError, OpenDocuments, type OpenDocument } from './openDocuments.js';

const encoder = new TextEncoder();

/** The analysis of one text of an open document: outline and diagnostics of that text share it. */
export interface KeptAnalysis { lang: LanguageName; text: string; analysis: FileAnalysis }

export interface DocumentSyncParts {
  targets: IndexTargets;
  hot: HotTier;
  log: Logger;
  /**
   * A closed file's disk state may be saved in the persistent cache again (it was left out while held);
   * the cache saves only if what it records of the file differs.
   */
  diskStateChanged(key: string): void;
  /** Reads a closed file to compare it with the closed text (default: fs/promises readFile). */
  readFile?: (path: string) => Promise<Uint8Array>;
}

export class DocumentSync {
  readonly #p: DocumentSyncParts;
  readonly #readFile: (path: string) => Promise<Uint8Array>;
  readonly #docs = new OpenDocuments();
  /**
   * The last analysis of each open document and the text it is of: didOpen's diagnostics and the
   * first documentSymbol would otherwise each run a query pass over the same text.
   */
  readonly #analyses = new Map<string, KeptAnalysis>();
  /**
   * Open documents whose text is still the very text their indexed symbols, occurrences and error state
   * were computed from (same length and CRC-32, no edit since the open): their outline is the
   * indexed one and, without errors, their diagnostics are none — opening a file costs no query pass.
   */
  readonly #asIndexed = new Set<string>();
  /** Closed files whose text is being compared with the disk; each settles once the disk has the last word. */
  readonly #closing = new Map<string, Promise<void>>();

  constructor(parts: DocumentSyncParts) {
    this.#p = parts;
    this.#readFile = parts.readFile ?? readFile;
  }

  get(key: string): OpenDocument | undefined {
    return this.#docs.get(key);
  }

  has(key: string): boolean {
    return this.#docs.has(key);
  }

  keys(): IterableIterator<string> {
    return this.#docs.keys();
  }

  /** Open, or closed and not yet reconciled with the disk: its text is still the editor's business. */
  isHeld(key: string): boolean {
    return this.#docs.has(key) || this.#closing.has(key);
  }

  /** Whether a close of `key` is being reconciled with the disk (`settled` would wait). */
  isClosing(key: string): boolean {
    return this.#closing.has(key);
  }

  /** Resolves once no close of `key` is being reconciled with the disk. */
  async settled(key: string): Promise<void> {
    for (let pending = this.#closing.get(key); pending; pending = this.#closing.get(key)) await pending;
  }

  /** Whether the open document's outline and error state are the indexed ones (unchanged since it was indexed). */
  isAsIndexed(key: string): boolean {
    return this.#asIndexed.has(key);
  }

  /** The kept analysis of the open document's current text, if any. */
  keptAnalysis(key: string): KeptAnalysis | undefined {
    const kept = this.#analyses.get(key);
    return kept && this.#docs.get(key)?.text === kept.text ? kept : undefined;
  }

  /** Keeps an analysis if the document is still open with that very text (it may have changed meanwhile). */
  keepAnalysis(key: string, analysis: KeptAnalysis): void {
    if (this.#docs.get(key)?.text === analysis.text) this.#analyses.set(key, analysis);
  }

  open(key: string, languageId: string, version: number, text: string): void {
    const { targets: t, hot } = this.#p;
    const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || Math.min(text.length, 256));
    const info = detectLanguage(key, { languageId, firstLine });
    const lang = info && t.enabled(info.name) ? info.name : undefined;
    this.#forgetKept(key);
    const bytes = Buffer.byteLength(text);
    this.#docs.open(key, { languageId, lang, version, text, bytes });
    if (!lang) return;
    hot.open(key, text, lang);
    const analyzed = t.files.get(key)?.analyzed;
    const unchanged = analyzed && bytes === analyzed.bytes && crc32(encoder.encode(text)) === analyzed.crc;
    if (unchanged && t.symbols.hasFile(key)) this.#asIndexed.add(key);
    t.cache.setFallback(key, this.#keptCopy(key));
    if (!t.files.has(key)) {
      t.files.set(key, { language: lang, bytes, disk: undefined, hasErrors: false });
    }
  }

  change(key: string, version: number, changes: TextChange[], encoding: ColumnEncoding): void {
    const doc = this.#docs.get(key);
    if (!doc) throw new EditRejectedError(`${key}: edit for a document that is not open; ignored`);
    const { targets: t, hot } = this.#p;
    this.#forgetKept(key);
    try {
      if (!doc.lang) {
        const scratch = new EditableText(doc.text);
        const edits = this.#docs.planChanges(key, version, changes, encoding, scratch);
        for (const e of edits) scratch.apply(e);
        doc.text = scratch.text;
        doc.bytes = scratch.index.byteLength;
      } else {
        const current = hot.editable(key);
        const edits = this.#docs.planChanges(key, version, changes, encoding, current);
        for (const e of edits) hot.edit(key, e);
        doc.text = hot.text(key);
        // The line index keeps the UTF-8 length up to date edit by edit: no pass over the whole text.
        doc.bytes = hot.editable(key).index.byteLength;
        t.files.update(key, { bytes: doc.bytes });
      }
      doc.version = version;
    } catch (err) {
      if (err instanceof ImpossibleEditError || err instanceof EditRangeError) {
        const reason = `the document keeps version ${doc.version}: ${err.message}`;
        throw new EditRejectedError(`${key}: edit refused, ${reason}`);
      }
      throw err;
    }
  }

  /** The open document's file was written (saved, or changed on disk): its disk state is recorded. */
  diskWritten(key: string): void {
    if (!this.#docs.has(key)) return;
    const st = statSync(key, { throwIfNoEntry: false });
    if (st?.isFile()) this.#p.targets.files.update(key, { disk: { size: st.size, mtimeMs: st.mtimeMs } });
  }

  close(key: string): void {
    this.#forgetKept(key);
    const doc = this.#docs.close(key);
    if (!doc) return;
    // This close supersedes the reconciliation of an earlier one, if the file was re-opened meanwhile.
    this.#closing.delete(key);
    const { targets: t, hot } = this.#p;
    hot.close(key);
    const st = key.startsWith('/') ? statSync(key, { throwIfNoEntry: false }) : undefined;
    if (!st || !st.isFile()) {
      // Untitled or deleted: nothing on disk to go back to.
      hot.forget(key);
      forgetFile(t, key);
      this.#p.diskStateChanged(key);
      return;
    }
    const disk = { size: st.size, mtimeMs: st.mtimeMs };
    // Whether the editor discarded unsaved text is told by the disk itself: the closed buffer's last
    // text is compared with the file once, here, rather than tracked on every open, edit and save.
    if (doc.bytes !== disk.size) hot.forget(key);
    if (disk.size > MAX_STORED_FILE_BYTES) {
      void this.#discard(key, undefined, disk);
      this.#p.diskStateChanged(key);
      return;
    }
    const current = (): boolean => this.#closing.get(key) === reconciliation;
    const reconciliation: Promise<void> = this.#reconcile(key, doc, disk, current).catch((err) => {
      this.#p.log.warn(`${key}: ${errorMessage(err)}`);
    }).finally(() => {
      if (!current()) return;
      this.#closing.delete(key);
      this.#p.diskStateChanged(key);
    });
    this.#closing.set(key, reconciliation);
  }

  /** Compares the closed text with the file; the disk's bytes replace a discarded text. */
  async #reconcile(key: string, doc: OpenDocument, disk: { size: number; mtimeMs: number },
    current: () => boolean): Promise<void> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#readFile(key);
    } catch (err) {
      this.#p.log.warn(`${key}: cannot be read after its close (${errorMessage(err)})`);
    }
    // Re-opened, closed again or forgotten meanwhile: that newer state decides, not this read.
    const t = this.#p.targets;
    if (!current() || this.#docs.has(key) || !t.files.has(key)) return;
    if (bytes && bytes.length === doc.bytes && Buffer.from(bytes).equals(encoder.encode(doc.text))) {
      if (t.cache.has(key)) t.cache.setFallback(key, diskFallback(key, disk.size, disk.mtimeMs));
      return;
    }
    // Settled only once the disk's text is indexed: until then the index holds the discarded text's
    // symbols and occurrences (recorded while it was open), and the file's disk state matches them.
    await this.#discard(key, bytes, disk);
  }

  /** The disk is the truth again: the discarded text leaves the cache now, then the file is indexed again. */
  #discard(key: string, bytes: Uint8Array | undefined, disk: { size: number; mtimeMs: number }): Promise<void> {
    const t = this.#p.targets;
    this.#p.hot.forget(key);
    if (bytes && t.cache.has(key)) {
      const meta = { length: bytes.length, crc: crc32(bytes) };
      t.cache.adopt(key, meta, diskFallback(key, disk.size, disk.mtimeMs), 'origin');
    } else if (t.cache.has(key)) {
      t.cache.delete(key);
    }
    // Asked again once the disk's text is indexed: the close's own call may come before that.
    return indexFileFromDisk(t, key, disk).then(
      () => this.#p.diskStateChanged(key),
      (err) => this.#p.log.warn(`${key}: ${errorMessage(err)}`),
    );
  }

  #forgetKept(key: string): void {
    this.#analyses.delete(key);
    this.#asIndexed.delete(key);
  }

  /** The unsaved-buffer fallback: the kept copy of an open document's text. */
  #keptCopy(key: string): () => Uint8Array | undefined {
    return () => {
      const doc = this.#docs.get(key);
      return doc ? encoder.encode(doc.text) : undefined;
    };
  }
}
