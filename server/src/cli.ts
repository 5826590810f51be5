/**
 * The `strata` command line — a contract other tools depend on:
 *   strata --stdio                                      the language server on stdio
 *   strata index DIR [--json] [--save FILE] [--memory MB] [--workers N]
 * `index` shows a progress bar on a terminal and is quiet otherwise; `--json` prints exactly one JSON
 * object (the stats object) on stdout. Exit status: 0 success, 1 failure, 2 bad usage, with a clear
 * message on stderr.
 * `index` reads and writes the same persistent cache as the server: the snapshot at the default
 * location for DIR (`$XDG_CACHE_HOME/strata/…`), or FILE with `--save`. It streams the tree into a
 * new snapshot (index/headlessIndex.ts), keeping unchanged files of the previous one without reading
 * them again, and writes nothing when nothing changed. A snapshot that cannot be written is a failure (1).
 * `--workers N` sets the parser workers (default: every core, as no editor waits on a headless run);
 * the records written are the same whatever N.
 */
// First, before the other modules load: the young generation stays at its initial size.
import './syntax/v8Heap.js';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { defaultSettings, parseSettings } from './index/settings.js';
import { MAX_WORKERS } from './index/settingsTable.js';
import { snapshotPath } from './index/snapshot/location.js';
import { indexToSnapshot } from './index/headlessIndex.js';
import type { StrataStats } from './protocol.js';
import { formatLine, levelFromEnv, Logger, type LogSink } from './base/log.js';
import type { IndexProgress } from './index/api.js';
import type { FolderIndexResult } from './index/folderIndexer.js';
import { errorMessage } from './base/errors.js';

const stderrSink: LogSink = (level, component, message) => {
  process.stderr.write(
    `strata: ${level === 'info' || level === 'debug' ? '' : `${level}: `}${formatLine(component, message)}\n`,
  );
};

const USAGE = `usage:
  strata --stdio                                  start the language server on stdio
  strata index DIR [--json] [--save FILE] [--memory MB] [--workers N]
                                                  index a tree headlessly (N parser workers;
                                                  default: every core)
  strata --help                                   this text
`;

class UsageError extends Error {}

interface IndexArgs { dir: string; json: boolean; save?: string; memoryMB?: number; workers?: number }

export function parseIndexArgs(args: string[]): IndexArgs {
  const out: Partial<IndexArgs> = { json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') out.json = true;
    else if (a === '--save') out.save = value();
    else if (a === '--memory') {
      const raw = value();
      const mb = Number(raw);
      if (!Number.isFinite(mb) || mb < 16)
        throw new UsageError(`--memory takes a number of MB (at least 16); got '${raw}'`);
      out.memoryMB = mb;
    } else if (a === '--workers') {
      const raw = value();
      const workers = Number(raw);
      if (!/^\d+$/.test(raw) || workers < 1 || workers > MAX_WORKERS)
        throw new UsageError(`--workers takes a whole number from 1 to ${MAX_WORKERS}; got '${raw}'`);
      out.workers = workers;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
    else if (out.dir === undefined) out.dir = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  if (out.dir === undefined) throw new UsageError('index needs a directory');
  return out as IndexArgs;
}

/** A progress bar on a terminal (stderr), silence elsewhere: CI logs and pipes get no control codes. */
function terminalProgress(enabled: boolean): IndexProgress & { stop(): void } {
  if (!enabled) return { begin() {}, report() {}, end() {}, stop() {} };
  const started = Date.now();
  const bar = new SingleBar({
    stream: process.stderr,
    format: ' {bar} {percentage}% | {value}/{total} files | {mb} MB | {rate} MB/s | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: false,
  });
  let running = false;
  return {
    begin() {},
    report(done, total, bytes) {
      const mb = bytes / 1048576;
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      const payload = { mb: mb.toFixed(1), rate: (mb / secs).toFixed(1) };
      if (!running) { bar.start(Math.max(total, 1), done, payload); running = true; }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, payload);
    },
    end() { if (running) { bar.stop(); running = false; } },
    stop() { if (running) { bar.stop(); running = false; } },
  };
}

async function runIndex(args: string[]): Promise<number> {
  const opts = parseIndexArgs(args);
  const dir = resolve(opts.dir);
  let isDir = false;
  try { isDir = statSync(dir).isDirectory(); } catch { /* reported below */ }
  if (!isDir) {
    process.stderr.write(`strata: ${opts.dir}: not a directory\n`);
    return 2;
  }
  const base = defaultSettings();
  const { settings } = parseSettings({
    ...(opts.memoryMB ? { memory: { totalMB: opts.memoryMB } } : {}),
    ...(opts.workers ? { indexing: { workers: opts.workers } } : {}),
  }, base);
  const snapshot = opts.save !== undefined ? resolve(opts.save) : snapshotPath(dir, settings.cacheDir);
  const problem = snapshotProblem(snapshot);
  if (problem) {
    process.stderr.write(
      `strata: ${opts.save !== undefined ? '--save ' : 'persistent cache '}${snapshot}: ${problem}\n`,
    );
    return 1;
  }
  // Warnings are held until the progress bar is gone; a failed save shows the persistent cache's own.
  const warnings: { component: string; line: string }[] = [];
  const log = Logger.create((level, component, message) => {
    if (level === 'error' || level === 'warn')
      warnings.push({ component, line: `warning: ${formatLine(component, message)}` });
  }, levelFromEnv(process.env, 'warn'));
  const bar = terminalProgress(!opts.json && process.stderr.isTTY === true);
  let ignoreWarning: string | undefined;
  const progress = {
    ...bar,
    end(message: string, run?: FolderIndexResult) { ignoreWarning = run?.ignoreWarning; bar.end(message); },
  };
  let stats: StrataStats;
  try {
    stats = await indexToSnapshot({ root: dir, snapshot, settings, progress, log });
  } catch (err) {
    progress.stop();
    for (const w of warnings) if (w.component === 'persist') process.stderr.write(`strata: ${w.line}\n`);
    process.stderr.write(`strata: the index of ${dir} could not be saved to ${snapshot} (${errorMessage(err)})\n`);
    return 1;
  }
  progress.stop();
  if (opts.json) process.stdout.write(JSON.stringify(stats) + '\n');
  else {
    for (const w of warnings.slice(0, 20)) process.stderr.write(`strata: ${w.line}\n`);
    if (warnings.length > 20) process.stderr.write(`strata: … ${warnings.length - 20} more log lines\n`);
    process.stdout.write(summary(stats, ignoreWarning));
  }
  return 0;
}

/** Why a snapshot cannot be written at `file` (its folder is created when missing), or undefined. */
function snapshotProblem(file: string): string | undefined {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return 'is a directory';
    const folder = dirname(file);
    mkdirSync(folder, { recursive: true });
    if (!statSync(folder).isDirectory()) return `${folder} is not a directory`;
    accessSync(folder, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `its folder is not writable (${code})`
      : code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of its folder path is not a directory'
      : errorMessage(err);
  }
}

function summary(s: StrataStats, ignoreWarning: string | undefined): string {
  const mb = (n: number) => (n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
  const langs = Object.entries(s.languages).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(', ');
  return [
    `indexed ${s.files} files, ${mb(s.bytes)} in ${(s.elapsedMs / 1000).toFixed(2)} s`
      + ` (${langs || 'no parsed languages'})`,
    ...(ignoreWarning ? [`warning: ${ignoreWarning}`] : []),
    `store: ${mb(s.store.storedBytes)} stored for ${mb(s.store.rawBytes)} raw — `
      + `dedup ${s.store.dedupRatio.toFixed(2)}×, compression ${s.store.compressionRatio.toFixed(2)}×, `
      + `${s.store.uniqueChunks} unique chunks`,
    `tiers: hot ${s.tiers.hot.files} files, warm ${s.tiers.warm.files} files (${mb(s.tiers.warm.bytes)}), `
      + `cold ${s.tiers.cold.files} files (${mb(s.tiers.cold.bytes)})`,
    `files with syntax errors: ${s.parseErrors}; peak RSS ${mb(s.peakRssBytes)}`,
    ...(s.occurrences ? [`occurrence index: ${s.occurrences.files} files, ${s.occurrences.segments} segment`
      + `${s.occurrences.segments === 1 ? '' : 's'}, ${mb(s.occurrences.segmentBytes)} on disk`
      + ` (${(100 * s.occurrences.segmentBytes / Math.max(1, s.bytes)).toFixed(1)}% of the source)`] : []),
    ...(s.persist?.snapshotPath ? [`persistent cache: ${s.persist.snapshotPath} — ${s.persist.loadedFiles > 0
      ? `of its ${s.persist.loadedFiles} files ${s.persist.keptFiles} unchanged, `
        + `${s.persist.reindexedFiles} changed or new indexed, ${s.persist.removedFiles} removed`
      : 'no earlier snapshot'}${s.persist.saves > 0 ? `; saved ${mb(s.persist.lastSaveBytes)}` : ''}${
        s.persist.damagedBlocks > 0 ? `; ${s.persist.damagedBlocks} damaged parts rebuilt` : ''}`] : []),
    '',
  ].join('\n');
}

async function runStdio(): Promise<number> {
  // Loaded here, not above: `strata index` needs neither the workspace nor the LSP layer.
  const [{ startStdioServer }, { Workspace }] = await Promise.all([
    import('./lsp/server.js'), import('./index/workspace.js'),
  ]);
  // stderr until the connection exists; then the client's log (lsp/server.ts).
  const log = Logger.create(stderrSink);
  const workspace = await Workspace.create({ settings: defaultSettings(), log: log.child('index') });
  startStdioServer(workspace, log);
  // The connection ends the process on `exit`; until then the event loop keeps it alive.
  return new Promise<number>(() => {});
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) { process.stderr.write(USAGE); return 2; }
    if (command === '--help' || command === '-h' || command === 'help') { process.stdout.write(USAGE); return 0; }
    if (command === '--stdio' || command === 'serve') return await runStdio();
    if (command === 'index') return await runIndex(rest);
    throw new UsageError(`unknown command '${command}'`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`strata: ${err.message}\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`strata: ${errorMessage(err)}\n`);
    return 1;
  }
}
