/**
 * `$/cancelRequest` over stdio with the real server: a find-references request cancelled while it
 * parses the editor's open documents is answered with RequestCancelled (-32800), as LSP asks, not
 * with a late full answer; and the server answers the next request in full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStrata } from './harness.js';
import { ResponseError } from '../support/lspClient.js';

const FILES = 150;
const USES = 60;

function source(i: number): string {
  const lines = [`export function use${i}(x) {`, '  let total = 0;'];
  for (let j = 0; j < USES; j++) lines.push(`  total += sharedName(x + ${j});`);
  lines.push('  return total;', '}', '');
  return lines.join('\n');
}

test('a cancelled find-references answers RequestCancelled, and the next request is answered', async () => {
  const s = await startStrata({
    populate: (root) => { for (let i = 0; i < FILES; i++) writeFileSync(join(root, `f${i}.js`), source(i)); },
  });
  try {
    // Open documents are parsed for every search: the request takes many turns of the server's loop.
    for (let i = 0; i < FILES; i++) {
      s.client.notify('textDocument/didOpen', {
        textDocument: { uri: s.uri(`f${i}.js`), languageId: 'javascript', version: 1, text: source(i) },
      });
    }
    const params = {
      textDocument: { uri: s.uri('f0.js') }, position: { line: 2, character: 14 }, context: { includeDeclaration: false },
    };
    const { id, result } = s.client.requestWithId('textDocument/references', params);
    s.client.notify('$/cancelRequest', { id });
    const error = await result.then(() => undefined, (err: unknown) => err);
    assert.ok(error instanceof ResponseError, `cancelled request answered ${String(error)}`);
    assert.equal(error.error.code, -32800);

    const refs = await s.client.request('textDocument/references', params);
    assert.equal(refs.length, FILES * USES);
    assert.ok(refs.every((r: { uri: string }) => r.uri.startsWith(pathToFileURL(s.root).href)));
  } finally {
    await s.close();
  }
});
