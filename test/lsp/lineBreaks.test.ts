/**
 * Lines as LSP counts them — '\r\n', '\r' and '\n' each end one — everywhere the server maps
 * positions, over stdio: documents whose lines end with a lone '\r' (where tree-sitter's rows, which
 * end only at '\n', are not lines), with '\r\n', and mixed; in UTF-16 and UTF-8.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStrata, type StrataSession } from './harness.js';

const LINES = ['const café = 1;', 'function hello(x) {', '  return x + café;', '}', 'hello(café);', ''];
const BREAKS = { lone: ['\r'], crlf: ['\r\n'], mixed: ['\r', '\n', '\r\n', '\r', '\r'] };
const join = (lines: string[], breaks: string[]) =>
  lines.map((l, i) => (i === 0 ? l : breaks[(i - 1) % breaks.length] + l)).join('');

const at = (line: number, character: number) => ({ line, character });
const range = (l0: number, c0: number, l1: number, c1: number) => ({ start: at(l0, c0), end: at(l1, c1) });

describe('line breaks', () => {
  for (const encoding of ['utf-16', 'utf-8'] as const) {
    describe(encoding, () => {
      let s: StrataSession;
      before(async () => { s = await startStrata({ encodings: [encoding] }); });
      after(async () => { await s?.close(); });
      // 'é' is one UTF-16 unit and two UTF-8 bytes.
      const wide = encoding === 'utf-8' ? 1 : 0;

      for (const [name, breaks] of Object.entries(BREAKS)) {
        it(`${name}: outline, navigation, folds, selection, edits land on their lines`, async () => {
          const uri = s.uri(`web/breaks-${name}.js`);
          const text = join(LINES, breaks);
          const opened = { uri, languageId: 'javascript', version: 1, text };
          s.client.notify('textDocument/didOpen', { textDocument: opened });
          // Closed even when an assertion fails: an open document's symbols would answer the next case too.
          try {
            await check(uri, breaks);
          } finally {
            s.client.notify('textDocument/didClose', { textDocument: { uri } });
          }
        });
      }

      async function check(uri: string, breaks: string[]): Promise<void> {
        const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
        const hello = symbols.find((x: any) => x.name === 'hello');
        assert.ok(hello, JSON.stringify(symbols));
        assert.deepEqual(hello.range, range(1, 0, 3, 1));
        assert.deepEqual(hello.selectionRange, range(1, 9, 1, 14));

        const defs = await s.client.request('textDocument/definition', { textDocument: { uri }, position: at(4, 2) });
        assert.deepEqual(defs.map((d: any) => d.range), [range(1, 9, 1, 14)]);

        const context = { includeDeclaration: true };
        const references = (position: { line: number; character: number }) =>
          s.client.request('textDocument/references', { textDocument: { uri }, position, context });
        const refs = await references(at(4, 8));
        assert.deepEqual(refs.map((r: any) => r.range),
          [range(0, 6, 0, 10 + wide), range(2, 13, 2, 17 + wide), range(4, 6, 4, 10 + wide)]);

        const folds = await s.client.request('textDocument/foldingRange', { textDocument: { uri } });
        assert.ok(folds.some((f: any) => f.startLine === 1 && f.endLine === 2), JSON.stringify(folds));

        const selection = { textDocument: { uri }, positions: [at(2, 14)] };
        const [sel] = await s.client.request('textDocument/selectionRange', selection);
        assert.deepEqual(sel.range, range(2, 13, 2, 17 + wide));

        // A range edit on line 2 (`x` → `x * 2`), then one on line 4 after the 'é' (`)` → `, 2)`).
        s.client.notify('textDocument/didChange', {
          textDocument: { uri, version: 2 },
          contentChanges: [
            { range: range(2, 9, 2, 10), text: 'x * 2' },
            { range: range(4, 10 + wide, 4, 11 + wide), text: ', 2)' },
          ],
        });
        const edited = LINES.slice();
        edited[2] = '  return x * 2 + café;';
        edited[4] = 'hello(café, 2);';
        const { text: served } = await s.client.request('strata/debug/text', { uri });
        assert.equal(served, join(edited, breaks));
        const after = await references(at(0, 7));
        assert.deepEqual(after.map((r: any) => r.range),
          [range(0, 6, 0, 10 + wide), range(2, 17, 2, 21 + wide), range(4, 6, 4, 10 + wide)]);

        // A syntax error on line 3 is reported on line 3.
        s.client.notify('textDocument/didChange',
          { textDocument: { uri, version: 3 }, contentChanges: [{ range: range(3, 0, 3, 1), text: '} )' }] });
        const diagnostics = await s.client.waitForDiagnostics(uri, (d) => d.length > 0);
        assert.deepEqual(diagnostics.map((d: any) => d.range.start.line), [3], JSON.stringify(diagnostics));
      }
    });
  }
});
