/**
 * Wires the hot tier to the cache: the `WarmSide` of HotTier implemented with `SourceCache`.
 * - load: the cache's verified current text, decoded as strict UTF-8; text that is not valid UTF-8 is
 *   not loaded (its offsets could not stay consistent with the bytes).
 * - opened: an editor's buffer becomes the entry's text when it differs.
 * - edited: each edit's byte record goes to the entry's journal (with the CRC of the text after it,
 *   below CRC_AFTER_MAX_CHARS); a full journal is compacted first.
 * - demoted: the journal is folded into chunks, so the warm entry needs no replay.
 * Guarantee: an open document's text is the editor's truth: when the cache cannot give back a
 * verified text for it, the entry is put again from the editor's text, because refusing the load or
 * edit would leave the server behind the editor for good.
 * The caller reports `hot.stats()` to `cache.reportHot`. Concurrency: main thread, synchronous.
 */
import { crc32, IntegrityError, type JournalEdit, type SourceCache } from '../cache/index.js';
import type { WarmSide } from './hotTier.js';
import type { LanguageName } from './languages.js';

// ignoreBOM keeps a leading U+FEFF in the text: dropping it would shift every offset against the bytes the
// cache holds, and the journal's byte records would then land three bytes off.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
/** Texts up to this many characters get the CRC after each edit: below it, encoding and CRC-32 per edit are cheap. */
const CRC_AFTER_MAX_CHARS = 1 << 20;

export function sourceCacheWarmSide(cache: SourceCache, languageOf: (key: string) => LanguageName | undefined,
  editorText: (key: string) => string | undefined = () => undefined): WarmSide {
  /**
   * The cache's verified text, or — for a document open in an editor — the editor's, put back when the
   * cache's fails.
   */
  const read = (key: string): Uint8Array => {
    try {
      return cache.read(key);
    } catch (err) {
      const truth = err instanceof IntegrityError ? editorText(key) : undefined;
      if (truth === undefined) throw err;
      const bytes = encoder.encode(truth);
      cache.put(key, bytes);
      return bytes;
    }
  };
  return {
    load(key) {
      const lang = languageOf(key);
      if (!lang || !cache.has(key)) return undefined;
      let text: string;
      try {
        text = strict.decode(read(key));
      } catch (err) {
        if (err instanceof IntegrityError) throw err;
        return undefined;
      }
      return { text, lang };
    },
    opened(key, text) {
      const bytes = encoder.encode(text);
      if (cache.has(key)) {
        let cur: Uint8Array | undefined;
        try {
          cur = cache.read(key);
        } catch (err) {
          if (!(err instanceof IntegrityError)) throw err;
        }
        if (cur && cur.length === bytes.length
          && Buffer.from(cur.buffer, cur.byteOffset, cur.length).equals(bytes)) return;
      }
      cache.put(key, bytes);
    },
    edited(key, edit, text) {
      try {
        appendEdit(key, edit, text);
      } catch (err) {
        // The text after this edit is the editor's: it replaces whatever the cache could not verify
        // (an IntegrityError, or a RangeError when a damaged recorded length puts the edit outside it).
        if (!(err instanceof IntegrityError || err instanceof RangeError) || editorText(key) === undefined) throw err;
        cache.put(key, encoder.encode(text()));
      }
    },
    demoted(key) {
      if (!cache.has(key)) return;
      try {
        cache.compact(key);
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        // A closed document keeps its recorded damage: its next read takes the fallback path or raises.
        const truth = editorText(key);
        if (truth !== undefined) cache.put(key, encoder.encode(truth));
      }
    },
  };

  function appendEdit(key: string, edit: JournalEdit, text: () => string): void {
    if (!cache.has(key)) {
      cache.put(key, encoder.encode(text()));
      return;
    }
    // The CRC of the text after the edit lets the cache verify a recovery from the kept copy of an
    // unsaved buffer; computing it is O(text), so it is given only while that stays cheap.
    const current = text();
    const options = current.length <= CRC_AFTER_MAX_CHARS ? { crcAfter: crc32(encoder.encode(current)) } : {};
    if (cache.appendEdit(key, edit, options)) return;
    // Journal full: fold it into chunks. The record is for the text before this edit, which is
    // what the cache holds, so append after compacting.
    cache.compact(key);
    if (!cache.appendEdit(key, edit, options)) cache.put(key, encoder.encode(current));
  }
}
