/**
 * Find-references serves only positions in the text a file has now (the soak's "invalid references",
 * seed 1559684135): every location it returns names the asked identifier in the file's current text —
 * the open document's for an open file, the disk's for a closed one.
 * - An open document edited so that the name is gone: the symbol index still holds the declaration of
 *   its indexed text (it catches up only after a debounce), and that declaration is not served.
 * - A document closed with unsaved edits whose analysis was recorded while open: once the close has
 *   settled, the occurrences of the discarded text are not served, only the disk's.
 * - A file opened (with another text) while the search settles others: its indexed run is not served.
 * - A document opened with the text it was indexed from answers from the index, unparsed, exactly as
 *   when closed; once edited, from a parse of its text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IndexProgress, Location } from '../../server/src/index/api.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { Workspace } from '../../server/src/index/workspace.js';
import { ParserPool } from '../../server/src/syntax/parserPool.js';
import type { ParseInput, ParseOutcome } from '../../server/src/syntax/parseJob.js';

const quiet: IndexProgress = { begin() {}, report() {}, end() {} };
const NAME = 'target';

const A = `export function ${NAME}() { return 1; }\n${NAME}();\n`;
const B = `import { ${NAME} } from './a.js';\n${NAME}();\n${NAME}();\n`;
const C = `export const c = ${NAME};\n`;

/** The text at `span` in `text` (LSP lines; the test's texts use `\n` only). */
function textAt(text: string, span: Location['span']): string | undefined {
  const lines = text.split('\n');
  return lines[span[0]]?.slice(span[1], span[3]);
}

describe('find-references serves only positions in the current text', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-refs-current-'));
  const a = path.join(root, 'a.js');
  const b = path.join(root, 'b.js');
  const c = path.join(root, 'c.js');
  let ws: Workspace;
  /** Where `b.js` asks from: its second line's call. */
  const at = { line: 1, character: 2 };

  before(async () => {
    fs.writeFileSync(a, A);
    fs.writeFileSync(b, B);
    fs.writeFileSync(c, C);
    ws = await Workspace.create({ workers: 1 });
    await ws.indexFolder(root, quiet);
  });
  after(async () => {
    await ws?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Every location names NAME in its file's current text (open text, else the disk's). */
  function assertCurrent(refs: Location[]): void {
    for (const l of refs) {
      const text = ws.documentText(l.key) ?? fs.readFileSync(l.key, 'utf8');
      assert.equal(textAt(text, l.span), NAME, `${path.basename(l.key)} ${JSON.stringify(l.span)}`);
    }
  }

  it('does not serve an open document\'s indexed declaration once an edit removed the name', async () => {
    ws.openDocument(a, 'javascript', 1, A);
    // The whole text replaced: the name is nowhere in it, and the lines moved.
    const edited = '// a comment\n// another\nexport function other() {}\n';
    ws.changeDocument(a, 2, [{ text: edited }], 'utf-16');
    try {
      const refs = await ws.references(b, at, true);
      assertCurrent(refs);
      assert.deepEqual(refs.filter((l) => l.key === a), [], 'nothing in a.js, whose text has no such name');
      assert.ok(refs.some((l) => l.key === b) && refs.some((l) => l.key === c));
    } finally {
      // Back to the disk's text before the close, so nothing is discarded or indexed again.
      ws.changeDocument(a, 3, [{ text: A }], 'utf-16');
      ws.closeDocument(a);
      assert.equal(await ws.textOf(a), A);
    }
  });

  it('does not serve the occurrences of a text discarded at close', async () => {
    ws.openDocument(a, 'javascript', 1, A);
    // Lines inserted above: every occurrence moves down; the analysis of this text is recorded.
    ws.changeDocument(a, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n\n\n' }], 'utf-16');
    await ws.diagnostics(a);
    // The re-index of the disk's text after the close is held until the search has been asked.
    const original = ParserPool.prototype.parse;
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    ParserPool.prototype.parse = async function (this: ParserPool, input: ParseInput): Promise<ParseOutcome> {
      if (input.path === a) await held;
      return original.call(this, input);
    };
    try {
      ws.closeDocument(a);
      const search = ws.references(b, at, false);
      // Let the close's disk read and the search run as far as they go without the held parse.
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
      release();
      const refs = await search;
      assertCurrent(refs);
      // The disk's text: the call on its second line (the definition is a declaration, not asked for).
      assert.deepEqual(refs.filter((l) => l.key === a).map((l) => l.span), [[1, 0, 1, 6]]);
    } finally {
      ParserPool.prototype.parse = original;
      release();
    }
  });

  it('does not serve the indexed run of a file opened while the search settles others', async () => {
    // c.js opened (with a text of its own) just after the index was looked up, before its run is decoded.
    const opened = `\n\n// moved\nexport const c = ${NAME};\n`;
    const lookup = Occurrences.prototype.lookup;
    let once = false;
    Occurrences.prototype.lookup = function (this: Occurrences, name, fn) {
      lookup.call(this, name, fn);
      if (!once && name === NAME) {
        once = true;
        ws.openDocument(c, 'javascript', 1, opened);
      }
    };
    try {
      const refs = await ws.references(b, at, false);
      assert.ok(once);
      assertCurrent(refs);
    } finally {
      Occurrences.prototype.lookup = lookup;
      ws.closeDocument(c);
    }
  });

  it('answers an open document unchanged since indexing from the index, an edited one from its parse', async () => {
    const closedAnswer = await ws.references(b, at, true);
    const original = ParserPool.prototype.parse;
    const parsed: string[] = [];
    ParserPool.prototype.parse = function (this: ParserPool, input: ParseInput): Promise<ParseOutcome> {
      if (input.references) parsed.push(path.basename(input.path ?? '?'));
      return original.call(this, input);
    };
    ws.openDocument(b, 'javascript', 1, B);
    try {
      assert.deepEqual(await ws.references(b, at, true), closedAnswer, 'the same answer as with b.js closed');
      assert.deepEqual(parsed, [], 'nothing parsed: every text is the indexed one');
      ws.changeDocument(b, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }], 'utf-16');
      const edited = await ws.references(b, { line: at.line + 1, character: at.character }, true);
      assert.deepEqual(parsed, ['b.js'], 'the edited document is parsed');
      assertCurrent(edited);
      const moved = (refs: Location[]) => refs.filter((l) => l.key === b).map((l) => l.span[0]);
      assert.deepEqual(moved(edited), moved(closedAnswer).map((line) => line + 1), 'b.js\'s references one line down');
    } finally {
      ParserPool.prototype.parse = original;
      ws.changeDocument(b, 3, [{ text: B }], 'utf-16');
      ws.closeDocument(b);
      assert.equal(await ws.textOf(b), B);
    }
  });
});
