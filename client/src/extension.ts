/**
 * Strata for VS Code: starts the Strata language server for every language it parses, shows the
 * cache's memory and tiers in the status bar, and offers "Show Cache Statistics" and "Restart Server".
 *
 * Architecture Invariant: the extension holds no cache state of its own; everything it shows comes
 * from the server over LSP (`strata/stats`), and settings go to the server unchanged.
 */
import * as vscode from 'vscode';
import {
  CancellationTokenSource, LanguageClient, State, WorkDoneProgress,
  type LanguageClientOptions,
} from 'vscode-languageclient/node';
import { configuredTotalMB, readSettings, SECTION } from './config.js';
import { errorMessage } from './format.js';
import { documentSelector } from './selector.js';
import { serverOptions } from './serverOptions.js';
import { STATS_METHOD } from './stats.js';
import { CacheStatusBar } from './statusBar.js';
import { StatsView } from './statsView.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // One channel for the whole session so the log survives restarts of the server.
  const output = vscode.window.createOutputChannel('Strata');
  context.subscriptions.push(output);

  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: output,
    // Evaluated at every start, so a restart carries the current settings.
    initializationOptions: () => readSettings(),
    synchronize: {
      // Sends workspace/didChangeConfiguration with the `strata` section whenever it changes.
      configurationSection: SECTION,
    },
  };
  const lc = new LanguageClient('strata', 'Strata', serverOptions(context), clientOptions);
  client = lc;

  const fetchStats = async (timeoutMs: number): Promise<unknown> => {
    if (lc.state !== State.Running) throw new Error('the server is not running');
    const cts = new CancellationTokenSource();
    const timer = setTimeout(() => cts.cancel(), timeoutMs);
    try {
      return await Promise.race([
        lc.sendRequest(STATS_METHOD, cts.token),
        new Promise<never>((_, reject) => cts.token.onCancellationRequested(
          () => reject(new Error(`no answer to ${STATS_METHOD} within ${timeoutMs / 1000} s`)))),
      ]);
    } finally {
      clearTimeout(timer);
      cts.dispose();
    }
  };

  const statusBar = new CacheStatusBar(fetchStats, configuredTotalMB, 'strata.showStats');
  const view = new StatsView();
  statusBar.onStats((s, err) => view.update(s, err));
  context.subscriptions.push(statusBar, view);

  refreshWhenProgressEnds(lc, () => void statusBar.refresh());
  context.subscriptions.push(lc.onDidChangeState((e) => {
    if (e.newState === State.Running) statusBar.start();
    else if (e.newState === State.Stopped)
      statusBar.stop('The Strata server is not running. Run "Strata: Restart Server".');
  }));

  context.subscriptions.push(
    vscode.commands.registerCommand('strata.showStats', async () => {
      await statusBar.refresh();
      view.show(statusBar.stats, statusBar.error);
    }),
    vscode.commands.registerCommand('strata.restartServer', async () => {
      output.appendLine('[strata] restarting the server');
      statusBar.stop('Strata is restarting…');
      try {
        await lc.restart();
      } catch (err) {
        void vscode.window.showErrorMessage(
          `Strata: restart failed: ${errorMessage(err)}`,
        );
      }
    }),
    vscode.commands.registerCommand('strata.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // The client sends the new section itself; ask for stats shortly after so new budgets show.
      if (e.affectsConfiguration(SECTION)) setTimeout(() => void statusBar.refresh(), 1000);
    }),
  );

  try {
    await lc.start();
  } catch (err) {
    statusBar.stop(`The Strata server failed to start: ${errorMessage(err)}`);
    output.appendLine(`[strata] start failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}

export async function deactivate(): Promise<void> {
  const lc = client;
  client = undefined;
  if (lc && lc.state !== State.Stopped) await lc.stop();
}

/**
 * Calls `onEnd` whenever a server-initiated work-done progress ends (indexing finished), without
 * taking progress display away from the client: vscode-jsonrpc keeps one handler per progress token,
 * so instead of registering a second one we wrap the handler the client's own progress UI installs.
 */
function refreshWhenProgressEnds(lc: LanguageClient, onEnd: () => void): void {
  type OnProgress = (type: unknown, token: unknown, handler: (value: unknown) => void) => vscode.Disposable;
  const original = (lc.onProgress as unknown as OnProgress).bind(lc);
  const wrapped: OnProgress = (type, token, handler) => original(type, token, (value) => {
    handler(value);
    if (type === WorkDoneProgress.type && (value as { kind?: string } | undefined)?.kind === 'end') onEnd();
  });
  (lc as unknown as { onProgress: OnProgress }).onProgress = wrapped;
}
