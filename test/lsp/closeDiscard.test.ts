/**
 * Closing a document with unsaved edits discards them: from the didClose on, the server serves the
 * file as it is on disk, at once, not after a background re-index (found by the soak suite: the
 * discarded buffer's text was served for a closed file until its re-index finished). Also: saved
 * edits stay after the close.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStrata, type StrataSession } from './harness.js';

describe('didClose of an edited document', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  it('serves the disk text right after closing unsaved edits', async () => {
    for (const file of ['web/cart.js', 'python/inventory.py', 'go/store.go']) {
      const uri = s.uri(file);
      const disk = readFileSync(join(s.root, file), 'utf8');
      s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: file.split('.').pop(), version: 1, text: disk } });
      s.client.notify('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'unsaved words\n' }],
      });
      // The edit reaches the cache's journal when a request needs the document.
      await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
      assert.equal((await s.client.request('strata/debug/text', { uri })).text, `unsaved words\n${disk}`);
      s.client.notify('textDocument/didClose', { textDocument: { uri } });
      assert.equal((await s.client.request('strata/debug/text', { uri })).text, disk, file);
    }
  });

  it('keeps saved edits after the close', async () => {
    const file = 'web/format.js';
    const uri = s.uri(file);
    const saved = `// saved\n${readFileSync(join(s.root, file), 'utf8')}`;
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text: saved.slice(9) } });
    s.client.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// saved\n' }],
    });
    writeFileSync(join(s.root, file), saved);
    s.client.notify('textDocument/didSave', { textDocument: { uri } });
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
    assert.equal((await s.client.request('strata/debug/text', { uri })).text, saved);
  });
});
