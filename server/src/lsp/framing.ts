/**
 * A guard in front of the JSON-RPC reader, so that no byte sequence a client sends can stop the
 * server from reading the next well-framed message.
 *
 * vscode-jsonrpc trusts its input: a header block without a usable Content-Length makes it stop
 * reading its buffer until more bytes come (the next request waits unanswered); a header line
 * without ':' throws mid-buffer; and a Content-Length of 10^14 makes it wait for (and buffer) that
 * many bytes, swallowing every later message. This transform therefore forwards only what it has
 * checked, and rebuilds each header:
 * - a header block's last `Content-Length:` line decides; the block is forwarded as
 *   `Content-Length: N\r\n\r\n` alone (the reader uses no other header), then exactly N body bytes;
 * - bytes before that line which are not header lines — the rest of a body sent with a too-short
 *   Content-Length, or garbage — are dropped with a log line, so the stream is in step again at
 *   the next real header instead of every later header being read as part of a nonsense block;
 * - a block without a Content-Length, with a value that is not a decimal integer, or with one over
 *   MAX_MESSAGE_BYTES is dropped with a log line (what follows is garbage until the next header);
 * - garbage without a header end is dropped once it exceeds MAX_HEADER_BYTES (its tail is kept, in
 *   case a real header has started there).
 * A too-long Content-Length within the bound cannot be told from a slow client: the reader waits for
 * its bytes, as the protocol says. Bodies are not parsed here: malformed JSON in a well-framed body
 * is the reader's to report. Well-framed traffic passes byte for byte (headers other than
 * Content-Length aside).
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
