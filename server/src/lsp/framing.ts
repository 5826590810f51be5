/**
 * A guard in front of the JSON-RPC reader. vscode-jsonrpc stops reading its buffer when a header
 * block has no usable Content-Length, so the request after such a block waits until more bytes come
 * (seen here: the next request got no answer). This transform passes every well-framed message
 * through byte for byte, and drops a header block without a valid Content-Length (or a runaway header
 * of garbage) with a log line, so the stream stays in step and the next request is answered.
 * Bodies are not parsed here: malformed JSON in a well-framed body is the reader's to report.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');
/** No real header block is this long; garbage without a terminator is dropped past it. */
const MAX_HEADER_BYTES = 8192;

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
          this.onDrop(`dropped ${this.#buffer.length} bytes that are not a message header`);
          this.#buffer = this.#buffer.subarray(this.#buffer.length - 3);
        }
        break;
      }
      const header = this.#buffer.subarray(0, end).toString('ascii');
      const match = /(?:^|\r\n)content-length:[ \t]*(\d+)[ \t]*(?:\r\n|$)/i.exec(header);
      const length = match ? Number(match[1]) : NaN;
      if (!Number.isSafeInteger(length)) {
        this.onDrop(`dropped a message header without a valid Content-Length: ${JSON.stringify(header.slice(0, 200))}`);
        this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
        continue;
      }
      this.push(this.#buffer.subarray(0, end + HEADER_END.length));
      this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
      this.#bodyLeft = length;
    }
    done();
  }
}
