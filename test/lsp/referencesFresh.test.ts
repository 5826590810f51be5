/**
 * Find-references right after an edit to an open document: every location, declarations included,
 * names the identifier in the document's current text. (Found by the soak suite: declarations came
 * from the symbol index, which catches up with an edit only after a debounce, so a declaration below
 * an insertion was served at its old, now wrong, place.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStrata, type StrataSession } from './harness.js';

function textAt(text: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  const lines = text.split('\n');
  assert.equal(range.start.line, range.end.line);
  return lines[range.start.line]!.slice(range.start.character, range.end.character);
}

describe('references on an edited open document', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  it('serves declarations at their current place, not the indexed one', async () => {
    const file = 'web/cart.js';
    const uri = s.uri(file);
    let text = readFileSync(join(s.root, file), 'utf8');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text } });
    const line = text.split('\n').findIndex((l) => l.startsWith('export function applyTax'));
    assert.ok(line > 0);
    for (let v = 2; v < 6; v++) {
      // Lines inserted above the declaration, and asked at once (within the index's debounce).
      s.client.notify('textDocument/didChange', {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: `// line ${v}\n` }],
      });
      text = `// line ${v}\n${text}`;
      const at = line + v - 1;
      const refs = await s.client.request('textDocument/references', {
        textDocument: { uri }, position: { line: at, character: 'export function '.length + 2 }, context: { includeDeclaration: true },
      });
      const here = refs.filter((r: any) => r.uri === uri);
      assert.ok(here.some((r: any) => r.range.start.line === at), `the declaration on line ${at} is among ${JSON.stringify(here)}`);
      for (const r of here) assert.equal(textAt(text, r.range), 'applyTax', JSON.stringify(r.range));
    }
  });
});
