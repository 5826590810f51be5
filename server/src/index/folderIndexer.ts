/**
 * Indexing a workspace folder: a streaming pipeline. The scanner yields files one at a time; each is
 * read, stored and parsed (fileIndexer.ts) with a bounded number in flight, so memory holds only
 * those files' bytes, never the workspace. A first, cheap pass (directory listing and stat only)
 * counts the files so that progress can say "n of N" and a percentage.
 *
 * Files open in an editor are skipped: the editor's text is the truth for them. Files `keep` accepts
 * (unchanged since a loaded snapshot, see persistence.ts) count as done without being read. What
 * indexing a file means is the caller's (`indexFile`): the workspace stores it in its cache and
 * symbol index (fileIndexer.ts), `strata index` writes it to a snapshot (headlessIndex.ts).
 *
 * A root whose ignore rules leave out everything, or most of it, is a warning (logged, in the end
 * message and in the result), naming the rule files: such rules are usually meant for another tree.
 */
import { Logger } from '../base/log.js';
import { scanWorkspace, type ScannedFile, type ScanOptions, type ScanReport } from './scanner.js';
import { MAX_STORED_FILE_BYTES, type IndexFileResult } from './fileIndexer.js';

export interface FolderProgress {
  begin(title: string): void;
  report(filesDone: number, filesTotal: number, bytesDone: number): void;
  /** `result` is the run's, for callers that summarize it (`strata index`). */
  end(message: string, result?: FolderIndexResult): void;
}

export interface FolderIndexResult {
  files: number;
  indexed: number;
  storedWithoutTree: number;
  bytes: number;
  elapsedMs: number;
  /** The scan's report: files found, and what each rule source left out. */
  scan: ScanReport;
  /** Set when the ignore rules left out all or most of the tree (see ignoreWarning). */
  ignoreWarning?: string;
}

/** The scan options as callers give them: the scan's warnings reach `log` at warn. */
export type FolderScanOptions = Omit<ScanOptions, 'log'> & { log?: Logger };

/**
 * Ignored entries count a directory as one, so they understate what is left out: when they
 * outnumber the files kept, the rules drop the tree itself, not its build output. Below this many
 * such entries a tree is too small for the share to mean that (a new project's few ignored folders).
 */
const MOST_IGNORED_MIN_ENTRIES = 10;

/** The warning for a scan whose rules left out all or most of the tree, naming the rule files; else undefined. */
function ignoreWarning(root: string, scan: ScanReport): string | undefined {
  const dropped = scan.ignored.reduce((n, s) => n + s.entries, 0);
  if (dropped === 0) return undefined;
  if (scan.files > 0 && (dropped <= scan.files || dropped < MOST_IGNORED_MIN_ENTRIES)) return undefined;
  const what = scan.files === 0 ? 'no file to index' : `only ${scan.files} file${scan.files === 1 ? '' : 's'} to index`;
  const by = scan.ignored.slice(0, 3).map((s) => `${s.source}: rule '${s.topRule}' left out ${s.topRuleEntries}`
    + (s.entries > s.topRuleEntries ? ` (its rules ${s.entries})` : '')).join('; ');
  const more = scan.ignored.length > 3 ? `; ${scan.ignored.length - 3} more rule sources` : '';
  return `${root}: ${what}; ignore rules left out ${dropped} entries (a directory counts as one): ${by}${more}`;
}


export interface FolderIndexOptions {
  /** Files being indexed at once (their bytes are what the run holds of the tree). */
  inFlight: number;
  /** Indexes one scanned file; 'skipped' when it is not indexed (unknown language, unreadable). */
  indexFile: (file: ScannedFile) => Promise<{ result: IndexFileResult; bytes: number }>;
  isOpen?: (key: string) => boolean;
  keep?: (file: ScannedFile) => boolean;
  signal?: AbortSignal;
}

export async function indexFolder(
  root: string, scan: FolderScanOptions, progress: FolderProgress, opts: FolderIndexOptions,
): Promise<FolderIndexResult> {
  const started = performance.now();
  progress.begin('Strata: indexing');
  const log = scan.log ?? Logger.silent();
  const scanOptions: ScanOptions = {
    ...scan, log, maxFileSize: MAX_STORED_FILE_BYTES, ...(opts.signal ? { signal: opts.signal } : {}),
  };

  // The counting pass is the whole walk: its report is the run's, and it alone logs the skips.
  let total = 0;
  const counting = scanWorkspace(root, scanOptions);
  let step = await counting.next();
  for (; !step.done; step = await counting.next()) total++;

  const result: FolderIndexResult = {
    files: 0, indexed: 0, storedWithoutTree: 0, bytes: 0, elapsedMs: 0, scan: step.value,
  };
  const warning = ignoreWarning(root, step.value);
  if (warning) {
    result.ignoreWarning = warning;
    log.child('scan').warn(warning);
  } else if (step.value.files === 0) log.child('scan').info(`${root}: no file to index`);
  let done = 0;
  const inFlight = new Set<Promise<void>>();
  for await (const file of scanWorkspace(root, { ...scanOptions, log: Logger.silent() })) {
    if (opts.signal?.aborted) break;
    if (opts.isOpen?.(file.path)) { done++; continue; }
    if (opts.keep?.(file)) {
      done++;
      result.files++;
      result.bytes += file.size;
      progress.report(done, Math.max(total, done), result.bytes);
      continue;
    }
    const job = opts.indexFile(file).then(({ result: r, bytes }) => {
      done++;
      if (r !== 'skipped') {
        result.files++;
        result.bytes += bytes;
        if (r === 'indexed') result.indexed++;
        else if (r === 'stored-without-tree') result.storedWithoutTree++;
      }
      progress.report(done, Math.max(total, done), result.bytes);
    });
    const tracked = job.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= opts.inFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - started;
  const mb = (result.bytes / 1048576).toFixed(1);
  const summary = `Strata: indexed ${result.files} files (${mb} MB) in ${(result.elapsedMs / 1000).toFixed(1)} s`;
  progress.end(warning ? `${summary}. Warning: ${warning}` : summary, result);
  return result;
}
