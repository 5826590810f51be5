/**
 * Diagnostics of an open document whose text is the indexed one (workspace.ts `diagnostics`): its
 * syntax errors come from its tree alone, and nothing of it is recorded in the index again (the index
 * holds that very text's symbols and occurrences); after an edit, from a full analysis, which records
 * the edited text — with the same errors for the same text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { IndexProgress } from '../../server/src/index/api.js';
import { Occurrences } from '../../server/src/index/occurrences/occurrences.js';
import { SymbolIndex } from '../../server/src/index/symbolIndex.js';
import { Workspace } from '../../server/src/index/workspace.js';

const quiet: IndexProgress = { begin() {}, report() {}, end() {} };
const BROKEN = 'export function kept() { return 1; }\nfunction broken( {\n  return kept();\n}\n';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-diag-indexed-'));
const broken = path.join(root, 'broken.js');
let ws: Workspace;

before(async () => {
  fs.writeFileSync(broken, BROKEN);
  fs.writeFileSync(path.join(root, 'ok.js'), 'export const ok = 1;\n');
  ws = await Workspace.create({ workers: 1 });
  await ws.indexFolder(root, quiet);
});
after(async () => {
  await ws?.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

it('computes an unchanged document\'s errors from its tree, recording nothing; an edited one is analysed', async () => {
  const recorded: string[] = [];
  const replaceFile = SymbolIndex.prototype.replaceFile;
  const record = Occurrences.prototype.record;
  SymbolIndex.prototype.replaceFile = function (this: SymbolIndex, ...args: Parameters<typeof replaceFile>) {
    recorded.push(`symbols ${path.basename(args[0])}`);
    return replaceFile.apply(this, args);
  };
  Occurrences.prototype.record = function (this: Occurrences, ...args: Parameters<typeof record>) {
    recorded.push(`occurrences ${path.basename(args[0])}`);
    return record.apply(this, args);
  };
  try {
    ws.openDocument(broken, 'javascript', 1, BROKEN);
    const unchanged = await ws.diagnostics(broken);
    assert.ok(unchanged.length > 0, 'the syntax error is reported');
    assert.deepEqual(recorded, [], 'nothing recorded for the indexed text');

    // The same text, edited in: no longer known to be the indexed one, so analysed in full.
    ws.changeDocument(broken, 2, [{ text: BROKEN }], 'utf-16');
    const analysed = await ws.diagnostics(broken);
    assert.deepEqual(analysed, unchanged, 'the same errors for the same text');
    assert.deepEqual(recorded, ['symbols broken.js', 'occurrences broken.js'], 'the full analysis records it');
  } finally {
    SymbolIndex.prototype.replaceFile = replaceFile;
    Occurrences.prototype.record = record;
    ws.closeDocument(broken);
  }
});
