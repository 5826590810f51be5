/**
 * Properties of the Content-Length framing: any sequence of messages, encoded and cut into any
 * chunks (split mid-header, mid-body, inside a multi-byte character, or several messages per
 * chunk), is read back as exactly the same messages in order; malformed headers fail loudly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeMessage, MessageReader, FramingError } from './framing.js';

const message = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.nat(),
  method: fc.string(),
  params: fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.array(fc.nat()), fc.constant(null)),
});

/** Cuts a buffer at the given (sorted, deduplicated) positions. */
function cut(buf: Buffer, positions: number[]): Buffer[] {
  const at = [...new Set(positions.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

test('any chunking of any messages reads back the same messages', () => {
  fc.assert(fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (msgs, positions) => {
    const stream = Buffer.concat(msgs.map(encodeMessage));
    const reader = new MessageReader();
    const got = cut(stream, positions).flatMap((c) => reader.push(c));
    // fast-check builds null-prototype records; compare with the plain objects JSON would give.
    assert.deepEqual(got, JSON.parse(JSON.stringify(msgs)));
    assert.equal(reader.pending, 0);
  }), { numRuns: 500 });
});

test('byte-at-a-time delivery of multi-byte text', () => {
  const msg = { jsonrpc: '2.0', method: 'x', params: 'héllo → 世界 🎉 \u0000 "quoted"' };
  const bytes = encodeMessage(msg);
  assert.ok(bytes.length > JSON.stringify(msg).length, 'length counts bytes, not UTF-16 units');
  const reader = new MessageReader();
  const got: unknown[] = [];
  for (const b of bytes) got.push(...reader.push(Uint8Array.of(b)));
  assert.deepEqual(got, [msg]);
});

test('headers are case-insensitive and may carry Content-Type', () => {
  const body = Buffer.from('{"a":1}');
  const raw = Buffer.concat([Buffer.from(`content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH: ${body.length}\r\n\r\n`), body]);
  assert.deepEqual(new MessageReader().push(raw), [{ a: 1 }]);
});

test('malformed headers and bodies are errors, and the reader stays failed', () => {
  assert.throws(() => new MessageReader().push(Buffer.from('Content-Length: abc\r\n\r\n{}')), FramingError);
  assert.throws(() => new MessageReader().push(Buffer.from('X-Other: 1\r\n\r\n{}')), FramingError);
  assert.throws(() => new MessageReader().push(Buffer.from('garbage\r\n\r\n')), FramingError);
  assert.throws(() => new MessageReader().push(Buffer.alloc(9000, 0x41)), FramingError);
  const r = new MessageReader();
  assert.throws(() => r.push(Buffer.from('Content-Length: 3\r\n\r\n{x}')), FramingError);
  assert.throws(() => r.push(encodeMessage({})), FramingError);
});
