/**
 * Starts the built Strata server (`node bin/strata.js --stdio`) on a private copy of the demo
 * workspace and speaks LSP to it over stdio, as an editor does. Used by the integration tests.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVER_ENV } from '../../server/src/protocol.js';
import { LspClient } from '../support/lspClient.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO = join(REPO, 'examples/demo');

export interface StrataSession {
  client: LspClient;
  root: string;
  uri(relative: string): string;
  /** The settings the client answers `workspace/configuration` with; change, then notify. */
  settings: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startStrata(opts: {
  encodings?: string[]; initializationOptions?: unknown; waitForIndex?: boolean;
  /** Serve the `strata/debug/*` requests (STRATA_DEBUG=1 in the server's env); default true. */
  debug?: boolean;
  /** Fills the workspace folder before the server starts (default: a copy of examples/demo). */
  populate?: (root: string) => void;
  /** Extra environment for the server (e.g. XDG_CACHE_HOME for a private persistent cache). */
  env?: NodeJS.ProcessEnv;
  /** An existing workspace folder to serve (kept at close) instead of a fresh copy. */
  root?: string;
  /** The client's `textDocument` capabilities (default: hierarchical symbols, diagnostics). */
  textDocument?: Record<string, unknown>;
} = {}): Promise<StrataSession> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), 'strata-lsp-'));
  if (opts.root === undefined) {
    if (opts.populate) opts.populate(root);
    else {
      cpSync(DEMO, root, { recursive: true });
      // The demo lives in a git work tree, where its .gitignore applies: so must its copy.
      mkdirSync(join(root, '.git'));
    }
  }
  // Tests never touch the real ~/.cache: each server gets a private, temporary persistent cache.
  const cacheHome = mkdtempSync(join(tmpdir(), 'strata-lsp-cache-'));
  // SERVER_ENV: the server runs as the shipped launchers start it (bin/strata.js's #! line).
  const env: NodeJS.ProcessEnv = { ...process.env, ...SERVER_ENV, STRATA_DEBUG: '1', XDG_CACHE_HOME: cacheHome, ...opts.env };
  if (opts.debug === false) delete env['STRATA_DEBUG'];
  const state: { settings: Record<string, unknown> } = { settings: {} };
  const client = new LspClient({
    command: process.execPath,
    args: [join(REPO, 'bin/strata.js'), '--stdio'],
    env,
    requestTimeoutMs: 60_000,
    configuration: (section) => (section === 'strata' ? state.settings : null),
  });
  await client.initialize({
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'demo' }],
    capabilities: {
      general: { positionEncodings: opts.encodings ?? ['utf-16'] },
      window: { workDoneProgress: true },
      workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      textDocument: opts.textDocument
        ?? { documentSymbol: { hierarchicalDocumentSymbolSupport: true }, publishDiagnostics: {} },
    },
    initializationOptions: opts.initializationOptions ?? {},
  });
  if (opts.waitForIndex !== false) {
    await client.waitForNotification((n) => n.method === '$/progress' && (n.params as any)?.value?.kind === 'end', 60_000, { includePast: true });
  }
  return {
    client,
    root,
    settings: state.settings,
    uri: (relative) => pathToFileURL(join(root, relative)).href,
    async close() {
      await client.close(10_000);
      if (opts.root === undefined) rmSync(root, { recursive: true, force: true });
      rmSync(cacheHome, { recursive: true, force: true });
    },
  };
}

/** Flattens a DocumentSymbol tree into "parent/child" names. */
export function symbolPaths(symbols: any[], prefix = ''): string[] {
  const out: string[] = [];
  for (const s of symbols) {
    const path = prefix ? `${prefix}/${s.name}` : s.name;
    out.push(path);
    if (s.children) out.push(...symbolPaths(s.children, path));
  }
  return out;
}
