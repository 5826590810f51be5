/**
 * Builds the extension package with the project's own script (client/scripts/package.mjs), as
 * `npm run package` does, into a given path. Shared by the packaging test and the VS Code test.
 */
import { join } from 'node:path';
import { REPO, run } from './env.js';

export async function buildVsix(out: string): Promise<void> {
  const r = await run(process.execPath, [join(REPO, 'client/scripts/package.mjs'), '--out', out], { cwd: REPO, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`package.mjs failed (${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.stdout}\n${r.stderr}`);
}
