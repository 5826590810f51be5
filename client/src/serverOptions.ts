/**
 * How the extension starts the Strata server: in a Node process of its own, never inside the
 * extension host (the server's wasm heap and caches must not share the host's memory limit, and a
 * crash must not take the editor's extensions down).
 *
 * The packaged extension carries the bundled server (dist/server/cli.js, ESM) with
 * web-tree-sitter.wasm beside it and the grammars in dist/grammars, whose path goes to the server in
 * STRATA_GRAMMARS. `STRATA_SERVER_MODULE` in the editor's environment points at another server
 * entry instead (e.g. a checkout's bin/strata.js while developing the server).
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { TransportKind, type ServerOptions } from 'vscode-languageclient/node';
import { SERVER_ENV } from '../../server/src/protocol.js';

export function serverOptions(context: vscode.ExtensionContext): ServerOptions {
  const override = process.env['STRATA_SERVER_MODULE'];
  const module = override || context.asAbsolutePath('dist/server/cli.js');
  if (!existsSync(module)) {
    throw new Error(`Strata server not found at ${module}; build the extension with 'npm run package'.`);
  }
  const env: Record<string, string> = { ...SERVER_ENV };
  const grammars = context.asAbsolutePath('dist/grammars');
  // A development server finds the grammars of its own checkout; the bundled one needs to be told.
  if (!override && existsSync(grammars)) env['STRATA_GRAMMARS'] = grammars;
  // `module` without `runtime`: the client forks it with the editor's own Node (ELECTRON_RUN_AS_NODE),
  // so no system Node is needed; the client appends `--stdio` and `--clientProcessId=<pid>`.
  const run = { module, transport: TransportKind.stdio, options: { env } };
  return { run, debug: { ...run, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } } };
}
