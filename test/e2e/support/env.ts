/**
 * Shared ground for the end-to-end tests (run by `npm run test:e2e`, not `npm test`: they need real
 * editors and take minutes): where the repository is, what an editor lacks, temporary
 * workspaces copied from examples/demo, and a child-process runner with a hard time limit.
 * A pure module: importing it starts nothing (node --test runs every .js under dist/test/).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor with the `strata` package.json and a client/ folder. */
export const REPO = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'client')) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'strata') return dir;
    dir = dirname(dir);
  }
  throw new Error('e2e: cannot find the repository root');
})();

/**
 * A missing editor is a failure, not a skip: CI installs the editors, and a run that silently
 * skipped them would pass without testing anything. `missing` is a reason or false.
 */
export function requireEditor(missing: string | false): void {
  if (missing) throw new Error(`end-to-end test: ${missing}`);
}

/** Why neovim cannot run the e2e tests (not on PATH, or older than 0.7), or false. */
export function nvimMissing(): string | false {
  const r = spawnSync('nvim', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return `neovim is not installed (no \`nvim\` on PATH: ${r.error?.message ?? `exit ${r.status}`}); apt-get install -y neovim`;
  const m = /NVIM v(\d+)\.(\d+)/.exec(r.stdout);
  if (!m) return `cannot read the neovim version from \`nvim --version\`: ${r.stdout.split('\n')[0]}`;
  if (Number(m[1]) === 0 && Number(m[2]) < 7) return `neovim ${m[0]} is too old (0.7 or newer needed)`;
  return false;
}

/** The command that starts the real Strata server from this checkout (after `npm run build`). */
export function strataCommand(): string[] {
  return [process.execPath, join(REPO, 'bin/strata.js'), '--stdio'];
}

/** Gitignored folder for screenshots and logs of failed e2e runs. */
export const ARTIFACTS = join(REPO, 'test/e2e/.artifacts');

/** A fresh temporary directory, removed by the returned cleanup unless STRATA_E2E_KEEP=1. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `strata-e2e-${prefix}-`));
  return { dir, cleanup: () => { if (process.env['STRATA_E2E_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * A copy of examples/demo in a temporary folder with a `.git` folder at its top, so that both
 * editors take it as the project root and nothing the tests do touches the fixture itself.
 */
export function demoWorkspace(): { dir: string; cleanup: () => void } {
  const src = join(REPO, 'examples/demo');
  if (!existsSync(src)) throw new Error(`e2e: the fixture workspace ${src} does not exist yet`);
  const t = tempDir('ws');
  const dir = join(t.dir, 'demo');
  cpSync(src, dir, { recursive: true });
  // An empty .git folder is enough for root detection and keeps the copy fast.
  mkdirSync(join(dir, '.git'), { recursive: true });
  return { dir, cleanup: t.cleanup };
}

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean }

/** Runs a command to its end or until `timeoutMs`, then kills it (its own process only). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut }); });
  });
}
