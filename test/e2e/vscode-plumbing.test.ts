/**
 * The packaged extension in a real VS Code (code-server) against the ECHO server
 * (nvim/echo-lsp-server.mjs, selected with STRATA_SERVER_MODULE): checks the extension's plumbing
 * only — activation on a Go file, the server in its own process, the status bar item fed by
 * strata/stats, a changed `strata.memory.hotMB` reaching the server, the statistics webview and
 * "Strata: Restart Server". Language features are checked with the real server in vscode.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  codeServerMissing, eventually, installVsix, openFile, runCommand, saveFailure, startVsCode, statsFromWebview,
  setNumberSetting, strataStatusText, type VsCode,
} from './support/codeServer.js';
import { REPO, requireEditor, tempDir } from './support/env.js';
import { buildVsix } from './support/vsix.js';
import { errorMessage } from '../../server/src/base/errors.js';

const MiB = 1024 * 1024;

test('VS Code extension plumbing (echo server)', { timeout: 300_000 }, async () => {
  requireEditor(codeServerMissing());
  const t = tempDir('vscode-plumbing');
  let vs: VsCode | undefined;
  try {
    const ws = join(t.dir, 'project');
    mkdirSync(join(ws, '.git'), { recursive: true });
    writeFileSync(join(ws, 'main.go'), 'package main\n\nfunc main() {}\n');
    const vsix = join(t.dir, 'strata.vsix');
    await buildVsix(vsix);
    installVsix(vsix, join(t.dir, 'ext'), 'strata-dev.strata-0.1.0');
    vs = await startVsCode({
      workspace: ws, extDir: join(t.dir, 'ext'), dataDir: join(t.dir, 'data'), settings: { 'strata.memory.hotMB': 40 },
      env: { STRATA_SERVER_MODULE: join(REPO, 'test/e2e/nvim/echo-lsp-server.mjs') },
    });
    const page = vs.page;
    await openFile(page, 'main.go');

    // The status bar shows the echo server's stats: 2 KB used of a 40 MB budget, 1 hot file.
    const text = await eventually('the Strata status bar item', 60_000, async () => {
      const s = await strataStatusText(page);
      return s && /hot/.test(s) ? s : undefined;
    });
    assert.match(text, /2\.0 KB \/ 40\.0 MB · 1 hot · 0 warm · 0 cold/);

    // A changed setting reaches the running server and comes back in its stats.
    await setNumberSetting(page, 'strata.memory.hotMB', 'Hot MB', 77);
    await eventually('the new hot budget in the status bar', 30_000, async () =>
      (await strataStatusText(page))?.includes('77.0 MB') ? true : undefined);

    // The statistics view renders the report with the raw stats.
    await runCommand(page, 'Strata: Show Cache Statistics');
    const stats = await eventually('the statistics webview', 30_000, () => statsFromWebview(page));
    assert.equal((stats['budgets'] as { hotBytes: number }).hotBytes, 77 * MiB);

    // Restart: the item goes away from the running state and comes back with fresh stats.
    await runCommand(page, 'Strata: Restart Server');
    await eventually('stats after restart', 60_000, async () => (await strataStatusText(page))?.includes('77.0 MB') ? true : undefined);
  } catch (err) {
    const shot = await saveFailure(vs, 'vscode-plumbing');
    throw new Error(`${errorMessage(err)}${shot ? `\nscreenshot: ${shot}` : ''}`, { cause: err });
  } finally {
    await vs?.close();
    t.cleanup();
  }
});
