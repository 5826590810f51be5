/**
 * The protocol edge's safety net. Clients (and fuzzers) send params of the wrong shape; JSON-RPC does
 * not check them. Each handler reads its params through these checks, and every handler runs inside
 * `guarded`, which turns a thrown error into an LSP error response with a clear message and a log
 * line — so one bad request never takes the server down, and the next request is answered.
 */
import {
  ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type Connection,
} from 'vscode-languageserver/node';
import { formatLine, type Logger, type LogSink } from '../base/log.js';
import { CancelledError, EditRejectedError, UnknownDocumentError, type Position } from '../index/api.js';
import { errorMessage } from '../base/errors.js';

/** Thrown for params that do not have the shape the method requires. */
export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireRecord(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) throw new InvalidParamsError(`${what} must be an object`);
  return v;
}

export function requireArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new InvalidParamsError(`${what} must be an array`);
  return v;
}

export function requireString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new InvalidParamsError(`${what} must be a string`);
  return v;
}

/**
 * A value as an error message shows it: short, and never walked (params can nest 100 000 levels
 * deep, where JSON.stringify overflows the stack, or hold a 20 MB string).
 */
export function shown(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  return String(v);
}

/** A non-negative integer that fits LSP's uinteger. */
export function requireUInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
    throw new InvalidParamsError(`${what} must be a non-negative integer; got ${shown(v)}`);
  }
  return v;
}

export function requireInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 0x7fffffff) {
    throw new InvalidParamsError(`${what} must be an integer; got ${shown(v)}`);
  }
  return v;
}

export function requirePosition(v: unknown, what: string): Position {
  const r = requireRecord(v, what);
  return { line: requireUInt(r['line'], `${what}.line`), character: requireUInt(r['character'], `${what}.character`) };
}

export function requireTextDocumentUri(params: unknown): string {
  const p = requireRecord(params, 'params');
  const doc = requireRecord(p['textDocument'], 'params.textDocument');
  return requireString(doc['uri'], 'params.textDocument.uri');
}

/** Maps an internal error to the LSP error the client should see. */
function toResponseError(err: unknown): ResponseError<void> {
  if (err instanceof ResponseError) return err as ResponseError<void>;
  if (err instanceof InvalidParamsError) return new ResponseError(ErrorCodes.InvalidParams, err.message);
  if (err instanceof UnknownDocumentError) return new ResponseError(ErrorCodes.InvalidParams, err.message);
  if (err instanceof EditRejectedError) return new ResponseError(ErrorCodes.InvalidParams, err.message);
  if (err instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, err.message);
  const message = errorMessage(err);
  return new ResponseError(ErrorCodes.InternalError, `strata: ${message}`);
}

/** Log lines go to the client (`window/logMessage`), never to stdout, which carries the protocol. */
export function connectionSink(connection: Connection): LogSink {
  return (level, component, message) => {
    const line = formatLine(component, message);
    if (level === 'error') connection.console.error(line);
    else if (level === 'warn') connection.console.warn(line);
    else if (level === 'info') connection.console.info(line);
    else connection.console.log(line);
  };
}

/**
 * Wraps a request handler: errors become LSP error responses and a log line. Register it with
 * `connection.onRequest(method, …)`, not the typed helpers (`onDefinition`, …): those read
 * `params.workDoneToken` before the handler runs, so `params: null` became an InternalError.
 * The handler gets the request's `$/cancelRequest` as an AbortSignal (the index's terms); a search
 * that stops for it answers RequestCancelled, as LSP asks.
 */
export function guarded<P, R>(
  log: Logger, method: string, handler: (params: P, signal: AbortSignal) => Promise<R> | R,
) {
  return async (params: P, token?: CancellationToken): Promise<R | ResponseError<void>> => {
    const abort = new AbortController();
    const listening = token?.onCancellationRequested(() => abort.abort());
    if (token?.isCancellationRequested) abort.abort();
    try {
      return await handler(params, abort.signal);
    } catch (err) {
      const response = toResponseError(err);
      if (err instanceof CancelledError) log.info(`${method}: ${response.message}`);
      else log.warn(`${method}: ${response.message}`);
      return response;
    } finally {
      listening?.dispose();
    }
  };
}

/** Wraps a notification handler: notifications have no response, so errors are logged only. */
export function guardedNotification<P>(log: Logger, method: string, handler: (params: P) => Promise<void> | void) {
  return async (params: P): Promise<void> => {
    try {
      await handler(params);
    } catch (err) {
      const message = errorMessage(err);
      log.warn(`${method}: refused: ${message}`);
    }
  };
}
