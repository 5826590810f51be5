/**
 * Opening a file whose text is the one it was indexed from costs no query pass: its outline is the
 * indexed one and, with no syntax error, its diagnostics are none — no tree is made; with errors, the
 * tree gives them (test/index/diagnosticsAsIndexed.test.ts: nothing is recorded again). The first
 * edit ends that: the outline then comes from a pass over the edited text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStrata, symbolPaths, type StrataSession } from './harness.js';

describe('didOpen of an unchanged indexed file', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  it('serves the indexed outline and no diagnostics without making a tree; an edit makes one', async () => {
    const uri = s.uri('web/api.ts');
    const closed = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
    const before = (await s.client.request('strata/stats')).trees.created;
    const text = readFileSync(join(s.root, 'web/api.ts'), 'utf8');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
    const opened = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(opened, closed);
    assert.deepEqual(await s.client.waitForDiagnostics(uri, () => true), []);
    assert.equal((await s.client.request('strata/stats')).trees.created, before, 'no tree made for an unchanged open file');

    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${text}\nexport function addedLater(): void {}\n` }] });
    const edited = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.ok(symbolPaths(edited).includes('addedLater'), JSON.stringify(symbolPaths(edited)));
    assert.ok((await s.client.request('strata/stats')).trees.created > before, 'the edited text is parsed');
  });

  it('still analyses an unchanged file that has syntax errors', async () => {
    const uri = s.uri('web/broken.js');
    const text = readFileSync(join(s.root, 'web/broken.js'), 'utf8');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text } });
    const diags = await s.client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.match(diags[0].message, /Missing `\)`/);

    // The same errors as a full analysis of the text gives once an edit (here, none in effect) ends the shortcut.
    const analysed = s.client.waitForNotification((n) => n.method === 'textDocument/publishDiagnostics'
      && n.params?.uri === uri && n.params.version === 2, 30_000, { includePast: false });
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text }] });
    assert.deepEqual((await analysed).params.diagnostics, diags);
  });
});
