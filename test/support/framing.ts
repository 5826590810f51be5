/**
 * LSP base-protocol framing: `Content-Length: N\r\n[other headers]\r\n\r\n` followed by N bytes of
 * UTF-8 JSON. `encodeMessage` frames one message; `MessageReader` parses a byte stream
 * incrementally, whatever the chunking: a message split over many chunks, many messages in one
 * chunk, a header split mid-line, multi-byte characters split between chunks (lengths are bytes,
 * and bodies are decoded only once complete).
 *
 * The reader keeps received chunks in a list and joins them only when a whole header or body is
 * available, so a multi-megabyte response arriving in 64 KiB pieces is copied once, not once per
 * piece. A header without a valid Content-Length is a protocol error: the reader throws and stays
 * failed, because nothing after it can be framed reliably.
 */

const HEADER_END = Buffer.from('\r\n\r\n');
/** A header block longer than this is malformed (no server sends kilobytes of headers). */
const MAX_HEADER = 8192;

export class FramingError extends Error {}

export function encodeMessage(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the message whose header has been read, or -1 while reading a header. */
  private bodyLength = -1;
  private failed: FramingError | undefined;

  /** Feeds bytes; returns the bodies (as UTF-8 strings) completed by them, in order. */
  pushRaw(chunk: Uint8Array): string[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const out: string[] = [];
    for (;;) {
      if (this.bodyLength < 0) {
        const all = this.join();
        const end = all.indexOf(HEADER_END);
        if (end < 0) {
          if (all.length > MAX_HEADER) this.fail(`no header end within ${MAX_HEADER} bytes`);
          return out;
        }
        this.bodyLength = parseHeader(all.subarray(0, end).toString('ascii'), (m) => this.fail(m));
        this.take(end + HEADER_END.length);
      }
      if (this.buffered < this.bodyLength) return out;
      const all = this.join();
      out.push(all.subarray(0, this.bodyLength).toString('utf8'));
      this.take(this.bodyLength);
      this.bodyLength = -1;
    }
  }

  /** Feeds bytes; returns the parsed JSON messages completed by them. */
  push(chunk: Uint8Array): unknown[] {
    return this.pushRaw(chunk).map((body) => {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        return this.fail(`body is not JSON: ${body.slice(0, 80)}`);
      }
    });
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.buffered;
  }

  private join(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): void {
    const all = this.join();
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }

  private fail(message: string): never {
    this.failed = new FramingError(message);
    throw this.failed;
  }
}

function parseHeader(text: string, fail: (m: string) => never): number {
  let length: number | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) fail(`malformed header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) fail(`bad Content-Length: ${JSON.stringify(value)}`);
      length = Number(value);
    }
  }
  if (length === undefined) fail('header without Content-Length');
  return length;
}
