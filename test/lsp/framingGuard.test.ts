/**
 * The framing guard (server/src/lsp/framing.ts), fed byte streams directly: well-framed traffic
 * passes unchanged whatever the chunking, and after any garbage, bad header, too-short or
 * oversized Content-Length, the messages that follow are delivered again, intact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FramingGuard, MAX_MESSAGE_BYTES } from '../../server/src/lsp/framing.js';
import { encodeMessage, MessageReader } from '../support/framing.js';

/** Runs bytes through a guard in the given chunks; returns the output and the drop log. */
async function guard(chunks: Buffer[]): Promise<{ out: Buffer; drops: string[] }> {
  const drops: string[] = [];
  const g = new FramingGuard((r) => drops.push(r));
  const out: Buffer[] = [];
  g.on('data', (b: Buffer) => out.push(b));
  for (const c of chunks) g.write(c);
  g.end();
  await new Promise((r) => g.on('end', r));
  return { out: Buffer.concat(out), drops };
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

const message = fc.record({ id: fc.nat(), text: fc.string({ unit: 'grapheme', maxLength: 200 }) }).map((m) => ({ jsonrpc: '2.0', id: m.id, method: 'x', params: { text: m.text } }));
/** Garbage a client might emit; it never spells a Content-Length header itself. */
const garbage = fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => Buffer.from(b)).filter((b) => !/content-length/i.test(b.toString('latin1')));
const seeded = { seed: Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31), numRuns: 200 };

describe('framing guard', () => {
  it('passes well-framed messages through byte for byte, however they are chunked', async () => {
    await fc.assert(fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), async (msgs, cuts) => {
      const bytes = Buffer.concat(msgs.map((m) => encodeMessage(m)));
      const { out, drops } = await guard(split(bytes, cuts));
      assert.ok(out.equals(bytes));
      assert.deepEqual(drops, []);
    }), seeded);
  });

  it('delivers every message after garbage, bad headers and too-short or oversized lengths (seed printed on failure)', async () => {
    const noise = fc.oneof(
      garbage,
      garbage.map((g) => Buffer.concat([g, Buffer.from('\r\n\r\n')])),
      fc.constantFrom('Content-Type: x\r\n\r\n', 'Content-Length: abc\r\n\r\n', 'Content-Length: -5\r\n\r\n', `Content-Length: ${MAX_MESSAGE_BYTES + 1}\r\n\r\n{"a":`,
        'Content-Length: 99999999999999\r\n\r\n', 'no colon\r\nContent-Length: 2\r\n\r\n{}').map((s) => Buffer.from(s)),
      // A too-short length: the body's rest is garbage before the next header.
      message.map((m) => {
        const body = Buffer.from(JSON.stringify(m));
        return Buffer.concat([Buffer.from(`Content-Length: ${body.length >> 1}\r\n\r\n`), body]);
      }),
    );
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.option(noise), message), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), async (pairs, cuts) => {
      const bytes = Buffer.concat(pairs.flatMap(([n, m]) => (n ? [n, encodeMessage(m)] : [encodeMessage(m)])));
      const { out } = await guard(split(bytes, cuts));
      // A strict reader over the guard's output finds every real message, in order, among the
      // bodies the noise turned into (non-JSON bodies are the JSON-RPC reader's to report).
      const bodies = new MessageReader().pushRaw(out);
      const wanted = pairs.map(([, m]) => JSON.stringify(m));
      let next = 0;
      for (const b of bodies) if (b === wanted[next]) next++;
      assert.equal(next, wanted.length, `found ${next} of ${wanted.length} messages`);
    }), seeded);
  });

  it('drops a Content-Length over the bound instead of waiting for its bytes', async () => {
    const after = encodeMessage({ jsonrpc: '2.0', id: 1, method: 'after' });
    const { out, drops } = await guard([Buffer.from('Content-Length: 99999999999999\r\n\r\n'), after]);
    assert.ok(out.equals(after));
    assert.match(drops[0]!, /not a length up to/);
  });
});
