/**
 * The workspace side of the protocol: indexing the folders in the background with work-done
 * progress, settings (pulled with `workspace/configuration`, or pushed with
 * `didChangeConfiguration`), file watching, and folder changes. Requests keep being answered while
 * an index run is going on; the run itself lives in the workspace service.
 */
import {
  DidChangeWatchedFilesNotification, FileChangeType, type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { guardedNotification, isRecord, requireArray, requireRecord, requireString } from '../guard.js';
import type { IndexProgress } from '../../index/api.js';
import type { Session } from '../session.js';
import { parseSettings } from '../../index/settings.js';
import { errorMessage } from '../../base/errors.js';

/** `$/progress` reports are throttled: a client repaints on each one, and indexing sees thousands of files. */
const PROGRESS_INTERVAL_MS = 100;

function progressFor(session: Session): IndexProgress {
  let reporter: WorkDoneProgressServerReporter | undefined;
  let starting: Promise<void> | undefined;
  let lastReport = 0;
  return {
    begin(title) {
      if (!session.client.workDoneProgress) return;
      starting = session.connection.window.createWorkDoneProgress().then((r) => {
        reporter = r;
        r.begin(title, 0, 'scanning…', false);
      }, (err) => session.log.warn(`progress: ${errorMessage(err)}`));
    },
    report(done, total, bytes) {
      const now = Date.now();
      if (!reporter || now - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = now;
      const percentage = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      reporter.report(percentage, `${done}/${total} files, ${(bytes / 1048576).toFixed(1)} MB`);
    },
    end(message) {
      session.log.info(message);
      void (starting ?? Promise.resolve()).then(() => reporter?.done());
    },
  };
}

export async function pullSettings(session: Session): Promise<void> {
  if (!session.client.configuration) return;
  try {
    const section: unknown = await session.connection.workspace.getConfiguration('strata');
    applySettings(session, section);
  } catch (err) {
    session.log.warn(`workspace/configuration: ${errorMessage(err)}`);
  }
}

export function applySettings(session: Session, raw: unknown): void {
  const { settings, problems } = parseSettings(raw, session.settings);
  for (const p of problems) session.log.warn(p);
  session.settings = settings;
  session.service.configure(settings);
}

export async function indexFolders(session: Session, roots: readonly string[]): Promise<void> {
  for (const root of roots) {
    const progress = progressFor(session);
    try {
      await session.service.indexFolder(root, progress);
    } catch (err) {
      progress.end(`strata: indexing ${root} failed: ${errorMessage(err)}`);
    }
  }
}

export function registerWorkspaceHandlers(session: Session): void {
  const { connection, service, log } = session;

  connection.onDidChangeConfiguration(
    guardedNotification(log, 'workspace/didChangeConfiguration', async (params: unknown) => {
      if (session.client.configuration) return pullSettings(session);
      const p = isRecord(params) ? params : {};
      applySettings(session, p['settings']);
    }),
  );

  connection.onDidChangeWatchedFiles(
    guardedNotification(log, 'workspace/didChangeWatchedFiles', async (params: unknown) => {
      const p = requireRecord(params, 'params');
      const events = [];
      for (const raw of requireArray(p['changes'], 'params.changes')) {
        if (!isRecord(raw) || typeof raw['uri'] !== 'string' || !raw['uri'].startsWith('file:')) continue;
        const change = raw['type'] === FileChangeType.Created ? 'created'
          : raw['type'] === FileChangeType.Deleted ? 'deleted' : 'changed';
        events.push({ key: session.keyOf(raw['uri']), change } as const);
      }
      await service.filesChanged(events);
    }),
  );
}

/** After `initialized`: watch files where the client lets the server register, and follow folder changes. */
export async function registerDynamic(session: Session, foldersSupported: boolean): Promise<void> {
  const { connection, log } = session;
  if (session.client.watchedFilesDynamic) {
    try {
      await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] });
    } catch (err) {
      log.warn(`cannot watch files: ${errorMessage(err)}`);
    }
  }
  if (foldersSupported) {
    // Registered here, after initialize, so it replaces the library's own handler, which reads
    // `params.event.added` unchecked (a TypeError on bad params instead of a clear refusal).
    connection.onNotification(
      'workspace/didChangeWorkspaceFolders',
      guardedNotification(log, 'workspace/didChangeWorkspaceFolders', (params: unknown) => {
        const event = requireRecord(requireRecord(params, 'params')['event'], 'params.event');
        const folders = (name: 'added' | 'removed') => {
          return requireArray(event[name], `params.event.${name}`).map((f, i) =>
            requireString(requireRecord(f, `params.event.${name}[${i}]`)['uri'], `params.event.${name}[${i}].uri`));
        };
        const added = folders('added');
        for (const uri of folders('removed')) {
          try { session.service.removeFolder(session.keyOf(uri)); } catch (err) { log.warn(errorMessage(err)); }
        }
        void indexFolders(session, added.filter((uri) => uri.startsWith('file:')).map((uri) => session.keyOf(uri)));
      }),
    );
  }
}
