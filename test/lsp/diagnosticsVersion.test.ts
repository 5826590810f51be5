/**
 * Diagnostics carry the version of the text they were computed from, and a result that is no longer
 * about the document's text is never published. Each version's text has its one syntax error on
 * the line numbered by the version, so a publish shows which text it describes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStrata, type StrataSession } from './harness.js';

/** Version v's text: v empty lines, then a syntax error. */
const textOf = (v: number) => `${'\n'.repeat(v)}let broken = ;\n`;

describe('diagnostics versions', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  const publishes = (uri: string) => s.client.notifications
    .filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params?.uri === uri)
    .map((n) => n.params as { version?: number; diagnostics: any[] });

  async function burst(uri: string, last: number, spaced: boolean): Promise<void> {
    // The first open of a language on the server loads its grammar: the first analysis waits while
    // the edits below arrive.
    const opened = { uri, languageId: 'javascript', version: 1, text: textOf(1) };
    s.client.notify('textDocument/didOpen', { textDocument: opened });
    for (let v = 2; v <= last; v++) {
      if (spaced && v % 5 === 0) await s.client.waitForDiagnostics(uri);
      s.client.notify('textDocument/didChange',
        { textDocument: { uri, version: v }, contentChanges: [{ text: textOf(v) }] });
    }
    await s.client.waitForNotification((n) => n.method === 'textDocument/publishDiagnostics' && n.params?.uri === uri
      && n.params.diagnostics?.some((d: any) => d.range.start.line === last), 30_000);
    // A request answered after the final publish: anything scheduled before it has had its turn.
    await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
  }

  function check(uri: string, last: number): void {
    const seen = publishes(uri);
    assert.ok(seen.length > 0);
    let previous = 0;
    for (const p of seen) {
      assert.ok(Number.isInteger(p.version), `published without a version: ${JSON.stringify(p)}`);
      assert.ok(p.version! >= previous, `version ${p.version} published after ${previous}`);
      previous = p.version!;
      // The diagnostics describe the text of the version they carry.
      assert.deepEqual(p.diagnostics.map((d) => d.range.start.line), [p.version], JSON.stringify(p));
    }
    assert.equal(seen[seen.length - 1]!.version, last);
  }

  it('a burst of edits: every publish has its version, in order, the last is the final text', async () => {
    const uri = s.uri('web/burst.js');
    await burst(uri, 40, false);
    check(uri, 40);
  });

  it('edits while earlier analyses are in flight never publish an older text', async () => {
    const uri = s.uri('web/overlap.js');
    await burst(uri, 30, true);
    check(uri, 30);
  });
});
