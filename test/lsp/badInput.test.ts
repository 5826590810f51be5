/**
 * Bad input over a real stdio connection: each case gets a clear LSP error or a log line, the
 * server's copy of a document stays consistent, and the next request is answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from '../support/lspClient.js';
import { startStrata, symbolPaths, type StrataSession } from './harness.js';

const InvalidParams = -32602;
const encodeRaw = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const MethodNotFound = -32601;

describe('bad input never takes the server down', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  /** The server is alive and answers a real request. */
  async function answers(): Promise<void> {
    const stats = await s.client.request('strata/stats', undefined, { timeoutMs: 20_000 });
    assert.equal(typeof stats.files, 'number');
  }

  async function rejects(method: string, params: unknown, code: number, message: RegExp): Promise<void> {
    await assert.rejects(s.client.request(method, params), (err: unknown) => {
      assert.ok(err instanceof ResponseError, String(err));
      assert.equal(err.error.code, code);
      assert.match(err.error.message, message);
      return true;
    });
  }

  it('survives malformed JSON bodies and bad headers', async () => {
    // Correctly framed bodies that are not JSON-RPC: truncated JSON, garbage, a bare value, binary.
    for (const body of ['{"jsonrpc":', 'null!', '42', '{"jsonrpc":"2.0","id":', '\u0000\u00ff\u0001']) {
      s.client.writeRaw(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
    // A header block without Content-Length.
    s.client.writeRaw('Content-Type: application/vscode-jsonrpc\r\n\r\n');
    await answers();
  });

  it('answers unknown methods with MethodNotFound', async () => {
    await rejects('strata/noSuchThing', {}, MethodNotFound, /./);
    await answers();
  });

  it('answers params of the wrong type with InvalidParams and a clear message', async () => {
    await rejects('textDocument/documentSymbol', { textDocument: 5 }, InvalidParams, /textDocument must be an object/);
    await rejects('textDocument/definition', { textDocument: { uri: s.uri('web/cart.js') }, position: { line: -1, character: 0.5 } }, InvalidParams, /non-negative integer/);
    await rejects('textDocument/definition', { textDocument: { uri: s.uri('web/cart.js') }, position: null }, InvalidParams, /position must be an object/);
    await rejects('workspace/symbol', { query: 42 }, InvalidParams, /query must be a string/);
    await rejects('textDocument/selectionRange', { textDocument: { uri: s.uri('web/cart.js') }, positions: 5 }, InvalidParams, /positions must be an array/);
    await rejects('textDocument/documentSymbol', { textDocument: { uri: 'not a uri' } }, InvalidParams, /not a URI/);
    // null params reach our checks (the library's typed helpers read params.workDoneToken first).
    for (const method of ['textDocument/definition', 'textDocument/references', 'textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/selectionRange', 'workspace/symbol']) {
      await rejects(method, null, InvalidParams, /params must be an object/);
    }
    // 100 000 nested arrays where a number belongs: described, not stringified (which overflows the stack).
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    s.client.writeRaw(encodeRaw(`{"jsonrpc":"2.0","id":"deep","method":"textDocument/definition","params":{"textDocument":{"uri":"${s.uri('web/cart.js')}"},"position":{"line":${deep},"character":0}}}`));
    await s.client.waitForLog(/params.position.line must be a non-negative integer; got an array of 1/);
    s.client.notify('workspace/didChangeWorkspaceFolders', { event: 5 });
    await s.client.waitForLog(/didChangeWorkspaceFolders: refused: params.event must be an object/);
    await answers();
  });

  it('answers requests for documents never opened and not on disk with an error', async () => {
    await rejects('textDocument/documentSymbol', { textDocument: { uri: s.uri('nowhere/missing.ts') } }, InvalidParams, /unknown document/);
    await answers();
  });

  it('refuses impossible edits and versions going backwards, keeping the last good text', async () => {
    const uri = s.uri('web/edited.js');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 5, text: 'function kept() {}\n' } });
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 6 }, contentChanges: [{ range: { start: { line: 40, character: 0 }, end: { line: 41, character: 0 } }, text: 'x' }] });
    await s.client.waitForLog(/edit refused.*line 40 is past the end/);
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 7 }, contentChanges: [{ range: { start: { line: 0, character: 5 }, end: { line: 0, character: 2 } }, text: 'x' }] });
    await s.client.waitForLog(/edit refused.*ends .* before it starts/);
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: 'function stale() {}\n' }] });
    await s.client.waitForLog(/edit refused.*version 3 is not newer/);
    // Of a notification with one good and one impossible change, nothing is applied.
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 8 }, contentChanges: [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'function half() {}\n' },
      { range: { start: { line: 99, character: 0 }, end: { line: 99, character: 0 } }, text: 'x' },
    ] });
    await s.client.waitForLog(/edit refused.*line 99/);
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 9 }, contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'function added() {}\n' }] });
    const names = symbolPaths(await s.client.request('textDocument/documentSymbol', { textDocument: { uri } }));
    assert.deepEqual(names, ['kept', 'added']);
    s.client.notify('textDocument/didChange', { textDocument: { uri: s.uri('web/never-opened.js'), version: 2 }, contentChanges: [{ text: 'x' }] });
    await s.client.waitForLog(/not open/);
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
    await answers();
  });

  it('takes binary text without a tree and keeps serving', async () => {
    const uri = s.uri('web/binary.js');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text: 'abc\u0000\u0001\u0002\uFFFD\uD800 function x() {}' } });
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.ok(Array.isArray(symbols));
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
    await answers();
  });

  it('parses 100 000 nested brackets', async () => {
    const uri = s.uri('web/nested.json');
    const depth = 100_000;
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: '['.repeat(depth) + ']'.repeat(depth) } });
    const folds = await s.client.request('textDocument/foldingRange', { textDocument: { uri } }, { timeoutMs: 60_000 });
    assert.ok(Array.isArray(folds));
    // A selection chain 100 000 deep is cut to the innermost 999 and the outermost (the JSON writer recursed through all of it).
    const [chain] = await s.client.request('textDocument/selectionRange', { textDocument: { uri }, positions: [{ line: 0, character: depth }] }, { timeoutMs: 60_000 });
    let levels = 0;
    for (let r = chain; r; r = r.parent) levels++;
    assert.equal(levels, 1000);
    const diagnostics = await s.client.waitForDiagnostics(uri, () => true, 60_000);
    assert.equal(diagnostics.length, 0, 'balanced brackets are valid JSON');
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
    await answers();
  });

  it('stores a 20 MB document without a tree and answers at once', async () => {
    const uri = s.uri('web/huge.js');
    const line = 'function f(a) { return a + 1; }\n';
    const text = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text } });
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } }, { timeoutMs: 60_000 });
    assert.deepEqual(symbols, [], 'over the 2 MB tree cap: no tree, no symbols');
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// head\n' }] });
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
    await answers();
  });

  it('keeps the editor\'s text when a file is opened while a watched-file event re-reads it from disk', async () => {
    // The disk read of the 'changed' event is still in flight when didOpen arrives; its bytes must
    // not replace the editor's in the cache (they did: the next edit's CRC check then failed).
    const uri = s.uri('c/ring.c');
    s.client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: 'int a;\nint b;\n' } });
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'x' }] });
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 3, text: 'int c;\n' } });
    assert.deepEqual(await s.client.request('strata/debug/text', { uri }), { text: 'int c;\n' });
    assert.equal((await s.client.request('strata/stats')).integrity.crcFailures, 0);
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
  });

  it('is still whole after all of it: exact tree accounting, no failed integrity checks', async () => {
    const stats = await s.client.request('strata/stats');
    assert.equal(stats.trees.created - stats.trees.deleted, stats.trees.live);
    assert.equal(stats.integrity.crcFailures, 0);
  });
});
