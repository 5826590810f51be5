/**
 * Shared by the fault suites: a seeded PRNG (the seed is printed so a failing run can be replayed
 * with STRATA_FAULT_SEED), the workspace they run on (a copy of examples/demo plus real source files
 * copied from node_modules), and the read of a document's served text through `strata/debug/text`.
 */
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ResponseError, type LspClient } from '../../support/lspClient.js';
import { DEMO, REPO } from '../../lsp/harness.js';
import { seeded } from '../../bench/lspMeasure.js';

/** A seeded PRNG (the benchmark's mulberry32) with the helpers the suites use. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(list: readonly T[]): T } {
  const next = seeded(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)]! };
}

/** The run's seed: STRATA_FAULT_SEED when set (to replay), else a fresh one. */
export function runSeed(): number {
  const fixed = process.env['STRATA_FAULT_SEED'];
  return fixed !== undefined && /^\d+$/.test(fixed) ? Number(fixed) : (Math.random() * 2 ** 31) >>> 0;
}

/** Real JavaScript and TypeScript sources shipped in node_modules (1–40 KB each), sorted for a stable corpus. */
const VENDOR_DIRS = ['node_modules/vscode-languageserver/lib', 'node_modules/vscode-jsonrpc/lib', 'node_modules/vscode-languageserver-protocol/lib'];

function listSources(dir: string, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) listSources(path, out);
    else if (/\.(js|ts)$/.test(name) && st.size >= 1024 && st.size <= 40 * 1024) out.push(path);
  }
  return out;
}

/** Copies examples/demo and up to `vendorFiles` real sources (under `vendor/`) into `root`. */
export function populateWorkspace(root: string, vendorFiles: number): void {
  cpSync(DEMO, root, { recursive: true });
  const sources = VENDOR_DIRS.flatMap((d) => listSources(join(REPO, d), [])).slice(0, vendorFiles);
  for (const src of sources) {
    const dest = join(root, 'vendor', relative(join(REPO, 'node_modules'), src));
    mkdirSync(join(dest, '..'), { recursive: true });
    cpSync(src, dest);
  }
}

/** Every file under `root`, relative paths, sorted. */
export function filesUnder(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(root, path, out);
    else out.push(relative(root, path));
  }
  return out;
}

export type Served = { text: string } | { error: ResponseError };

/** The server's text for a document, or the LSP error it answered with (anything else is thrown). */
export async function servedText(client: LspClient, uri: string): Promise<Served> {
  try {
    const r = await client.request('strata/debug/text', { uri }, { timeoutMs: 30_000 });
    return { text: r.text };
  } catch (err) {
    if (err instanceof ResponseError) return { error: err };
    throw err;
  }
}
