/**
 * The language server: capabilities, the initialize handshake, and the wiring of the handler
 * modules onto one connection. The workspace service is handed in, so the same protocol code serves
 * stdio and the tests.
 */
import {
  createConnection, ProposedFeatures, TextDocumentSyncKind,
  type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { FramingGuard } from './framing.js';
import { registerDebugHandlers } from './handlers/debug.js';
import { registerDocumentHandlers } from './handlers/documents.js';
import { registerNavigationHandlers } from './handlers/navigation.js';
import { registerRangeHandlers } from './handlers/ranges.js';
import { registerStatsHandler } from './handlers/stats.js';
import { registerSymbolHandlers } from './handlers/symbols.js';
import { applySettings, indexFolders, pullSettings, registerDynamic, registerWorkspaceHandlers } from './handlers/workspace.js';
import { negotiateEncoding } from './positions.js';
import type { WorkspaceService } from './service.js';
import { Session } from './session.js';

export const SERVER_NAME = 'strata';
/** Time a shutdown may spend saving the persistent cache. */
const SHUTDOWN_SAVE_MS = 5_000;

export interface ServeOptions {
  /** Serve the `strata/debug/*` requests (fault injection, raw text); only with STRATA_DEBUG=1. */
  debug?: boolean;
}

export function serveConnection(connection: Connection, service: WorkspaceService, options: ServeOptions = {}): Session {
  const session = new Session(connection, service);
  let roots: string[] = [];
  let foldersSupported = false;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities ?? {};
    const encoding = negotiateEncoding(caps.general?.positionEncodings);
    session.setEncoding(encoding);
    session.client.workDoneProgress = caps.window?.workDoneProgress === true;
    session.client.configuration = caps.workspace?.configuration === true;
    session.client.watchedFilesDynamic = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    foldersSupported = caps.workspace?.workspaceFolders === true;
    applySettings(session, params.initializationOptions);

    if (params.workspaceFolders && params.workspaceFolders.length > 0) {
      roots = params.workspaceFolders.filter((f) => f.uri.startsWith('file:')).map((f) => session.keyOf(f.uri));
    } else if (params.rootUri && params.rootUri.startsWith('file:')) {
      roots = [session.keyOf(params.rootUri)];
    } else if (params.rootPath) {
      roots = [params.rootPath];
    }

    return {
      capabilities: {
        positionEncoding: encoding,
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        documentSymbolProvider: { label: 'Strata' },
        workspaceSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: SERVER_NAME, version: '0.1.0' },
    };
  });

  let initialized = false;
  connection.onInitialized(async () => {
    // A client that says `initialized` twice must not start a second index run.
    if (initialized) return session.log.warn('initialized: received again; ignored');
    initialized = true;
    await registerDynamic(session, foldersSupported);
    await pullSettings(session);
    void indexFolders(session, roots);
  });

  connection.onShutdown(async () => {
    // The persistent cache gets what changed since its last save, within a bound: a client waits for
    // the shutdown answer, and the previous snapshot stays whole if the time runs out.
    await service.flush(SHUTDOWN_SAVE_MS);
    await service.dispose();
  });

  registerDocumentHandlers(session);
  registerSymbolHandlers(session);
  registerNavigationHandlers(session);
  registerRangeHandlers(session);
  registerStatsHandler(session);
  registerWorkspaceHandlers(session);
  if (options.debug) registerDebugHandlers(session);
  return session;
}

/** `strata --stdio`: the server on this process's stdin/stdout. Logs never go to stdout. */
export function startStdioServer(service: WorkspaceService): Connection {
  let connection: Connection | undefined;
  const guard = new FramingGuard((reason) => connection?.console.error(`strata: ${reason}`));
  process.stdin.pipe(guard);
  connection = createConnection(ProposedFeatures.all, guard, process.stdout);
  // Anything printed with console.log would corrupt the protocol stream: send it to the client's log.
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
  console.info = console.log;
  console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
  console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
  serveConnection(connection, service, { debug: process.env['STRATA_DEBUG'] === '1' });
  connection.listen();
  return connection;
}
