/**
 * Plays the fuzzer's rounds (rounds.ts) against the built server over a real stdio connection and
 * checks, after every round, that nothing was lost and nothing wrong is served:
 *
 * - the server process is alive;
 * - `strata/stats` and `textDocument/documentSymbol` on the anchor (a demo file opened before the
 *   first round and never touched by a round) are answered within the bound; the anchor's outline
 *   equals the one taken before the first round; the tree accounting is exact
 *   (live = created − deleted) and no integrity check failed;
 * - every document the round left open holds exactly its shadow's text (`strata/debug/text`,
 *   served with STRATA_DEBUG=1);
 * - every request of the round got an answer within the bound: a valid one a result, a hostile one
 *   a result or an error that is not InternalError (bad input gets a clear error).
 *
 * The first failed check stops the run with a `FuzzFailure` naming the seed and the round, and how
 * to replay it. The server runs on a private copy of examples/demo with its own XDG_CACHE_HOME.
 */
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentile } from '../../bench/lspMeasure.js';
import { LspClient, ResponseError } from '../../support/lspClient.js';
import { DEMO, REPO } from '../../lsp/harness.js';
import { RoundGenerator, type Kind, type Round, type Step } from './rounds.js';
import { SERVER_ENV } from '../../../server/src/protocol.js';
import { errorMessage } from '../../../server/src/base/errors.js';

const INTERNAL_ERROR = -32603;
/** The demo file every round's check asks about; no round touches it. */
export const ANCHOR = 'web/cart.js';
/** Demo files rounds may open, edit and close (the disk is the truth again after close). */
const DEMO_FILES = ['web/format.js', 'python/inventory.py', 'go/store.go', 'config/settings.json', 'c/ring.c'];

export interface FuzzOptions {
  seed: number;
  rounds: number;
  fromRound?: number;
  /** Every check request and every round request must be answered within this (ms). */
  boundMs?: number;
  /** Per-round probability of each heavy item (rounds.ts). */
  heavy?: number;
  /** Nesting variants to leave out (rounds.ts NESTINGS). */
  skipNestings?: readonly string[];
  /** Print each round's steps before sending them (for replaying a failure). */
  dump?: boolean;
  /** Called after each round (progress output). */
  onRound?: (round: number, figures: FuzzFigures) => void;
}

export interface FuzzFigures {
  seed: number;
  firstRound: number;
  rounds: number;
  messages: Partial<Record<Kind, number>>;
  messagesTotal: number;
  bytesSent: number;
  validRequests: { sent: number; answered: number };
  hostileRequests: { sent: number; answered: number; errors: number };
  checkRequests: number;
  unanswered: number;
  serverDeaths: number;
  textsCompared: number;
  wrongTexts: number;
  checkLatencyMs: { p50: number; p99: number; max: number };
  serverRssBytes: number | undefined;
  serverPeakRssBytes: number | undefined;
  elapsedMs: number;
}

export class FuzzFailure extends Error {
  /** The figures up to the failure. */
  figures: FuzzFigures | undefined;
  constructor(readonly seed: number, readonly round: number, readonly reason: string, readonly detail: string) {
    super(`fuzz failure at seed ${seed}, round ${round}: ${reason}\n` +
      `replay: node dist/test/reliability/fuzz/main.js --seed ${seed} --from-round ${round} --rounds 1` +
      `  (or --seed ${seed} --rounds ${round + 1} for the whole history)\n${detail}`);
  }
}

interface Tracked { step: Extract<Step, { type: 'request' }>; done: boolean; outcome?: { error?: ResponseError | Error } }

export async function runFuzz(opts: FuzzOptions): Promise<FuzzFigures> {
  const bound = opts.boundMs ?? 10_000;
  const first = opts.fromRound ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'strata-fuzz-'));
  const cacheHome = mkdtempSync(join(tmpdir(), 'strata-fuzz-cache-'));
  cpSync(DEMO, root, { recursive: true });
  const rootUri = pathToFileURL(root).href;
  const started = performance.now();
  const figures: FuzzFigures = {
    seed: opts.seed, firstRound: first, rounds: 0, messages: {}, messagesTotal: 0, bytesSent: 0,
    validRequests: { sent: 0, answered: 0 }, hostileRequests: { sent: 0, answered: 0, errors: 0 }, checkRequests: 0,
    unanswered: 0, serverDeaths: 0, textsCompared: 0, wrongTexts: 0,
    checkLatencyMs: { p50: NaN, p99: NaN, max: NaN }, serverRssBytes: undefined, serverPeakRssBytes: undefined, elapsedMs: 0,
  };
  const latencies: number[] = [];
  const client = new LspClient({
    command: process.execPath,
    args: [join(REPO, 'bin/strata.js'), '--stdio'],
    cwd: root,
    env: { ...process.env, ...SERVER_ENV, XDG_CACHE_HOME: cacheHome, STRATA_DEBUG: '1' },
    requestTimeoutMs: 60_000,
    configuration: () => ({}),
    maxRecorded: 2000,
  });
  let round = first;
  let current: Round | undefined;
  const fail = (reason: string, detail = ''): never => {
    const tail = client.stderrText.slice(-4000);
    const steps = current ? `\n${describe(current)}` : '';
    const logs = client.logs.slice(-25).map((n) => `  ${String(n.params?.message).slice(0, 300)}`).join('\n');
    throw new FuzzFailure(opts.seed, round, reason, `${detail}${steps}\nserver log (last lines):\n${logs}${tail ? `\nserver stderr (tail):\n${tail}` : ''}`);
  };
  const checked = async <R>(what: string, method: string, params: unknown): Promise<R> => {
    figures.checkRequests++;
    try {
      return await client.request<R>(method, params, { timeoutMs: bound });
    } catch (err) {
      if (client.exit) figures.serverDeaths++;
      else figures.unanswered++;
      return fail(`${what}: ${errorMessage(err)}`);
    }
  };

  try {
    await client.initialize({
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'demo' }],
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        window: { workDoneProgress: true },
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
        textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true }, publishDiagnostics: {} },
      },
    }, 60_000);
    await client.waitForNotification((n) => n.method === '$/progress' && n.params?.value?.kind === 'end', 120_000);
    const anchorUri = `${rootUri}/${ANCHOR}`;
    client.notify('textDocument/didOpen', { textDocument: { uri: anchorUri, languageId: 'javascript', version: 1, text: readFileSync(join(root, ANCHOR), 'utf8') } });
    const anchorOutline = JSON.stringify(await client.request('textDocument/documentSymbol', { textDocument: { uri: anchorUri } }));
    const generator = new RoundGenerator({
      rootUri, demoFiles: DEMO_FILES,
      ...(opts.heavy !== undefined ? { heavy: opts.heavy } : {}), ...(opts.skipNestings ? { skipNestings: opts.skipNestings } : {}),
    });

    for (round = first; round < first + opts.rounds; round++) {
      const r = generator.generate(opts.seed, round);
      current = r;
      if (opts.dump) dumpRound(r);
      const tracked = await send(client, r.steps, figures);
      await drain(client);

      // The checks: alive, answered within the bound, right answers, right texts.
      if (client.exit) {
        figures.serverDeaths++;
        fail(`the server died (code ${client.exit.code}, signal ${client.exit.signal})`);
      }
      const t0 = performance.now();
      const outline = await checked<unknown>('documentSymbol on the anchor', 'textDocument/documentSymbol', { textDocument: { uri: anchorUri } });
      latencies.push(performance.now() - t0);
      if (JSON.stringify(outline) !== anchorOutline) fail('the anchor\'s outline changed', `expected ${anchorOutline.slice(0, 500)}\ngot ${JSON.stringify(outline).slice(0, 500)}`);
      const stats = await checked<any>('strata/stats', 'strata/stats', undefined);
      if (stats?.trees && stats.trees.created - stats.trees.deleted !== stats.trees.live) fail('tree accounting is off', JSON.stringify(stats.trees));
      if (stats?.integrity?.crcFailures) fail('integrity checks failed without injected faults', JSON.stringify(stats.integrity));
      for (const doc of r.shadow.docs.values()) {
        const { text } = await checked<{ text: string }>(`strata/debug/text of ${doc.uri}`, 'strata/debug/text', { uri: doc.uri });
        figures.textsCompared++;
        if (text !== doc.text) {
          figures.wrongTexts++;
          fail(`wrong text for ${doc.uri}`, textDiff(doc.text, text));
        }
      }
      await settle(tracked, bound);
      for (const t of tracked) {
        if (!t.done) {
          figures.unanswered++;
          fail(`no answer within ${bound} ms to ${t.step.kind} ${t.step.method}`, `params: ${preview(t.step.params)}`);
        }
        const error = t.outcome?.error;
        if (t.step.expect === 'result' && error) fail(`valid request ${t.step.method} got an error: ${error.message}`, `params: ${preview(t.step.params)}`);
        if (error instanceof ResponseError && error.error.code === INTERNAL_ERROR) {
          fail(`${t.step.kind} ${t.step.method} got InternalError instead of a clear error: ${error.message}`, `params: ${preview(t.step.params)}`);
        }
        if (error && !(error instanceof ResponseError)) fail(`${t.step.method}: ${error.message}`);
      }
      await send(client, r.closing, figures);
      figures.rounds++;
      opts.onRound?.(round, figures);
    }
    const mem = client.memory();
    figures.serverRssBytes = mem?.rssBytes;
    figures.serverPeakRssBytes = mem?.hwmBytes;
    return figures;
  } catch (err) {
    if (err instanceof FuzzFailure) err.figures = figures;
    throw err;
  } finally {
    figures.elapsedMs = performance.now() - started;
    figures.checkLatencyMs = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.length ? Math.max(...latencies) : NaN };
    await client.close(10_000);
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

/** The figures, as `npm run fuzz` prints them. */
export function formatFigures(f: FuzzFigures): string {
  const mb = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 1048576).toFixed(1)} MB`);
  const kinds = Object.entries(f.messages).sort((a, b) => b[1] - a[1]).map(([k, n]) => `    ${k.padEnd(28)} ${n}`).join('\n');
  return [
    `seed ${f.seed}, rounds ${f.firstRound}..${f.firstRound + f.rounds - 1} (${f.rounds} rounds) in ${(f.elapsedMs / 1000).toFixed(1)} s`,
    `messages sent: ${f.messagesTotal} (${mb(f.bytesSent)} of raw frames), by kind:`,
    kinds,
    `valid requests answered: ${f.validRequests.answered}/${f.validRequests.sent}; hostile requests answered: ${f.hostileRequests.answered}/${f.hostileRequests.sent} (${f.hostileRequests.errors} with a clear error)`,
    `check requests: ${f.checkRequests}; unanswered: ${f.unanswered}; server deaths: ${f.serverDeaths}`,
    `document texts compared with the shadow: ${f.textsCompared}; wrong: ${f.wrongTexts}`,
    `check latency (documentSymbol on the anchor): p50 ${f.checkLatencyMs.p50.toFixed(1)} ms, p99 ${f.checkLatencyMs.p99.toFixed(1)} ms, max ${f.checkLatencyMs.max.toFixed(1)} ms`,
    `server RSS at the end: ${mb(f.serverRssBytes)} (peak ${mb(f.serverPeakRssBytes)})`,
  ].join('\n');
}

/** Sends the steps in order; returns the requests, whose answers are recorded as they come. */
async function send(client: LspClient, steps: readonly Step[], figures: FuzzFigures): Promise<Tracked[]> {
  const tracked: Tracked[] = [];
  let sinceDrain = 0;
  for (const step of steps) {
    figures.messages[step.kind] = (figures.messages[step.kind] ?? 0) + 1;
    figures.messagesTotal++;
    if (step.type === 'raw') {
      client.writeRaw(step.bytes);
      figures.bytesSent += step.bytes.length;
      sinceDrain += step.bytes.length;
    } else if (step.type === 'notify') {
      client.notify(step.method, step.params);
      sinceDrain += 256;
    } else {
      const t: Tracked = { step, done: false };
      tracked.push(t);
      if (step.expect === 'result') figures.validRequests.sent++;
      else figures.hostileRequests.sent++;
      // No client-side timeout: the round's check decides what "unanswered" is.
      client.request(step.method, step.params, { timeoutMs: 0 }).then(
        () => {
          t.done = true;
          if (step.expect === 'result') figures.validRequests.answered++;
          else figures.hostileRequests.answered++;
        },
        (error: Error) => {
          t.done = !client.exit;
          t.outcome = { error };
          if (step.expect === 'result') figures.validRequests.answered++;
          else {
            figures.hostileRequests.answered++;
            figures.hostileRequests.errors++;
          }
        },
      );
      sinceDrain += 256;
    }
    // Keep the pipe's buffer bounded: a burst of thousands of edits is written as the server reads it.
    if (sinceDrain > 1 << 20) {
      sinceDrain = 0;
      await drain(client);
    }
  }
  return tracked;
}

async function drain(client: LspClient): Promise<void> {
  const stdin = client.process.stdin!;
  if (!client.exit && stdin.writableNeedDrain) await Promise.race([once(stdin, 'drain'), client.waitForExit()]);
}

/** Waits until every tracked request is answered, at most `bound` ms. */
async function settle(tracked: readonly Tracked[], bound: number): Promise<void> {
  const deadline = performance.now() + bound;
  while (tracked.some((t) => !t.done) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function describe(r: Round): string {
  const counts = new Map<string, number>();
  for (const s of r.steps) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  return `round ${r.round}: ${[...counts].map(([k, n]) => `${k}×${n}`).join(', ')}`;
}

/** One line per step: its kind and what it sends (abridged). */
export function dumpRound(r: Round): void {
  console.log(`── round ${r.round}: ${r.steps.length} steps`);
  for (const [i, s] of r.steps.entries()) {
    const what = s.type === 'raw' ? `raw ${s.bytes.length} B ${JSON.stringify(s.bytes.subarray(0, 120).toString('latin1'))}` : `${s.type} ${s.method} ${preview(s.params)}`;
    console.log(`  ${String(i).padStart(4)} ${s.kind.padEnd(26)} ${what.slice(0, 400)}`);
  }
}

function preview(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
  } catch (err) {
    return String(err);
  }
}

function textDiff(expected: string, got: string): string {
  let i = 0;
  while (i < expected.length && i < got.length && expected.charCodeAt(i) === got.charCodeAt(i)) i++;
  return `lengths: expected ${expected.length}, got ${got.length}; first difference at ${i}: ` +
    `expected ${JSON.stringify(expected.slice(Math.max(0, i - 20), i + 40))}, got ${JSON.stringify(got.slice(Math.max(0, i - 20), i + 40))}`;
}
