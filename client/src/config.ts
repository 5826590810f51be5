/**
 * The `strata.*` settings as the server receives them.
 *
 * The server's settings table (server/src/index/settingsTable.ts) declares every setting once; the
 * manifest's `contributes.configuration` is generated from it, so VS Code itself knows every default
 * and limit. The extension therefore names no setting and writes no default: it sends the `strata`
 * section as VS Code holds it (user values over the manifest's defaults), which is also what the
 * language client sends in `workspace/didChangeConfiguration` and `workspace/configuration`.
 */
import * as vscode from 'vscode';

export const SECTION = 'strata';

/** The whole `strata` section as plain JSON, for `initializationOptions`. */
export function readSettings(): Record<string, unknown> {
  const section = vscode.workspace.getConfiguration().get<Record<string, unknown>>(SECTION) ?? {};
  return JSON.parse(JSON.stringify(section)) as Record<string, unknown>;
}

/** The cache's configured total budget in MiB, shown while the server reports no budgets. */
export function configuredTotalMB(): number {
  return vscode.workspace.getConfiguration(SECTION).get<number>('memory.totalMB') ?? 0;
}
