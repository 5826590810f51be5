/**
 * The language server: capabilities, the initialize handshake, and the wiring of the handler
 * modules onto one connection. The workspace service is handed in, so the same protocol code serves
 * stdio and the tests.
 */
import {
  createConnection, ProposedFeatures, TextDocumentSyncKind,
  type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { Logger, type LogThreshold } from '../base/log.js';
import { FramingGuard } from './framing.js';
import { connectionSink, isRecord } from './guard.js';
import { registerDebugHandlers } from './handlers/debug.js';
import { registerDocumentHandlers } from './handlers/documents.js';
import { registerNavigationHandlers } from './handlers/navigation.js';
import { registerRangeHandlers } from './handlers/ranges.js';
import { registerStatsHandler } from './handlers/stats.js';
import { registerSymbolHandlers } from './handlers/symbols.js';
import {
  applySettings, indexFolders, pullSettings, registerDynamic, registerWorkspaceHandlers,
} from './handlers/workspace.js';
import { negotiateEncoding } from './positions.js';
import type { WorkspaceService } from '../index/api.js';
import { Session } from './session.js';

const SERVER_NAME = 'strata';
/** Time a shutdown may spend saving the persistent cache. */
const SHUTDOWN_SAVE_MS = 5_000;

interface ServeOptions {
  /** Serve the `strata/debug/*` requests (fault injection, raw text); only with STRATA_DEBUG=1. */
  debug?: boolean;
  /** The process's logger; its sink is the connection's from now on. */
  log?: Logger;
}

/** The log level in force before the client asked for another with its `trace` setting. */
function traceLevel(trace: unknown, configured: LogThreshold): LogThreshold {
  return trace === 'verbose' ? 'debug' : configured;
}

function serveConnection(connection: Connection, service: WorkspaceService, options: ServeOptions = {}): Session {
  const log = options.log ?? Logger.create(() => {});
  log.setSink(connectionSink(connection));
  const configuredLevel = log.level;
  const session = new Session(connection, service, log.child('lsp'));
  let roots: string[] = [];
  let foldersSupported = false;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities ?? {};
    const encoding = negotiateEncoding(caps.general?.positionEncodings);
    session.setEncoding(encoding);
    session.client.workDoneProgress = caps.window?.workDoneProgress === true;
    session.client.configuration = caps.workspace?.configuration === true;
    session.client.watchedFilesDynamic = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    session.client.hierarchicalSymbols = caps.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport === true;
    session.client.foldingLineOnly = caps.textDocument?.foldingRange?.lineFoldingOnly === true;
    foldersSupported = caps.workspace?.workspaceFolders === true;
    // The client's standard `trace` setting: 'verbose' adds debug lines to the log.
    log.setLevel(traceLevel(params.trace, configuredLevel));
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

  connection.onNotification('$/setTrace', (params: unknown) => {
    log.setLevel(traceLevel(isRecord(params) ? params['value'] : undefined, configuredLevel));
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
export function startStdioServer(service: WorkspaceService, log: Logger): Connection {
  const framingLog = log.child('framing');
  const guard = new FramingGuard((reason) => framingLog.error(reason));
  process.stdin.pipe(guard);
  const connection = createConnection(ProposedFeatures.all, guard, process.stdout);
  // Anything printed with console.log would corrupt the protocol stream: send it to the client's log.
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
  console.info = console.log;
  console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
  console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
  serveConnection(connection, service, { debug: process.env['STRATA_DEBUG'] === '1', log });
  connection.listen();
  return connection;
}
