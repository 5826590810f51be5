/**
 * A real VS Code for the tests: code-server (VS Code 1.100) installed by
 * shared/vscode-e2e/install-code-server.sh, driven through Debian's Chromium with playwright-core.
 * Starts code-server on a free port with its own extensions and user-data folders, opens a
 * workspace, and offers the few editor gestures the tests need (command palette, quick open, go to
 * line). On failure a screenshot goes to test/e2e/.artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS } from './env.js';
import { extractZip } from './zip.js';
import { errorMessage } from '../../../server/src/base/errors.js';

/** Where install-code-server.sh put code-server: STRATA_CODE_SERVER_DIR or ~/.cache/strata-e2e/code-server. */
export function codeServerDir(): string {
  return process.env['STRATA_CODE_SERVER_DIR'] ?? join(homedir(), '.cache/strata-e2e/code-server');
}

export function codeServerMissing(): string | false {
  const entry = join(codeServerDir(), 'node_modules/code-server/out/node/entry.js');
  if (!existsSync(entry)) return `code-server is not installed in ${codeServerDir()} (run ../shared/vscode-e2e/install-code-server.sh DIR and set STRATA_CODE_SERVER_DIR, as .ci/run does)`;
  if (!existsSync('/usr/bin/chromium')) return 'Debian chromium is not installed (/usr/bin/chromium)';
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface VsCode {
  page: Page;
  userSettings: string;
  log: () => string;
  close: () => Promise<void>;
}

/** Unpacks a .vsix into `extDir` as publisher.name-version, the way VS Code lays out installed extensions. */
export function installVsix(vsix: string, extDir: string, id: string): void {
  const dest = join(extDir, id);
  mkdirSync(dest, { recursive: true });
  extractZip(vsix, 'extension/', dest);
}

/** Starts code-server on `workspace` and opens it in Chromium. */
export async function startVsCode(opts: { workspace: string; extDir: string; dataDir: string; settings: Record<string, unknown>; env?: NodeJS.ProcessEnv }): Promise<VsCode> {
  const userSettings = join(opts.dataDir, 'User/settings.json');
  mkdirSync(join(opts.dataDir, 'User'), { recursive: true });
  writeUserSettings(userSettings, opts.settings);
  const port = await freePort();
  let output = '';
  const server: ChildProcess = spawn(process.execPath, [join(codeServerDir(), 'node_modules/code-server/out/node/entry.js'),
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--extensions-dir', opts.extDir, '--user-data-dir', opts.dataDir, opts.workspace],
  // The Strata server inherits this environment: its persistent cache goes to the test's data folder, never ~/.cache.
  { env: { ...process.env, XDG_CACHE_HOME: join(opts.dataDir, 'xdg-cache'), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  server.stderr?.on('data', (d: Buffer) => { output += d.toString(); });

  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { server.kill('SIGKILL'); r(undefined); }, 5000); server.once('exit', () => { clearTimeout(t); r(undefined); }); });
    }
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, () => output, () => server.exitCode !== null);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(opts.workspace)}`);
    // The workbench is ready when the status bar and an explorer view exist.
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
    return { page, userSettings, log: () => output, close };
  } catch (err) {
    await close();
    throw new Error(`code-server did not start: ${errorMessage(err)}\n${output.slice(-4000)}`, { cause: err });
  }
}

export function writeUserSettings(file: string, settings: Record<string, unknown>): void {
  writeFileSync(file, JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    ...settings,
  }, null, 2));
}

async function waitForHttp(url: string, timeoutMs: number, log: () => string, exited: () => boolean): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (exited()) throw new Error(`code-server exited\n${log().slice(-2000)}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s\n${log().slice(-2000)}`);
}

const MOD = 'Control';

/** Opens the command palette: F1, else Ctrl+Shift+P, else a click on the command center (title bar). */
async function openPalette(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  for (const key of ['F1', `${MOD}+Shift+P`]) {
    await page.keyboard.press(key);
    if (await input.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) return;
  }
  // A focused widget can keep the keys (e.g. the gear button the Settings editor focuses after a change).
  await page.locator('.command-center .command-center-center').first().click({ timeout: 5_000 });
  await input.waitFor({ state: 'visible', timeout: 5_000 });
}

/**
 * Runs a command by its title through the command palette. The palette closes when focus moves
 * (the Settings editor re-renders and refocuses after a settings write, a view takes focus as it
 * opens), so an attempt that loses it starts over; a command is only run by clicking its row.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  let last: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await openPalette(page);
      await input.fill(`>${title}`, { timeout: 5_000 });
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ timeout: 10_000 });
      await row.click({ timeout: 5_000 });
      return;
    } catch (err) {
      last = err;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  throw new Error(`cannot run "${title}" from the command palette: ${last instanceof Error ? last.message.split('\n')[0] : String(last)}`);
}

/** Opens a workspace file through Quick Open (Ctrl+P) by its relative path. */
export async function openFile(page: Page, relPath: string): Promise<void> {
  await page.keyboard.press(`${MOD}+P`);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(relPath);
  const name = relPath.split('/').pop()!;
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[aria-label*="${name}"], .tab.active:has-text("${name}")`).first().waitFor({ timeout: 20_000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 10_000 });
}

/** Puts the cursor at a 1-based line and column with "Go to Line/Column" (Ctrl+G). */
export async function goToLine(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press(`${MOD}+G`);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  // Ctrl+G opens Quick Open with the ':' prefix of Go to Line; fill() replaces the whole value, so keep it.
  await input.fill(`:${line}:${column}`);
  await page.locator('.quick-input-list .monaco-list-row, .quick-input-message', { hasText: `${line}` }).first()
    .waitFor({ timeout: 5_000 }).catch(() => undefined);
  await page.keyboard.press('Enter');
  // The status bar's "Col" counts tabs as their visual width, so only the line is compared.
  await eventually(`the cursor on line ${line}`, 10_000, async () => (await cursorPosition(page))?.line === line ? true : undefined);
}

/** The "Ln x, Col y" of the status bar. */
export async function cursorPosition(page: Page): Promise<{ line: number; column: number } | undefined> {
  const text = await page.locator('[id="status.editor.selection"]').first().textContent({ timeout: 5000 }).catch(() => null);
  const m = /Ln (\d+), Col (\d+)/.exec(text ?? '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** Saves a screenshot and the code-server log for a failed test; returns the screenshot path. */
export async function saveFailure(vs: VsCode | undefined, name: string): Promise<string | undefined> {
  if (!vs) return undefined;
  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, `${name}.png`);
  await vs.page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
  writeFileSync(join(ARTIFACTS, `${name}.code-server.log`), vs.log());
  return shot;
}

/** Polls `probe` until it returns a value that is not undefined, or throws after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The raw strata/stats JSON from the open statistics webview (it sits in nested iframes). */
export async function statsFromWebview(page: Page): Promise<Record<string, unknown> | undefined> {
  for (const frame of page.frames()) {
    const raw = frame.locator('#raw');
    if (await raw.count().catch(() => 0)) {
      const text = await raw.textContent();
      if (text) return JSON.parse(text) as Record<string, unknown>;
    }
  }
  return undefined;
}

/** The text of the Strata status bar item. */
export async function strataStatusText(page: Page): Promise<string | undefined> {
  const item = page.locator('[id="strata-dev.strata.strata.cache"]');
  if (await item.count() === 0) return undefined;
  return (await item.first().innerText()).trim();
}

/**
 * Changes a number setting the way a person does, in the Settings editor (the editor writes
 * settings.json itself; code-server does not notice a settings.json rewritten behind its back).
 * `label` is the setting's title in the editor, e.g. "Hot MB" for strata.memory.hotMB.
 */
export async function setNumberSetting(page: Page, key: string, label: string, value: number): Promise<void> {
  await runCommand(page, 'Preferences: Open User Settings');
  await page.locator('.settings-editor').waitFor({ timeout: 15_000 });
  await page.keyboard.type(key);
  const input = page.locator('.settings-editor .setting-item-contents', { hasText: label }).locator('input').first();
  await input.waitFor({ timeout: 15_000 });
  await input.fill(String(value));
  await input.press('Tab');
}
