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
 */
import { scanWorkspace, type ScannedFile, type ScanOptions } from './scanner.js';
import { MAX_STORED_FILE_BYTES, type IndexFileResult } from './fileIndexer.js';

export interface FolderProgress {
  begin(title: string): void;
  report(filesDone: number, filesTotal: number, bytesDone: number): void;
  end(message: string): void;
}

export interface FolderIndexResult {
  files: number;
  indexed: number;
  storedWithoutTree: number;
  bytes: number;
  elapsedMs: number;
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

export async function indexFolder(root: string, scan: ScanOptions, progress: FolderProgress, opts: FolderIndexOptions): Promise<FolderIndexResult> {
  const started = performance.now();
  progress.begin('Strata: indexing');
  const scanOptions: ScanOptions = { ...scan, maxFileSize: MAX_STORED_FILE_BYTES, ...(opts.signal ? { signal: opts.signal } : {}) };

  let total = 0;
  for await (const _ of scanWorkspace(root, scanOptions)) total++;

  const result: FolderIndexResult = { files: 0, indexed: 0, storedWithoutTree: 0, bytes: 0, elapsedMs: 0 };
  let done = 0;
  const inFlight = new Set<Promise<void>>();
  for await (const file of scanWorkspace(root, scanOptions)) {
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
  progress.end(`Strata: indexed ${result.files} files (${(result.bytes / 1048576).toFixed(1)} MB) in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  return result;
}
