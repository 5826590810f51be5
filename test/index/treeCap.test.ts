/**
 * The tree-size cap (`trees.maxFileSizeMB`) is in bytes, for open documents as for files on disk:
 * an open document of multi-byte characters whose UTF-16 length is under the cap but whose UTF-8
 * bytes are over it gets no tree, as the same text on disk gets none; one just under the cap gets one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultSettings, parseSettings } from '../../server/src/index/settings.js';
import { Workspace } from '../../server/src/index/workspace.js';

const CAP_BYTES = 1024;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-treecap-'));

/** A function whose body is a string of `n` copies of `char`. */
function source(char: string, n: number): string {
  return `function big() {\n  return "${char.repeat(n)}";\n}\n`;
}

describe('the tree-size cap of an open document', () => {
  let ws: Workspace;
  before(async () => {
    const raw = { trees: { maxFileSizeMB: CAP_BYTES / (1024 * 1024) } };
    const { settings, problems } = parseSettings(raw, defaultSettings());
    assert.deepEqual(problems, []);
    ws = await Workspace.create({ settings, workers: 1 });
  });
  after(async () => {
    await ws?.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const [char, n] of [['é', 600], ['語', 400]] as const) {
    it(`counts bytes, not UTF-16 units: ${n} × ${char} gets no tree, as on disk`, async () => {
      const text = source(char, n);
      assert.ok(text.length < CAP_BYTES && Buffer.byteLength(text) > CAP_BYTES, 'under the cap in units, not in bytes');
      const key = path.join(work, `open-${n}.js`);
      ws.openDocument(key, 'javascript', 1, text);
      assert.deepEqual(await ws.outline(key), []);
      assert.deepEqual(await ws.foldingRanges(key), []);
      assert.deepEqual(await ws.selectionRanges(key, [{ line: 1, character: 4 }]), [[]]);
      ws.closeDocument(key);

      const onDisk = path.join(work, `disk-${n}.js`);
      fs.writeFileSync(onDisk, text);
      assert.deepEqual(await ws.outline(onDisk), [], 'the same text on disk has no tree either');
    });
  }

  it('gives a tree to a document just under the cap in bytes', async () => {
    const text = source('é', 490);
    assert.ok(Buffer.byteLength(text) <= CAP_BYTES && Buffer.byteLength(text) > CAP_BYTES - 32);
    const key = path.join(work, 'under.js');
    ws.openDocument(key, 'javascript', 1, text);
    assert.deepEqual((await ws.outline(key)).map((s) => s.name), ['big']);
    assert.notDeepEqual(await ws.foldingRanges(key), []);
    ws.closeDocument(key);
  });

  it('follows edits: a document edited over the cap in bytes loses its tree', async () => {
    const text = source('é', 490);
    const key = path.join(work, 'edited.js');
    ws.openDocument(key, 'javascript', 1, text);
    assert.deepEqual((await ws.outline(key)).map((s) => s.name), ['big']);
    // 20 more 'é': 20 UTF-16 units (still far under the cap), 40 bytes (over it).
    const at = { line: 1, character: 10 };
    ws.changeDocument(key, 2, [{ range: { start: at, end: at }, text: 'é'.repeat(20) }], 'utf-16');
    assert.ok(ws.documentText(key)!.length < CAP_BYTES && Buffer.byteLength(ws.documentText(key)!) > CAP_BYTES);
    assert.deepEqual(await ws.outline(key), []);
    ws.closeDocument(key);
  });
});
