/**
 * A guard in front of the JSON-RPC reader, so that no byte sequence a client sends can stop the
 * server from reading the next well-framed message. vscode-jsonrpc trusts its input: a header
 * without a usable Content-Length stalls it, a header line without ':' throws, and a huge
 * Content-Length makes it buffer every later message as one body.
 *
 * So this transform forwards only what it has checked, rebuilding each header: a block's last
 * `Content-Length:` decides and is forwarded alone, then exactly that many body bytes. Bytes before
 * a header that are not header lines (a body sent with a too-short length, garbage) are dropped with
 * a log line, so the stream is in step again at the next real header; a block without a valid
 * length, or one over MAX_MESSAGE_BYTES, is dropped likewise; headerless garbage is dropped past
 * MAX_HEADER_BYTES (keeping its tail, where a real header may have begun). A too-long length within
 * the bound cannot be told from a slow client and is waited for, as the protocol says. Bodies are
 * not parsed here; well-framed traffic passes byte for byte. Concurrency: one stream, in order.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');
/** No real header block is this long; garbage without a terminator is dropped past it. */
const MAX_HEADER_BYTES = 8192;
/** Kept of dropped garbage: room for the start of a real header that has not ended yet. */
const KEEP_TAIL_BYTES = 256;
/**
 * The largest body accepted: 4× the largest file the cache stores (64 MiB), and far below the
 * longest string V8 can decode a body into (2^29 − 24 units).
 */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

const CONTENT_LENGTH = /content-length:([^\r\n]*)/gi;
/** Header lines ("Name: value\r\n") before the Content-Length line are not garbage. */
const HEADER_LINES = /^(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*\r\n)*$/;

export class FramingGuard extends Transform {
  #buffer: Buffer = Buffer.alloc(0);
  #bodyLeft = 0;

  constructor(private readonly onDrop: (reason: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#bodyLeft > 0) {
        if (this.#buffer.length === 0) break;
        const take = Math.min(this.#bodyLeft, this.#buffer.length);
        this.push(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        this.#bodyLeft -= take;
        continue;
      }
      const end = this.#buffer.indexOf(HEADER_END);
      if (end < 0) {
        if (this.#buffer.length > MAX_HEADER_BYTES) {
          this.onDrop(`dropped ${this.#buffer.length - KEEP_TAIL_BYTES} bytes that are not a message header`);
          this.#buffer = this.#buffer.subarray(this.#buffer.length - KEEP_TAIL_BYTES);
        }
        break;
      }
      const block = this.#buffer.subarray(0, end).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
      let last: RegExpExecArray | undefined;
      for (const m of block.matchAll(CONTENT_LENGTH)) last = m;
      if (!last) {
        this.onDrop(`dropped a message header without a Content-Length: ${JSON.stringify(block.slice(0, 200))}`);
        continue;
      }
      const value = last[1]!.trim();
      const length = /^\d{1,12}$/.test(value) ? Number(value) : NaN;
      if (!(length <= MAX_MESSAGE_BYTES)) {
        this.onDrop(`dropped a message header whose Content-Length is not a length up to ${MAX_MESSAGE_BYTES}: `
          + `${JSON.stringify(value.slice(0, 100))}`);
        continue;
      }
      const before = block.slice(0, last.index);
      if (!HEADER_LINES.test(before)) this.onDrop(`dropped ${before.length} bytes of garbage before a message header`);
      this.push(Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'ascii'));
      this.#bodyLeft = length;
    }
    done();
  }
}
