/**
 * One client connection's state, shared by the handlers: the negotiated position encoding, the
 * mapping between URIs and document keys, the logger, the workspace service and current settings.
 * It owns no documents and no caches: those are the workspace's.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Connection, Range } from 'vscode-languageserver/node';
import type { Span } from '../syntax/types.js';
import type { Logger } from '../base/log.js';
import { InvalidParamsError, shown } from './guard.js';
import { LineLookup, PositionCodec, type PositionEncoding } from './positions.js';
import type { WorkspaceService } from '../index/api.js';
import { defaultSettings, type StrataSettings } from '../index/settings.js';
import { errorMessage } from '../base/errors.js';

/** Absolute paths made of these characters only, with no empty, `.` or `..` segment and no trailing `/`. */
const PLAIN_PATH = /^(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+)+$/;

/**
 * The `file:` URI of an absolute POSIX path, as `pathToFileURL` makes it. A plain path (PLAIN_PATH:
 * nearly every path in a source tree) is its own URI path, because `pathToFileURL` resolves nothing
 * and escapes none of its characters; building it directly costs a concatenation instead of a URL
 * object, and an answer of thousands of locations names thousands of files.
 */
export function fileUri(path: string): string {
  return PLAIN_PATH.test(path) ? `file://${path}` : pathToFileURL(path).href;
}

export class Session {
  codec = new PositionCodec('utf-16');
  settings: StrataSettings = defaultSettings();
  /** Client capabilities that change what the server does (set at initialize; LSP's defaults until then). */
  client = {
    workDoneProgress: false, configuration: false, watchedFilesDynamic: false,
    hierarchicalSymbols: false, foldingLineOnly: false,
  };

  constructor(readonly connection: Connection, readonly service: WorkspaceService, readonly log: Logger) {}

  setEncoding(encoding: PositionEncoding): void {
    this.codec = new PositionCodec(encoding);
  }

  /** `file:` URIs become paths (the key the index and the disk share); other schemes keep the URI. */
  keyOf(uri: string): string {
    if (uri.startsWith('file:')) {
      try {
        return fileURLToPath(uri);
      } catch (err) {
        throw new InvalidParamsError(`not a usable file URI: ${shown(uri)} (${errorMessage(err)})`);
      }
    }
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri)) throw new InvalidParamsError(`not a URI: ${shown(uri)}`);
    return uri;
  }

  uriOf(key: string): string {
    return key.startsWith('/') ? fileUri(key) : key;
  }

  /** A new cache of line texts for one response (see ResponseLines). */
  responseLines(): ResponseLines {
    return new ResponseLines(this.service);
  }

  /**
   * Spans (UTF-16) → LSP ranges in the client's encoding. For UTF-8 clients the lines' text is
   * needed; it comes from `lines`, so a response that passes its own reads each document once.
   */
  async rangesFor(key: string, spans: readonly Span[], lines = this.responseLines()): Promise<Range[]> {
    let lookup: LineLookup | undefined;
    if (this.codec.encoding !== 'utf-16' && spans.length > 0) lookup = await lines.of(key);
    const line = (n: number) => () => lookup!.line(n);
    return spans.map((s) => ({
      start: { line: s[0], character: this.codec.toClient(s[1], line(s[0])) },
      end: { line: s[2], character: this.codec.toClient(s[3], line(s[2])) },
    }));
  }

  /**
   * Ranges of spans in many documents, in the order given. Spans are grouped by document so that
   * each document's text is fetched at most once per call: a UTF-8 client's answer with thousands
   * of locations in a few files reads those few files, not one text per location.
   */
  async rangesByKey(located: readonly { key: string; span: Span }[], lines = this.responseLines()): Promise<Range[]> {
    const groups = new Map<string, number[]>();
    located.forEach((l, i) => {
      const group = groups.get(l.key);
      if (group) group.push(i);
      else groups.set(l.key, [i]);
    });
    const out = new Array<Range>(located.length);
    for (const [key, indices] of groups) {
      const ranges = await this.rangesFor(key, indices.map((i) => located[i]!.span), lines);
      indices.forEach((at, j) => { out[at] = ranges[j]!; });
    }
    return out;
  }

  /** A client position → the UTF-16 position the workspace expects. */
  async toInternal(key: string, pos: { line: number; character: number },
    lines = this.responseLines()): Promise<{ line: number; character: number }> {
    if (this.codec.encoding === 'utf-16') return pos;
    const lookup = await lines.of(key);
    return { line: pos.line, character: this.codec.toInternal(pos.character, () => lookup.line(pos.line)) };
  }
}

/**
 * The documents' line texts one response has needed (a UTF-8 client's columns are converted on
 * them): each document's text is fetched at most once while the response is built, however many
 * positions and ranges in it are converted. Made per response, so it never serves an older text.
 */
export class ResponseLines {
  readonly #lookups = new Map<string, Promise<LineLookup>>();

  constructor(private readonly service: WorkspaceService) {}

  of(key: string): Promise<LineLookup> {
    let lookup = this.#lookups.get(key);
    if (!lookup) {
      const open = this.service.documentText(key);
      lookup = open !== undefined
        ? Promise.resolve(new LineLookup(open))
        : this.service.textOf(key).then((text) => new LineLookup(text ?? ''));
      this.#lookups.set(key, lookup);
    }
    return lookup;
  }
}
