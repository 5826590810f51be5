/**
 * A real LSP client over stdio, for integration tests and the benchmark: spawns the server command,
 * speaks JSON-RPC with Content-Length framing (support/framing.ts), and records what the server
 * sends so tests can assert on it.
 *
 * - Requests get increasing numeric ids and return promises, rejected on an error response, on a
 *   timeout (the request is then cancelled with `$/cancelRequest`), or when the server exits.
 * - Server→client requests are answered by handlers: defaults for `workspace/configuration`
 *   (the `configuration` option, per section), `client/registerCapability`,
 *   `client/unregisterCapability`, `window/workDoneProgress/create`; unknown ones get
 *   MethodNotFound, so a server never hangs waiting on us.
 * - Notifications are recorded (`$/progress`, `window/logMessage`, latest diagnostics per URI) and
 *   can be awaited with a predicate (`waitForNotification`, `waitForLog`, `waitForDiagnostics`).
 * - `writeRaw` sends arbitrary bytes, for malformed-message tests.
 * - `memory()` reads the server process tree's VmRSS/VmHWM (support/procMem.ts).
 * - `close()` does shutdown + exit, then kills the process if it has not exited in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { encodeMessage, MessageReader } from './framing.js';
import { readTreeMem, type TreeMem } from './procMem.js';
import { errorMessage } from '../../server/src/base/errors.js';

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export class ResponseError extends Error {
  constructor(readonly method: string, readonly error: JsonRpcError) {
    super(`${method}: ${error.message} (${error.code})`);
  }
}

export class TimeoutError extends Error {}

export interface Notification {
  method: string;
  params?: any;
  /** Milliseconds since the client started. */
  at: number;
}

export type RequestHandler = (params: any) => unknown | Promise<unknown>;

export interface LspClientOptions {
  command: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default timeout of a request (ms). */
  requestTimeoutMs?: number;
  /** Answers `workspace/configuration` items by section (default: null for every item). */
  configuration?: (section: string | undefined, scopeUri: string | undefined) => unknown;
  /** Extra or replacement server→client request handlers, by method. */
  handlers?: Record<string, RequestHandler>;
  /** What to do with the server's stderr: keep the last 64 KiB (default), pass it through, or drop it. */
  stderr?: 'capture' | 'inherit' | 'ignore';
  /** Keep at most this many notifications (oldest dropped); logs/progress are capped the same way. */
  maxRecorded?: number;
}

interface Pending {
  method: string;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const MethodNotFound = -32601;
const InternalError = -32603;

export class LspClient extends EventEmitter {
  readonly process: ChildProcess;
  readonly started = performance.now();
  /** Every notification from the server (bounded by `maxRecorded`). */
  readonly notifications: Notification[] = [];
  readonly logs: Notification[] = [];
  readonly progress: Notification[] = [];
  /** Latest diagnostics per document URI. */
  readonly diagnostics = new Map<string, any[]>();
  /** Server→client requests received, by method, for assertions. */
  readonly serverRequests: { method: string; params?: any }[] = [];
  stderrText = '';
  /** Set once the process has exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new MessageReader();
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly exited: Promise<void>;
  private readonly maxRecorded: number;

  constructor(private readonly opts: LspClientOptions) {
    super();
    this.maxRecorded = opts.maxRecorded ?? 100_000;
    this.process = spawn(opts.command, opts.args ?? [], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', opts.stderr === 'inherit' ? 'inherit' : 'pipe'],
    });
    this.installDefaultHandlers();
    for (const [m, h] of Object.entries(opts.handlers ?? {})) this.handlers.set(m, h);
    this.process.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.process.stderr?.on('data', (chunk: Buffer) => {
      if (opts.stderr === 'ignore') return;
      this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-65536);
    });
    // Writing to a server that has died must not crash the test process.
    this.process.stdin!.on('error', (err) => this.emit('transportError', err));
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        this.exit = { code, signal };
        for (const [, p] of this.pending) {
          if (p.timer) clearTimeout(p.timer);
          p.reject(new Error(`${p.method}: server exited (code ${code}, signal ${signal})`));
        }
        this.pending.clear();
        this.emit('exit', this.exit);
        resolve();
      });
      this.process.on('error', (err) => {
        this.emit('transportError', err);
        if (!this.exit) {
          this.exit = { code: null, signal: null };
          resolve();
        }
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Sends a request; resolves with its result. */
  request<R = any>(method: string, params?: unknown, opts: { timeoutMs?: number } = {}): Promise<R> {
    return this.requestWithId<R>(method, params, opts).result;
  }

  /** Sends a request; gives its id (for `$/cancelRequest`) and a promise of its result. */
  requestWithId<R = any>(method: string, params?: unknown, opts: { timeoutMs?: number } = {}):
    { id: number; result: Promise<R> } {
    const id = this.nextId++;
    return { id, result: this.#send<R>(id, method, params, opts) };
  }

  #send<R>(id: number, method: string, params: unknown, opts: { timeoutMs?: number }): Promise<R> {
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 30_000;
    return new Promise<R>((resolve, reject) => {
      if (this.exit) return reject(new Error(`${method}: server has exited`));
      const timer = timeoutMs > 0 && Number.isFinite(timeoutMs)
        ? setTimeout(() => {
          this.pending.delete(id);
          this.notify('$/cancelRequest', { id });
          reject(new TimeoutError(`${method}: no response within ${timeoutMs} ms`));
        }, timeoutMs)
        : undefined;
      this.pending.set(id, { method, resolve, reject, timer });
      this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    });
  }

  notify(method: string, params?: unknown): void {
    this.send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  /** Sets the handler of a server→client request (replacing the default, if any). */
  onRequest(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
  }

  /** Writes bytes as they are: for tests of malformed framing or bodies. */
  writeRaw(bytes: string | Uint8Array): void {
    if (!this.exit) this.process.stdin!.write(bytes);
  }

  /** Resolves with the first notification (already recorded or future) that matches. */
  waitForNotification(pred: (n: Notification) => boolean, timeoutMs = 30_000, opts: { includePast?: boolean } = {}): Promise<Notification> {
    if (opts.includePast !== false) {
      const hit = this.notifications.find(pred);
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const onNote = (n: Notification) => {
        if (!pred(n)) return;
        cleanup();
        resolve(n);
      };
      const onExit = () => {
        cleanup();
        reject(new Error('server exited while waiting for a notification'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new TimeoutError(`no matching notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('notification', onNote);
        this.off('exit', onExit);
      };
      this.on('notification', onNote);
      this.on('exit', onExit);
    });
  }

  /** Waits for a `window/logMessage` whose text matches. */
  waitForLog(pattern: RegExp, timeoutMs = 30_000, opts: { includePast?: boolean } = {}): Promise<Notification> {
    return this.waitForNotification((n) => n.method === 'window/logMessage' && pattern.test(String(n.params?.message)), timeoutMs, opts);
  }

  /** Waits for diagnostics of a URI that satisfy the predicate (default: any). */
  waitForDiagnostics(uri: string, pred: (d: any[]) => boolean = () => true, timeoutMs = 30_000): Promise<any[]> {
    const now = this.diagnostics.get(uri);
    if (now && pred(now)) return Promise.resolve(now);
    return this.waitForNotification(
      (n) => n.method === 'textDocument/publishDiagnostics' && n.params?.uri === uri && pred(n.params.diagnostics ?? []),
      timeoutMs, { includePast: false },
    ).then((n) => n.params.diagnostics as any[]);
  }

  /** `initialize` then `initialized`; returns the server's InitializeResult. */
  async initialize(params: Record<string, unknown>, timeoutMs?: number): Promise<any> {
    const result = await this.request('initialize', { processId: process.pid, ...params }, { timeoutMs });
    this.notify('initialized', {});
    return result;
  }

  /** VmRSS/VmHWM of the server and its child processes, now. */
  memory(): TreeMem | undefined {
    return this.exit ? undefined : readTreeMem(this.pid);
  }

  /** Resolves when the process has exited. */
  waitForExit(): Promise<void> {
    return this.exited;
  }

  /**
   * Clean shutdown: `shutdown`, `exit`, then wait; the process is killed (SIGKILL) if it is still
   * running after `timeoutMs`. Returns how it ended.
   */
  async close(timeoutMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
    let killed = false;
    if (!this.exit) {
      try {
        await this.request('shutdown', undefined, { timeoutMs });
        this.notify('exit');
      } catch {
        // A server that cannot shut down is killed below.
      }
      const timer = setTimeout(() => {
        if (!this.exit) {
          killed = true;
          this.process.kill('SIGKILL');
        }
      }, timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return { code: this.exit?.code ?? null, signal: this.exit?.signal ?? null, killed };
  }

  private send(message: unknown): void {
    if (this.exit) return;
    this.process.stdin!.write(encodeMessage(message));
  }

  private onData(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      this.emit('transportError', err);
      return;
    }
    for (const m of messages) this.dispatch(m as any);
  }

  private dispatch(m: { id?: number | string | null; method?: string; params?: any; result?: unknown; error?: JsonRpcError }): void {
    if (m.method !== undefined && m.id !== undefined && m.id !== null) {
      void this.answer(m.id, m.method, m.params);
    } else if (m.method !== undefined) {
      this.record({ method: m.method, params: m.params, at: performance.now() - this.started });
    } else if (typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      if (!p) return; // Answer to a request that timed out.
      this.pending.delete(m.id);
      if (p.timer) clearTimeout(p.timer);
      if (m.error) p.reject(new ResponseError(p.method, m.error));
      else p.resolve(m.result ?? null);
    }
  }

  private record(n: Notification): void {
    const push = (list: Notification[]) => {
      list.push(n);
      if (list.length > this.maxRecorded) list.shift();
    };
    push(this.notifications);
    if (n.method === 'window/logMessage') push(this.logs);
    else if (n.method === '$/progress') push(this.progress);
    else if (n.method === 'textDocument/publishDiagnostics' && n.params?.uri) this.diagnostics.set(n.params.uri, n.params.diagnostics ?? []);
    this.emit('notification', n);
  }

  private async answer(id: number | string, method: string, params: any): Promise<void> {
    this.serverRequests.push({ method, params });
    const handler = this.handlers.get(method);
    if (!handler) {
      this.send({ jsonrpc: '2.0', id, error: { code: MethodNotFound, message: `client does not handle ${method}` } });
      return;
    }
    try {
      const result = await handler(params);
      this.send({ jsonrpc: '2.0', id, result: result ?? null });
    } catch (err) {
      this.send({ jsonrpc: '2.0', id, error: { code: InternalError, message: errorMessage(err) } });
    }
  }

  private installDefaultHandlers(): void {
    const conf = this.opts.configuration ?? (() => null);
    this.handlers.set('workspace/configuration', (p: { items?: { section?: string; scopeUri?: string }[] }) =>
      (p?.items ?? []).map((i) => conf(i.section, i.scopeUri)));
    this.handlers.set('client/registerCapability', () => null);
    this.handlers.set('client/unregisterCapability', () => null);
    this.handlers.set('window/workDoneProgress/create', () => null);
    this.handlers.set('workspace/workspaceFolders', () => null);
  }
}

/** Spawns a server and returns its client (the process starts at once). */
export function startClient(opts: LspClientOptions): LspClient {
  return new LspClient(opts);
}
