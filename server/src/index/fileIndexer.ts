/**
 * Indexing one file: store its bytes in the cache (with a fallback that re-reads the disk while the
 * file is unchanged), parse it in a worker, and record what the workspace needs — its symbols in the
 * symbol index, its name occurrences in the occurrence index, its language, size and error state.
 *
 * Files without a language Strata knows are not stored (they could never be asked about). Files too
 * large for a tree, binary or invalid UTF-8 files of a known language are stored and counted, with
 * no symbols, and the reason is logged once.
 */
import { open, readFile } from 'node:fs/promises';
import { crc32, type SourceCache } from '../cache/index.js';
import { detectLanguage, type LanguageInfo, type LanguageName } from '../syntax/languages.js';
import { incompleteMessage } from '../syntax/analysis/index.js';
import { packedOutlineOf } from '../syntax/packedOutline.js';
import type { ParserPool } from '../syntax/parserPool.js';
import type { FileAnalysis } from '../syntax/types.js';
import { diskFallback } from './diskFallback.js';
import type { FileTable } from './fileTable.js';
import type { Occurrences } from './occurrences/occurrences.js';
import type { SymbolIndex } from './symbolIndex.js';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';

/** Files above this are not even stored: nothing a language server does needs them. */
export const MAX_STORED_FILE_BYTES = 64 * 1024 * 1024;

export interface IndexTargets {
  cache: SourceCache;
  pool: ParserPool;
  symbols: SymbolIndex;
  files: FileTable;
  occurrences: Occurrences;
  enabled: (lang: LanguageName) => boolean;
  /** Files above this many bytes are stored without a tree (the `trees.maxFileSizeMB` setting). */
  treeCapBytes: () => number;
  log: Logger;
  /**
   * Documents open in an editor. Their text is the editor's: bytes read from disk while one was
   * being opened are neither stored nor analysed (without this check a didOpen that arrived during
   * the disk read was overwritten in the cache by the disk's bytes).
   */
  isOpen?: (key: string) => boolean;
}

/** The language of a file on disk, by name and then by its `#!` line. */
function languageOfFile(path: string, firstBytes?: Uint8Array): LanguageInfo | undefined {
  const byName = detectLanguage(path);
  if (byName || !firstBytes || firstBytes[0] !== 0x23 || firstBytes[1] !== 0x21) return byName;
  const end = firstBytes.indexOf(0x0a);
  const firstLine = Buffer.from(firstBytes.subarray(0, end < 0 ? Math.min(firstBytes.length, 256) : end))
    .toString('utf8');
  return detectLanguage(path, { firstLine });
}

/** Records an analysis (or its absence) for `key`, made from a text of `text.bytes` bytes with CRC-32 `text.crc`. */
export function recordAnalysis(
  t: IndexTargets, key: string, lang: LanguageName, text: { bytes: number; crc: number },
  disk: { size: number; mtimeMs: number } | undefined, analysis: FileAnalysis | undefined, noTreeReason?: string,
): void {
  if (analysis) t.symbols.replaceFile(key, packedOutlineOf(analysis) ?? analysis.symbols);
  else t.symbols.removeFile(key);
  t.occurrences.record(key, text, analysis?.occurrences);
  t.files.set(key, {
    language: lang,
    bytes: text.bytes,
    disk,
    hasErrors: analysis ? analysis.diagnostics.length > 0 : false,
    ...(noTreeReason ? { noTreeReason } : {}),
    analyzed: text,
  });
}

export type IndexFileResult = 'indexed' | 'stored-without-tree' | 'skipped' | 'open';

/** What the index keeps of one parse: the analysis, or why the file has no tree. */
export type SourceAnalysis = { analysis: FileAnalysis } | { noTreeReason: string };

/**
 * Reads a file of a language Strata indexes (by name, else by its `#!` line). Undefined, with the
 * reason logged when it is worth a line, for files it does not index or cannot read.
 */
export async function readSourceFile(
  t: Pick<IndexTargets, 'enabled' | 'log'>, path: string, size: number,
): Promise<{ lang: LanguageName; bytes: Uint8Array } | undefined> {
  if (size > MAX_STORED_FILE_BYTES) {
    t.log.info(`${path}: ${(size / 1048576).toFixed(1)} MB, above the ${MAX_STORED_FILE_BYTES / 1048576} MB `
      + 'a file may have to be stored; skipped');
    return undefined;
  }
  let lang = detectLanguage(path);
  if (!lang && size === 0) return undefined;
  try {
    if (!lang) {
      // Only a `#!` line can still make it ours: read the head before reading the whole file.
      const handle = await open(path, 'r');
      try {
        const head = new Uint8Array(256);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        lang = languageOfFile(path, head.subarray(0, bytesRead));
      } finally {
        await handle.close();
      }
      if (!lang) return undefined;
    }
    if (!t.enabled(lang.name)) return undefined;
    return { lang: lang.name, bytes: await readFile(path) };
  } catch (err) {
    t.log.warn(`${path}: cannot be read (${errorMessage(err)}); skipped`);
    return undefined;
  }
}

/** Parses `bytes` in a worker (unless above the tree cap); logs why a file has no tree or an incomplete analysis. */
export async function analyseSource(
  t: Pick<IndexTargets, 'pool' | 'treeCapBytes' | 'log'>, key: string, lang: LanguageName, bytes: Uint8Array,
): Promise<SourceAnalysis> {
  const outcome = bytes.length > t.treeCapBytes()
    ? { reason: 'too-large' as const, detail: undefined }
    : await t.pool.parse({ lang, bytes, path: key });
  if (!('analysis' in outcome) || !outcome.analysis) {
    const reason = outcome.reason === 'too-large' ? 'too large for a tree'
      : outcome.reason === 'binary' ? 'binary'
      : outcome.reason === 'invalid-utf8' ? 'not valid UTF-8'
      : `${outcome.reason ?? 'error'}${outcome.detail ? `: ${outcome.detail}` : ''}`;
    t.log.info(`${key}: stored without a tree (${reason})`);
    return { noTreeReason: reason };
  }
  if (outcome.analysis.incomplete) t.log.warn(`${key}: ${incompleteMessage(outcome.analysis.incomplete)}`);
  return { analysis: outcome.analysis };
}

/**
 * Reads, stores and indexes one file from disk. `known` carries size/mtime when the caller has
 * stat'ed it already (the scanner has). Never throws for a bad file: it is logged and skipped.
 */
export async function indexFileFromDisk(
  t: IndexTargets, path: string, known: { size: number; mtimeMs: number },
): Promise<{ result: IndexFileResult; bytes: number }> {
  const source = await readSourceFile(t, path, known.size);
  if (!source) return { result: 'skipped', bytes: 0 };
  if (t.isOpen?.(path)) return { result: 'open', bytes: 0 };
  return indexBytes(t, path, source.lang, source.bytes, { size: known.size, mtimeMs: known.mtimeMs });
}

/** Stores and indexes given bytes for `key` (from disk when `disk` is set, else an editor's text). */
async function indexBytes(t: IndexTargets, key: string, lang: LanguageName, bytes: Uint8Array,
  disk: { size: number; mtimeMs: number } | undefined): Promise<{ result: IndexFileResult; bytes: number }> {
  const text = { bytes: bytes.length, crc: crc32(bytes) };
  // Read from disk, the text is there: the cache keeps its length and CRC only, and reads it back
  // (verified) when asked, because indexing reads every file once and most are never asked for.
  if (disk) {
    t.cache.adopt(key, { length: text.bytes, crc: text.crc }, diskFallback(key, disk.size, disk.mtimeMs), 'origin');
  } else {
    t.cache.put(key, bytes);
  }
  const outcome = await analyseSource(t, key, lang, bytes);
  // Opened while it was parsed: the editor's text is analysed instead (its cache entry is the editor's already).
  if (disk && t.isOpen?.(key)) return { result: 'open', bytes: bytes.length };
  if ('noTreeReason' in outcome) {
    recordAnalysis(t, key, lang, text, disk, undefined, outcome.noTreeReason);
    return { result: 'stored-without-tree', bytes: bytes.length };
  }
  recordAnalysis(t, key, lang, text, disk, outcome.analysis);
  return { result: 'indexed', bytes: bytes.length };
}

/** Forgets a file everywhere the index keeps it. */
export function forgetFile(t: IndexTargets, key: string): void {
  t.symbols.removeFile(key);
  t.occurrences.forget(key);
  t.files.delete(key);
  if (t.cache.has(key)) t.cache.delete(key);
}
