/**
 * The workspace's API: what the LSP layer and the CLI may ask of the index, in Strata's own terms —
 * document keys, zero-based lines and UTF-16 columns, plain-data results — so the protocol handlers
 * only translate. `Workspace` implements it. Document keys are file-system paths for `file:` URIs and
 * the URI itself for other schemes. The errors here are the ones a caller is expected to map.
 */
import type { FoldSpan, Span, SymbolKind, SyntaxDiagnostic, SyntaxSymbol } from '../syntax/types.js';
import type { StrataStats } from '../protocol.js';
import type { StrataSettings } from './settings.js';

export interface Position { line: number; character: number }

/**
 * One content change of didChange, as the client sent it: columns in the session's position
 * encoding (the document model converts them while it applies the changes in order, because each
 * change's positions refer to the text left by the one before). No range = the whole text.
 */
export interface TextChange { range?: { start: Position; end: Position }; text: string }

export type ColumnEncoding = 'utf-16' | 'utf-8';

export interface Location { key: string; span: Span }

export interface SymbolHit {
  name: string;
  kind: SymbolKind;
  key: string;
  span: Span;
  containerName?: string;
}

/** Progress of a workspace index run, reported to the client as `$/progress`. */
export interface IndexProgress {
  begin(title: string): void;
  report(filesDone: number, filesTotal: number, bytesDone: number): void;
  end(message: string): void;
}

export interface WorkspaceService {
  configure(settings: StrataSettings): void;
  indexFolder(root: string, progress: IndexProgress): Promise<void>;
  removeFolder(root: string): void;

  openDocument(key: string, languageId: string, version: number, text: string): void;
  /** Applies all changes or none; throws `EditRejectedError` (with the reason) for impossible edits. */
  changeDocument(key: string, version: number, changes: TextChange[], encoding: ColumnEncoding): void;
  closeDocument(key: string): void;
  saveDocument(key: string): void;
  filesChanged(events: { key: string; change: 'created' | 'changed' | 'deleted' }[]): Promise<void>;
  /** An open document's current text, or undefined. */
  documentText(key: string): string | undefined;
  /** An open document's current version (the client's number), or undefined. */
  documentVersion(key: string): number | undefined;
  /** The current text of any known document (open, cached or on disk), verified; undefined if unknown. */
  textOf(key: string): Promise<string | undefined>;

  outline(key: string): Promise<SyntaxSymbol[]>;
  foldingRanges(key: string): Promise<FoldSpan[]>;
  selectionRanges(key: string, positions: Position[]): Promise<Span[][]>;
  diagnostics(key: string): Promise<SyntaxDiagnostic[]>;
  // The searches over the workspace stop with a CancelledError once `signal` aborts: a client that
  // gave up on an answer (it moved on) must not keep the server's workers and disk busy.
  definition(key: string, position: Position, signal?: AbortSignal): Promise<Location[]>;
  references(key: string, position: Position, includeDeclaration: boolean, signal?: AbortSignal): Promise<Location[]>;
  /** Best matches first; hits in files changed on disk behind the server's back are re-read before they are served. */
  workspaceSymbols(query: string, limit: number, signal?: AbortSignal): Promise<SymbolHit[]>;

  stats(): StrataStats;
  /** Saves what changed to the persistent cache, within `timeoutMs` (at shutdown); never throws. */
  flush(timeoutMs: number): Promise<void>;
  /** Fault injection, for the reliability suites only (served only with STRATA_DEBUG=1; index/faults.ts). */
  injectFaults(
    request: { seed: number; flips: number; kinds?: readonly FaultKind[]; keys?: readonly string[] },
  ): FaultReport;
  /**
   * Ends idle parser workers and collects the main thread's garbage, so memory read next is what is
   * retained; for the reliability suites only (served only with STRATA_DEBUG=1).
   */
  releaseMemory?(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Where a fault can be injected: the cache's stored bytes by region kind (cache/debug.ts), or an
 * entry's recorded numbers.
 */
export const FAULT_KINDS = [
  'warm-chunk', 'pack-frame', 'pack-offsets', 'chunk-crc', 'chunk-length', 'chunk-aux', 'entry-chunks', 'entry-field',
  'journal',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectedFault { region: string; byte: number; bit: number }

export interface FaultReport {
  injected: InjectedFault[];
  /** Cache entries the flips were drawn over. */
  entries: number;
}

/** An edit that cannot be applied; the document keeps its last good text. */
export class EditRejectedError extends Error {
  override readonly name = 'EditRejectedError';
}

/** The caller aborted the request (its signal): nothing is answered. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled by the client');
  }
}

/** Throws CancelledError once `signal` has aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** A request about a document Strata does not have (never opened and not on disk). */
export class UnknownDocumentError extends Error {
  override readonly name = 'UnknownDocumentError';
}
