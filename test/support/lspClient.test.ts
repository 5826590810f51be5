/**
 * The LSP client against a small real server process (fixtures/echoServer.ts, compiled): requests
 * and results, server→client requests, recorded notifications, timeouts, memory sampling, shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { LspClient, TimeoutError, ResponseError } from './lspClient.js';

const server = fileURLToPath(new URL('./fixtures/echoServer.js', import.meta.url));

test('LSP client: requests, server requests, notifications, memory, shutdown', async () => {
  const client = new LspClient({
    command: process.execPath, args: [server],
    configuration: (section) => (section === 'strata' ? { memoryMB: 64 } : null),
  });
  try {
    const init = await client.initialize({ rootUri: null, capabilities: {} });
    assert.equal(init.capabilities.workspaceSymbolProvider, true);
    const done = await client.waitForLog(/indexing done/, 5000);
    assert.match(done.params.message, /done/);
    assert.equal(client.progress.length, 1);
    assert.deepEqual(await client.waitForDiagnostics('file:///a.sh'), [{ message: 'é' }]);

    const big = { text: 'ü'.repeat(200_000), list: Array.from({ length: 1000 }, (_, i) => i) };
    assert.deepEqual(await client.request('test/echo', big), big);
    assert.deepEqual(await client.request('test/askConfig'), [{ memoryMB: 64 }, null]);
    assert.equal(client.serverRequests[0]?.method, 'workspace/configuration');
    await assert.rejects(client.request('test/unknown'), ResponseError);
    await assert.rejects(client.request('test/never', undefined, { timeoutMs: 100 }), TimeoutError);

    const before = client.memory()!;
    await client.request('test/grow', { mb: 40 });
    const after = client.memory()!;
    assert.ok(after.rssBytes > before.rssBytes + 30 * 1024 * 1024, `${before.rssBytes} → ${after.rssBytes}`);
    assert.ok(after.hwmBytes >= after.rssBytes);
  } finally {
    const end = await client.close(3000);
    assert.equal(end.code, 0);
    assert.equal(end.killed, false);
  }
});

test('LSP client: a server that ignores shutdown is killed', async () => {
  const client = new LspClient({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
  const end = await client.close(300);
  assert.equal(end.killed, true);
  assert.equal(end.signal, 'SIGKILL');
});
