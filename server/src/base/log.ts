/**
 * The one logger: levels, a component prefix, and one sink per process.
 *
 * A root logger is made where the process starts (cli.ts: stderr for `strata index`, the client's
 * `window/logMessage` for `strata --stdio`); every part gets a child named after itself
 * (`log.child('persist')`), whose lines read `[persist] message`. Children share the root's level
 * and sink, so setting either later (the connection exists only after the workspace) reaches all.
 * The level comes from `STRATA_LOG` (off, error, warn, info, debug; default info) and may be
 * raised by the client's standard `trace` setting (lsp/server.ts). Lines below the level cost one
 * comparison; `debug` callers that build an expensive message check `enabled('debug')` first.
 * Never writes to stdout: in `strata --stdio` it carries the protocol.
 */

const LOG_LEVELS = ['off', 'error', 'warn', 'info', 'debug'] as const;
export type LogThreshold = (typeof LOG_LEVELS)[number];
export type LogLevel = Exclude<LogThreshold, 'off'>;

/** Where log lines go: the level, the component that wrote it ('' for the root), the message. */
export type LogSink = (level: LogLevel, component: string, message: string) => void;

/** The level named by `STRATA_LOG`, or `fallback` when it is unset or names no level. */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: LogThreshold = 'info'): LogThreshold {
  const raw = env['STRATA_LOG']?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(raw ?? '') ? (raw as LogThreshold) : fallback;
}

/** A line as the text sinks print it: `[component] message`, or the message alone for the root. */
export function formatLine(component: string, message: string): string {
  return component ? `[${component}] ${message}` : message;
}

/** State shared by a root and all its children. */
interface LogRoot { threshold: number; sink: LogSink }

export class Logger {
  readonly #root: LogRoot;
  readonly #component: string;

  private constructor(root: LogRoot, component: string) {
    this.#root = root;
    this.#component = component;
  }

  static create(sink: LogSink, level: LogThreshold = levelFromEnv()): Logger {
    return new Logger({ threshold: LOG_LEVELS.indexOf(level), sink }, '');
  }

  /** A logger that drops everything (tests and parts run without a process logger). */
  static silent(): Logger {
    return Logger.create(() => {}, 'off');
  }

  /** A logger for a part of the program; `a.child('b')` writes as `[a/b]`. */
  child(component: string): Logger {
    return new Logger(this.#root, this.#component ? `${this.#component}/${component}` : component);
  }

  get level(): LogThreshold {
    return LOG_LEVELS[this.#root.threshold]!;
  }

  /** Changes the level of the whole tree of loggers this one belongs to. */
  setLevel(level: LogThreshold): void {
    this.#root.threshold = LOG_LEVELS.indexOf(level);
  }

  /** Changes where the whole tree of loggers this one belongs to writes. */
  setSink(sink: LogSink): void {
    this.#root.sink = sink;
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= this.#root.threshold;
  }

  error(message: string): void { this.#write('error', message); }
  warn(message: string): void { this.#write('warn', message); }
  info(message: string): void { this.#write('info', message); }
  debug(message: string): void { this.#write('debug', message); }

  #write(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.#root.sink(level, this.#component, message);
  }
}
