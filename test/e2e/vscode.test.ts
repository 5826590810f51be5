/**
 * VS Code end to end with the REAL Strata server: the packaged extension (built by
 * client/scripts/package.mjs, unpacked into code-server's extensions folder, its bundled server and
 * grammars) on a copy of examples/demo. Checks Go to Symbol in Workspace (Ctrl+T), the Outline view,
 * Go to Definition (F12), the status bar item, and a changed `strata.memory.hotMB` reaching the server
 * (its budgets in strata/stats, read from the statistics view). Budget: ~3 minutes after install.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  codeServerMissing, cursorPosition, eventually, goToLine, installVsix, openFile, runCommand, saveFailure,
  setNumberSetting, startVsCode, statsFromWebview, strataStatusText, type VsCode,
} from './support/codeServer.js';
import { demoWorkspace, requireEditor, tempDir } from './support/env.js';
import { buildVsix } from './support/vsix.js';
import { errorMessage } from '../../server/src/base/errors.js';

const MiB = 1024 * 1024;

/** 1-based line and column of `needle` on the first line containing `lineText` in a fixture file. */
function find(ws: string, rel: string, lineText: string, needle: string): { line: number; column: number } {
  const lines = readFileSync(join(ws, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(lineText));
  assert.ok(i >= 0, `${lineText} in ${rel}`);
  return { line: i + 1, column: lines[i]!.indexOf(needle) + 1 };
}

test('VS Code + Strata on examples/demo', { timeout: 420_000 }, async () => {
  requireEditor(codeServerMissing());
  const ws = demoWorkspace();
  const t = tempDir('vscode');
  let vs: VsCode | undefined;
  try {
    const vsix = join(t.dir, 'strata.vsix');
    await buildVsix(vsix);
    installVsix(vsix, join(t.dir, 'ext'), 'strata-dev.strata-0.1.0');
    vs = await startVsCode({
      workspace: ws.dir, extDir: join(t.dir, 'ext'), dataDir: join(t.dir, 'data'),
      settings: { 'strata.cacheDir': join(t.dir, 'cache'), 'strata.memory.totalMB': 256 },
    });
    const page = vs.page;
    await openFile(page, 'go/store.go');

    // Status bar: memory used / budget and files per tier, from strata/stats.
    const status = await eventually('the Strata status bar item with stats', 90_000, async () => {
      const s = await strataStatusText(page);
      return s && /\/ .* · \d+(\.\d+k)? hot · \d+(\.\d+k)? warm · \d+(\.\d+k)? cold/.test(s) ? s : undefined;
    });
    assert.match(status, /\/ 256 MB/, `budget of strata.memory.totalMB: ${status}`);

    // Go to Symbol in Workspace (Ctrl+T): symbols of other files and languages.
    await page.keyboard.press('Control+T');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    for (const [query, file] of [['NewStore', 'store.go'], ['Queue', 'lib.rs'], ['build_all', 'deploy.sh']] as const) {
      // VS Code asks the server once per change of the text: while the workspace is still being
      // indexed an early answer can lack the symbol, so retype the query until it shows up.
      await eventually(`workspace symbol ${query} in ${file}`, 60_000, async () => {
        await input.fill('#');
        await input.fill(`#${query}`);
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: query }).filter({ hasText: file });
        return await row.first().waitFor({ timeout: 3_000 }).then(() => true, () => undefined);
      });
    }
    await page.keyboard.press('Escape');

    // Outline view of the Go file.
    await runCommand(page, 'Explorer: Focus on Outline View');
    // The Outline shares the side bar with the folders view and renders only the rows that fit (a
    // virtual list): collapse the folders section so that the whole outline of the file is on screen.
    const folders = page.locator('.explorer-viewlet .pane-header[aria-expanded="true"]', { hasText: 'demo' });
    if (await folders.count()) await folders.first().click();
    for (const name of ['Product', 'Repository', 'Store', 'NewStore']) {
      await page.locator('.outline-pane .monaco-list-row, [id="outline"] .monaco-list-row', { hasText: name }).first()
        .waitFor({ timeout: 30_000 });
    }

    // Go to Definition (F12) in Go, Rust and shell files.
    for (const c of [
      { file: 'go/store.go', use: ['return &Store{', 'Store'], def: ['type Store struct', 'Store'] },
      { file: 'rust/lib.rs', use: ['pub fn drain(queue: &mut super::Queue)', 'Queue'], def: ['pub struct Queue', 'Queue'] },
      { file: 'scripts/deploy.sh', use: ['build_all && return 0', 'build_all'], def: ['build_all() {', 'build_all'] },
    ]) {
      await openFile(page, c.file);
      const use = find(ws.dir, c.file, c.use[0]!, c.use[1]!);
      const def = find(ws.dir, c.file, c.def[0]!, c.def[1]!);
      await page.locator('.monaco-editor .view-lines').first().click();
      await goToLine(page, use.line, use.column + 1);
      await page.keyboard.press('F12');
      await eventually(`definition in ${c.file}`, 30_000, async () => (await cursorPosition(page))?.line === def.line ? true : undefined);
    }

    // A changed setting reaches the running server: its budgets follow strata.memory.hotMB.
    await setNumberSetting(page, 'strata.memory.hotMB', 'Hot MB', 77);
    await runCommand(page, 'Strata: Show Cache Statistics');
    const stats = await eventually('hot budget of 77 MB in strata/stats', 60_000, async () => {
      const s = await statsFromWebview(page);
      if ((s?.['budgets'] as { hotBytes?: number } | undefined)?.hotBytes === 77 * MiB) return s;
      await runCommand(page, 'Strata: Show Cache Statistics'); // re-render with fresh numbers
      return undefined;
    });
    assert.ok((stats['files'] as number) >= 10, 'the workspace was indexed');
  } catch (err) {
    const shot = await saveFailure(vs, 'vscode');
    throw new Error(`${errorMessage(err)}${shot ? `\nscreenshot: ${shot}` : ''}`, { cause: err });
  } finally {
    await vs?.close();
    t.cleanup();
    ws.cleanup();
  }
});
