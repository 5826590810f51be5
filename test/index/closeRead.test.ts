/**
 * didClose does not read the file on the main thread: whether the editor discarded unsaved text is
 * decided by an asynchronous read, yet no read after the close ever gets the discarded text — not
 * when the sizes differ, not when only the bytes do — and a saved text stays.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IndexProgress } from '../../server/src/index/api.js';
import { Workspace } from '../../server/src/index/workspace.js';

const quiet: IndexProgress = { begin() {}, report() {}, end() {} };

/** The paths `fs.readFileSync` was called with while `fn` ran (every module's binding sees the spy). */
function syncReadsDuring(fn: () => void): string[] {
  const original = fs.readFileSync;
  const paths: string[] = [];
  fs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    paths.push(String(file));
    return (original as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  }
  return paths;
}

describe('didClose reads the disk without blocking', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-close-'));
  const disk = 'export function total(items) {\n  return items.length;\n}\n';
  let ws: Workspace;
  before(async () => {
    for (const name of ['sizes.js', 'bytes.js', 'saved.js', 'reopened.js']) {
      fs.writeFileSync(path.join(root, name), disk);
    }
    ws = await Workspace.create({ workers: 1 });
    await ws.indexFolder(root, quiet);
  });
  after(async () => {
    await ws?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Opens `key` with the disk's text and edits its first line to `firstLine` (unsaved). */
  async function openEdited(key: string, firstLine: string): Promise<void> {
    ws.openDocument(key, 'javascript', 1, disk);
    const end = disk.indexOf('\n');
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: end } };
    ws.changeDocument(key, 2, [{ range, text: firstLine }], 'utf-16');
    assert.deepEqual((await ws.outline(key)).map((s) => s.name), [firstLine.split(/[ (]/)[2]]);
  }

  it('discarded text of another size: no synchronous read, the disk text right after', async () => {
    const key = path.join(root, 'sizes.js');
    await openEdited(key, 'export function unsavedAndLonger(items) {');
    assert.deepEqual(syncReadsDuring(() => ws.closeDocument(key)).filter((p) => p === key), []);
    assert.equal(await ws.textOf(key), disk);
    assert.deepEqual((await ws.outline(key)).map((s) => s.name), ['total']);
  });

  it('discarded text of the same size: no synchronous read, the disk text right after', async () => {
    const key = path.join(root, 'bytes.js');
    await openEdited(key, 'export function TOTAL(items) {');
    assert.deepEqual(syncReadsDuring(() => ws.closeDocument(key)).filter((p) => p === key), []);
    assert.equal(await ws.textOf(key), disk);
  });

  it('saved text stays, with no synchronous read', async () => {
    const key = path.join(root, 'saved.js');
    const saved = disk.replace('total', 'sum');
    await openEdited(key, 'export function sum(items) {');
    fs.writeFileSync(key, saved);
    ws.saveDocument(key);
    assert.deepEqual(syncReadsDuring(() => ws.closeDocument(key)).filter((p) => p === key), []);
    assert.equal(await ws.textOf(key), saved);
    assert.deepEqual((await ws.foldingRanges(key)).length, 1);
  });

  it('a re-open right after the close keeps the re-opened text', async () => {
    const key = path.join(root, 'reopened.js');
    await openEdited(key, 'export function unsavedAndLonger(items) {');
    ws.closeDocument(key);
    const reopened = disk.replace('total', 'reopenedText');
    ws.openDocument(key, 'javascript', 3, reopened);
    assert.equal(await ws.textOf(key), reopened);
    assert.deepEqual((await ws.outline(key)).map((s) => s.name), ['reopenedText']);
    assert.equal(ws.documentText(key), reopened);
    ws.closeDocument(key);
    assert.equal(await ws.textOf(key), disk);
  });
});
