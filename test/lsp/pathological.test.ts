/**
 * Pathologically nested files over a real stdio connection: the query pass is cut by its time budget
 * (syntax/analysis/budget.ts), the server logs one line, serves what it found, says so in a warning
 * diagnostic, and answers the next request. The 20 s bound is a correctness bound (unbounded, these
 * cases blocked the main thread for ~110 s and ~50 s), not a timing benchmark. A normal file is
 * never flagged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStrata, type StrataSession } from './harness.js';

const DEPTH = 100_000;
const BOUND_MS = 20_000;
const Warning = 2;

describe('pathologically nested files', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  /** The next request (another file's outline) is answered within the bound. */
  async function nextAnswered(): Promise<void> {
    const started = Date.now();
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri: s.uri('web/cart.js') } }, { timeoutMs: BOUND_MS });
    assert.ok(Array.isArray(symbols) && symbols.length > 0, 'the normal file has its outline');
    assert.ok(Date.now() - started < BOUND_MS);
  }

  async function flagged(uri: string): Promise<void> {
    const path = new URL(uri).pathname;
    await s.client.waitForLog(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: outline incomplete: the query stopped after \\d+ ms`), BOUND_MS, { includePast: true });
    const diagnostics = await s.client.waitForDiagnostics(uri, (d) => d.some((x) => /outline incomplete/.test(x.message)), BOUND_MS);
    const warning = diagnostics.find((x) => /outline incomplete/.test(x.message));
    assert.equal(warning.severity, Warning);
    assert.deepEqual(warning.range.start, { line: 0, character: 0 });
  }

  it('100 000 nested parentheses in JavaScript: outline served, flagged, next request answered', async () => {
    const uri = s.uri('web/parens.js');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text: '('.repeat(DEPTH) + ')'.repeat(DEPTH) + '\n' } });
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } }, { timeoutMs: BOUND_MS });
    assert.ok(Array.isArray(symbols));
    await nextAnswered();
    await flagged(uri);
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
  });

  it('100 000 nested JSON brackets edited in the middle: flagged, next request answered', async () => {
    const uri = s.uri('web/brackets.json');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: '['.repeat(DEPTH) + ']'.repeat(DEPTH) + '\n' } });
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: DEPTH + 113 }, end: { line: 1, character: 0 } }, text: '中文中文)' }] });
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } }, { timeoutMs: BOUND_MS });
    assert.ok(Array.isArray(symbols));
    await nextAnswered();
    await flagged(uri);
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
  });

  it('a normal file is never flagged', async () => {
    const uri = s.uri('web/normal.js');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text: 'function ok(a) { return a + 1; }\nclass K { m() {} }\n' } });
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((x: { name: string }) => x.name), ['ok', 'K']);
    const diagnostics = await s.client.waitForDiagnostics(uri, () => true, BOUND_MS);
    assert.deepEqual(diagnostics, []);
    assert.ok(!s.client.logs.some((n) => /normal\.js: outline incomplete/.test(String(n.params?.message))));
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
  });
});
