/**
 * The folder index run's warning about ignore rules that leave out all or most of a tree: logged at
 * warn through the scan's logger (or as a plain line through the older function form), in the
 * progress end message, and in the result, naming the rule file and rule; silent for a tree whose
 * rules leave out only by-products. Indexing a file here only counts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatLine, Logger } from '../../server/src/base/log.js';
import { indexFolder, type FolderIndexResult, type FolderScanOptions } from '../../server/src/index/folderIndexer.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'strata-folder-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

interface Run { result: FolderIndexResult; endMessage: string; endResult: FolderIndexResult | undefined }

async function run(root: string, scan: FolderScanOptions): Promise<Run> {
  let endMessage = '';
  let endResult: FolderIndexResult | undefined;
  const progress = {
    begin() {}, report() {},
    end(m: string, r?: FolderIndexResult) { endMessage = m; endResult = r; },
  };
  const result = await indexFolder(root, scan, progress, {
    inFlight: 4,
    indexFile: async (file) => ({ result: 'indexed', bytes: file.size }),
  });
  return { result, endMessage, endResult };
}

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = (level: string, component: string, message: string) => {
    lines.push(`${level} ${formatLine(component, message)}`);
  };
  return { lines, log: Logger.create(sink, 'info') };
}

test('a work tree\'s rules leave out everything: a warning naming the rule, logged, ending the run', async (t) => {
  const root = await tree({ '.git/HEAD': '', '.gitignore': '/*\n', 'Makefile': '', 'kernel/f.c': '', 'lib/s.c': '' });
  t.after(() => rm(root, { recursive: true, force: true }));
  const { log, lines } = capture();
  const { result, endMessage, endResult } = await run(root, { log });
  assert.equal(result.files, 0);
  assert.equal(endResult, result);
  const rule = `${join(root, '.gitignore')}: rule '/*' left out 4`;
  assert.ok(result.ignoreWarning?.includes('no file to index'), result.ignoreWarning);
  assert.ok(result.ignoreWarning!.includes(rule), result.ignoreWarning);
  assert.ok(endMessage.includes(result.ignoreWarning!), endMessage);
  assert.deepEqual(lines.filter((l) => l.startsWith('warn ')), [`warn [scan] ${result.ignoreWarning}`]);
});

test('rules leaving out most of a tree warn; by-products left out do not; outside a repository none do', async (t) => {
  const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`d${i}/x.c`, '']));
  const most = await tree({ '.git/HEAD': '', '.gitignore': '/*\n!/src/\n', ...many, 'src/a.c': '' });
  const few = await tree({ '.git/HEAD': '', '.gitignore': 'build/\n*.o\n', ...many, 'a.o': '', 'build/b.c': '' });
  const plain = await tree({ '.gitignore': '/*\n', ...many });
  t.after(() => Promise.all([most, few, plain].map((r) => rm(r, { recursive: true, force: true }))));
  const lines: string[] = [];
  const mostRun = await run(most, { log: Logger.create((_l, c, m) => lines.push(formatLine(c, m)), 'info') });
  assert.equal(mostRun.result.files, 1);
  assert.match(mostRun.result.ignoreWarning ?? '', /only 1 file to index; ignore rules left out 13 entries/);
  assert.ok(lines.includes(`[scan] ${mostRun.result.ignoreWarning}`), 'the log gets the warning as a line');
  const fewRun = await run(few, {});
  assert.equal(fewRun.result.files, 13);
  assert.equal(fewRun.result.ignoreWarning, undefined);
  assert.doesNotMatch(fewRun.endMessage, /Warning/);
  const plainRun = await run(plain, {});
  assert.equal(plainRun.result.files, 13);
  assert.equal(plainRun.result.ignoreWarning, undefined);
});
