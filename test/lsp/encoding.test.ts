/**
 * Position encodings over stdio: a client that lists `utf-8` gets it, and every column it sends or
 * receives counts UTF-8 bytes; a client that does not gets UTF-16.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStrata, type StrataSession } from './harness.js';

// 'é' is 2 bytes in UTF-8 and 1 UTF-16 unit; '😀' is 4 bytes and 2 units.
const TEXT = 'const café = "😀";\nfunction naïve(x) { return café + x; }\nnaïve(1);\n';

describe('position encodings', () => {
  for (const encoding of ['utf-8', 'utf-16'] as const) {
    describe(encoding, () => {
      let s: StrataSession;
      before(async () => { s = await startStrata({ encodings: encoding === 'utf-8' ? ['utf-8', 'utf-16'] : ['utf-16'] }); });
      after(async () => { await s?.close(); });

      it('is negotiated and used for outline ranges, definitions and edits', async () => {
        const uri = s.uri('web/accents.js');
        s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text: TEXT } });
        const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
        const naive = symbols.find((x: any) => x.name === 'naïve');
        assert.ok(naive, JSON.stringify(symbols));
        // `function naïve(x)`: the name starts at column 9 and ends after 'ï' (1 unit, 2 bytes).
        assert.deepEqual(naive.selectionRange, { start: { line: 1, character: 9 }, end: { line: 1, character: encoding === 'utf-8' ? 15 : 14 } });
        // `return café + x;` — the use of café: "function naïve(x) { return " is 27 units / 28 bytes.
        const col = encoding === 'utf-8' ? 29 : 28;
        const defs = await s.client.request('textDocument/definition', { textDocument: { uri }, position: { line: 1, character: col } });
        assert.equal(defs.length, 1);
        assert.deepEqual(defs[0].range, { start: { line: 0, character: 6 }, end: { line: 0, character: encoding === 'utf-8' ? 11 : 10 } });
        // Insert before the `;` of line 0, which follows `"😀"`: column 17 in UTF-16 units, 20 in bytes.
        const at = encoding === 'utf-8' ? 20 : 17;
        s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: at }, end: { line: 0, character: at } }, text: ' + "!"' }] });
        const after = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
        const cafe = after.find((x: any) => x.name === 'café');
        assert.ok(cafe, JSON.stringify(after));
        const lineEnd = encoding === 'utf-8' ? 26 : 23; // `café = "😀" + "!"` ends before the `;`
        assert.deepEqual(cafe.range.end, { line: 0, character: lineEnd });
      });
    });
  }
});
