/**
 * One bulk-parse job, run in whatever thread calls it (a pool worker, or the main thread as the
 * single-thread reference): read or take the bytes, check them, parse, analyse, delete the tree.
 *
 * Guarantees: returns plain data only (the tree is released before returning, counted by the
 * thread's ledger); never throws for a bad file: unreadable, too large, binary or invalid UTF-8
 * files come back with a `reason` and no analysis. Size is checked with stat before reading, so an
 * oversized file is never loaded.
 * Concurrency: a file is read synchronously, because a worker runs one job at a time with nothing
 * else to do, and asynchronous reads would cost it several round trips through libuv's thread pool,
 * each waiting for a core busy with parsing. (The indexer sends bytes; paths are read here.)
 */
import { readFileSync, statSync } from 'node:fs';
import { analyzeFile, queryFor } from './analysis/index.js';
import { checkFileBytes, DEFAULT_MAX_FILE_BYTES, type SkipReason } from './fileCheck.js';
import type { LanguageName } from './languages.js';
import { parserFor } from './parsers.js';
import type { StageClock } from './stageClock.js';
import { threadLedger } from './trees.js';
import type { FileAnalysis } from './types.js';

export interface ParseInput {
  lang: LanguageName;
  /** A file to read, or … */
  path?: string;
  /** … its bytes (then `path` is only a label). */
  bytes?: Uint8Array;
  /** Also return every reference with its span (find-references); costs memory, so off for indexing. */
  references?: boolean;
}

export interface ParseOutcome {
  path?: string;
  lang: LanguageName;
  /** Size of the input in bytes (0 when unreadable). */
  bytes: number;
  analysis?: FileAnalysis;
  /** Why there is no analysis. */
  reason?: SkipReason | 'unreadable' | 'worker-crash' | 'error';
  detail?: string;
}

/** `clock`, when given, is charged with each stage of the job but the last (`wire`: the caller's). */
export async function runParseJob(
  input: ParseInput, maxBytes = DEFAULT_MAX_FILE_BYTES, clock?: StageClock,
): Promise<ParseOutcome> {
  clock?.start();
  const base: ParseOutcome = { lang: input.lang, bytes: 0, ...(input.path !== undefined ? { path: input.path } : {}) };
  let bytes = input.bytes;
  if (!bytes) {
    if (input.path === undefined) return { ...base, reason: 'error', detail: 'neither path nor bytes' };
    try {
      // Synchronous: see the header.
      const st = statSync(input.path);
      if (st.size > maxBytes) return { ...base, bytes: st.size, reason: 'too-large' };
      bytes = readFileSync(input.path);
    } catch (e) {
      return { ...base, reason: 'unreadable', detail: (e as Error).message };
    } finally {
      clock?.lap('read');
    }
  }
  base.bytes = bytes.length;
  const checked = checkFileBytes(bytes, maxBytes);
  clock?.lap('check');
  if (!checked.ok) return { ...base, reason: checked.reason };
  try {
    const parser = await parserFor(input.lang);
    // Compiled here rather than in the query pass, so that its cost is charged to `setup`.
    queryFor(input.lang, parser.language!);
    clock?.lap('setup');
    const tree = threadLedger.parse(parser, checked.text, input.lang);
    clock?.lap('parse');
    try {
      return {
        ...base,
        analysis: analyzeFile(tree.tree, input.lang, {
          text: checked.text, references: input.references === true, ...(clock ? { clock } : {}),
        }),
      };
    } finally {
      tree.release();
      clock?.lap('release');
    }
  } catch (e) {
    return { ...base, reason: 'error', detail: (e as Error).message };
  }
}
