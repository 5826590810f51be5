/**
 * The `strata/debug/*` requests over a real stdio connection: served with STRATA_DEBUG=1 (the
 * text as the server would serve it, open or from the cache; seeded bit flips with a report), and
 * absent (MethodNotFound) without it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from '../support/lspClient.js';
import { startStrata, type StrataSession } from './harness.js';

const MethodNotFound = -32601;
const InvalidParams = -32602;

describe('strata/debug/* with STRATA_DEBUG=1', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  it('serves a closed file\'s text from the cache and an open document\'s text as edited', async () => {
    const disk = readFileSync(join(s.root, 'web/cart.js'), 'utf8');
    assert.equal((await s.client.request('strata/debug/text', { uri: s.uri('web/cart.js') })).text, disk);
    const uri = s.uri('python/inventory.py');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: 'x = 1\n' } });
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, text: '42' }] });
    assert.equal((await s.client.request('strata/debug/text', { uri })).text, 'x = 42\n');
  });

  it('answers an unknown document with InvalidParams', async () => {
    await assert.rejects(s.client.request('strata/debug/text', { uri: s.uri('nowhere.ts') }), (err: unknown) => {
      assert.ok(err instanceof ResponseError);
      assert.equal(err.error.code, InvalidParams);
      assert.match(err.error.message, /unknown document/);
      return true;
    });
  });

  it('flips seeded bits of the asked kinds and reports where', async () => {
    const a = await s.client.request('strata/debug/injectFaults', { seed: 7, flips: 0 });
    assert.deepEqual(a.injected, []);
    assert.ok(a.entries > 0);
    const r = await s.client.request('strata/debug/injectFaults', { seed: 7, flips: 20, targets: ['chunk-crc', 'warm-chunk'] });
    assert.equal(r.injected.length, 20);
    for (const f of r.injected) {
      assert.match(f.region, /^(chunk-crc|warm-chunk) /);
      assert.ok(Number.isInteger(f.byte) && f.byte >= 0 && f.bit >= 0 && f.bit < 8);
    }
    // Every read after the damage is the exact text (the disk fallback) or a clear error.
    const disk = readFileSync(join(s.root, 'web/cart.js'), 'utf8');
    try {
      assert.equal((await s.client.request('strata/debug/text', { uri: s.uri('web/cart.js') })).text, disk);
    } catch (err) {
      assert.ok(err instanceof ResponseError && /integrity/.test(err.error.message), String(err));
    }
  });

  it('releases memory: idle parser workers ended, the main thread\'s heap figures answered', async () => {
    const r = await s.client.request('strata/debug/releaseMemory');
    for (const k of ['heapTotalBytes', 'heapUsedBytes', 'externalBytes', 'arrayBuffersBytes', 'youngGenerationBytes']) {
      assert.ok(Number.isFinite(r[k]) && r[k] >= 0, `${k}: ${r[k]}`);
    }
    assert.ok(r.heapUsedBytes <= r.heapTotalBytes);
    const stats = await s.client.request('strata/stats');
    assert.equal(stats.process.workersHeapBytes, 0, 'no parser worker is left');
  });

  it('refuses bad params clearly', async () => {
    for (const params of [{ seed: -1, flips: 1 }, { seed: 1, flips: 1.5 }, { seed: 1, flips: 1, targets: ['nope'] }, { seed: 1, flips: 1e9 }]) {
      await assert.rejects(s.client.request('strata/debug/injectFaults', params), (err: unknown) => {
        assert.ok(err instanceof ResponseError);
        assert.equal(err.error.code, InvalidParams);
        return true;
      });
    }
  });
});

describe('strata/debug/* without STRATA_DEBUG', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata({ debug: false }); });
  after(async () => { await s?.close(); });

  it('does not exist', async () => {
    for (const [method, params] of [['strata/debug/text', { uri: s.uri('web/cart.js') }], ['strata/debug/injectFaults', { seed: 1, flips: 1 }], ['strata/debug/releaseMemory', undefined]] as const) {
      await assert.rejects(s.client.request(method, params), (err: unknown) => {
        assert.ok(err instanceof ResponseError);
        assert.equal(err.error.code, MethodNotFound);
        return true;
      });
    }
    const stats = await s.client.request('strata/stats');
    assert.ok(stats.integrity.crcFailures === 0);
  });
});
