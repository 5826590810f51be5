#!/usr/bin/env node
// An ECHO LSP server used ONLY to test the neovim Lua plumbing (client/nvim/lua/strata) before the real
// Strata server exists: it records what the client sends (initialize params, opened documents,
// configuration) and returns it on request `echo/state`. It parses nothing; the real end-to-end
// tests (nvim.test.ts, vscode.test.ts) run the real `strata --stdio`.
// Plain .mjs on purpose: not compiled by tsc, so `node --test dist/test/` never runs it as a test.
const state = { initialize: null, initialized: false, configurationChanges: [], pulledConfiguration: null, opened: [], args: process.argv.slice(2) };
let buffer = Buffer.alloc(0);

/** memory.hotMB of the newest settings the client sent (didChangeConfiguration, else initializationOptions). */
function latestHotMB() {
  const last = state.configurationChanges.at(-1)?.settings?.strata ?? state.initialize?.initializationOptions ?? {};
  return last?.memory?.hotMB ?? 0;
}

function send(msg) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

import { appendFileSync } from 'node:fs';
// STRATA_ECHO_LOG=FILE: one line per message received, for debugging a test.
const logFile = process.env.STRATA_ECHO_LOG;

function handle(msg) {
  if (logFile) appendFileSync(logFile, JSON.stringify(msg) + '\n');
  if (msg.method === undefined) {
    // A response to our workspace/configuration request.
    if (msg.id === 'config') state.pulledConfiguration = msg.result ?? msg.error ?? null;
    return;
  }
  switch (msg.method) {
    case 'initialize':
      state.initialize = msg.params;
      send({ id: msg.id, result: { capabilities: { textDocumentSync: 1, documentSymbolProvider: true }, serverInfo: { name: 'echo-lsp-server' } } });
      break;
    case 'initialized':
      state.initialized = true;
      // Ask for the `strata` section the way the real server does.
      send({ id: 'config', method: 'workspace/configuration', params: { items: [{ section: 'strata' }] } });
      break;
    case 'workspace/didChangeConfiguration':
      state.configurationChanges.push(msg.params);
      break;
    case 'textDocument/didOpen':
      state.opened.push({ uri: msg.params.textDocument.uri, languageId: msg.params.textDocument.languageId });
      break;
    case 'textDocument/documentSymbol':
      send({ id: msg.id, result: [] });
      break;
    case 'echo/state':
      send({ id: msg.id, result: state });
      break;
    case 'strata/stats':
      // Just enough of the stats shape for the editors' displays, with the budget echoed from the
      // latest settings, so that a test can see a changed setting arrive.
      send({ id: msg.id, result: {
        files: state.opened.length, bytes: 0,
        tiers: { hot: { files: 1, bytes: 2048 }, warm: { files: 0, bytes: 0 }, cold: { files: 0, bytes: 0 } },
        budgets: { hotBytes: latestHotMB() * 1024 * 1024, warmBytes: 0, coldBytes: 0 },
      } });
      break;
    case 'shutdown':
      send({ id: msg.id, result: null });
      break;
    case 'exit':
      process.exit(0);
      break;
    default:
      if (msg.id !== undefined) send({ id: msg.id, error: { code: -32601, message: `echo server: no ${msg.method}` } });
  }
}

process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const m = /Content-Length: *(\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'));
    if (!m) throw new Error('echo server: no Content-Length');
    const len = Number(m[1]);
    if (buffer.length < headerEnd + 4 + len) return;
    const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
    buffer = buffer.subarray(headerEnd + 4 + len);
    handle(JSON.parse(body));
  }
});
process.stdin.on('end', () => process.exit(0));
