/**
 * The workspace scan on real temporary trees: nested .gitignore files with negation and
 * .git/info/exclude, exclude globs and their defaults, symbolic-link loops and links leaving the
 * workspace, entries that cannot be scanned (dangling link, FIFO, a .gitignore that is a
 * directory; an unreadable directory only when not running as root, since root bypasses
 * permissions), and the large-file flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanWorkspace, type ScanOptions, type ScannedFile } from '../../server/src/index/scanner.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'strata-scan-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

async function scan(root: string, options: ScanOptions = {}): Promise<{ files: ScannedFile[]; logs: string[] }> {
  const logs: string[] = [];
  const files: ScannedFile[] = [];
  for await (const f of scanWorkspace(root, { log: (m) => logs.push(m), ...options })) files.push(f);
  return { files, logs };
}

const rels = (files: ScannedFile[]) => files.map((f) => f.relativePath);

test('nested .gitignore with negation, .git/info/exclude, and .git skipped', async (t) => {
  const root = await tree({
    '.gitignore': '*.log\nbuild/\n/only-root.txt\n',
    '.git/info/exclude': 'secret.ts\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'a.ts': '', 'a.log': '', 'only-root.txt': '', 'secret.ts': '',
    'build/out.js': '',
    'src/.gitignore': '!keep.log\ngenerated/\n',
    'src/keep.log': '', 'src/drop.log': '', 'src/only-root.txt': '', 'src/main.ts': '',
    'src/generated/x.ts': '',
    'src/deep/.gitignore': '*.ts\n!main.ts\n',
    'src/deep/main.ts': '', 'src/deep/other.ts': '', 'src/deep/x.log': '',
  });
  t.after(() => rm(root, { recursive: true, force: true }));
  const { files } = await scan(root);
  assert.deepEqual(rels(files), ['.gitignore', 'a.ts', 'src/.gitignore', 'src/keep.log', 'src/main.ts', 'src/only-root.txt', 'src/deep/.gitignore', 'src/deep/main.ts']);
  const all = await scan(root, { gitignore: false });
  assert.ok(rels(all.files).includes('build/out.js') && rels(all.files).includes('secret.ts'));
  assert.ok(!rels(all.files).some((r) => r.startsWith('.git/')), '.git is skipped even without gitignore');
});

test('exclude globs, defaults excluding node_modules, and exclude: [] keeping it', async (t) => {
  const root = await tree({ 'node_modules/lib/index.js': '', 'pkg/node_modules/x.js': '', 'src/app.min.js': '', 'src/app.js': '', 'vendor/v.c': '' });
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.deepEqual(rels((await scan(root)).files), ['src/app.js', 'src/app.min.js', 'vendor/v.c']);
  assert.deepEqual(rels((await scan(root, { exclude: ['*.min.js', 'vendor/**'] })).files),
    ['node_modules/lib/index.js', 'pkg/node_modules/x.js', 'src/app.js']);
});

test('symbolic links: followed inside the root, loops and outside targets skipped with a log line', async (t) => {
  const root = await tree({ 'src/a.ts': '', 'src/sub/b.ts': '' });
  const outside = await tree({ 'far.ts': '' });
  t.after(() => Promise.all([rm(root, { recursive: true, force: true }), rm(outside, { recursive: true, force: true })]));
  await symlink(join(root, 'src'), join(root, 'src/sub/loop'));        // to an ancestor: loop
  await symlink(join(root, 'src/sub'), join(root, 'alias'));           // second path to a directory
  await symlink(join(root, 'src/a.ts'), join(root, 'link.ts'));        // file link inside
  await symlink(outside, join(root, 'out'));                           // leaves the workspace
  const { files, logs } = await scan(root);
  assert.deepEqual(rels(files), ['link.ts', 'src/a.ts', 'src/sub/b.ts']);
  assert.ok(logs.some((l) => l.includes('src/sub/loop') && l.includes('loop')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('alias') && l.includes('already scanned')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('out') && l.includes('outside the workspace')), logs.join('\n'));
  const far = await scan(root, { followSymlinksOutsideRoot: true });
  assert.ok(rels(far.files).includes('out/far.ts'));
  const none = await scan(root, { followSymlinks: false });
  assert.deepEqual(rels(none.files), ['src/a.ts', 'src/sub/b.ts']);
});

test('entries that cannot be scanned are skipped with a log line; the walk goes on', async (t) => {
  const root = await tree({ 'ok.ts': '', 'sub/.gitignore/x': '', 'sub/fine.ts': '' });
  t.after(() => rm(root, { recursive: true, force: true }));
  await symlink(join(root, 'missing-target'), join(root, 'dangling.ts'));
  execFileSync('mkfifo', [join(root, 'pipe')]);
  const { files, logs } = await scan(root);
  assert.deepEqual(rels(files), ['ok.ts', 'sub/fine.ts', 'sub/.gitignore/x']);
  assert.ok(logs.some((l) => l.includes('dangling.ts') && l.includes('ENOENT')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('pipe') && l.includes('not a regular file')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('sub/.gitignore') && l.includes('EISDIR')), logs.join('\n'));
});

test('unreadable directory is skipped with a log line', { skip: process.getuid?.() === 0 ? 'running as root: permissions do not block root' : false }, async (t) => {
  const root = await tree({ 'locked/a.ts': '', 'b.ts': '' });
  t.after(async () => { await chmod(join(root, 'locked'), 0o755); await rm(root, { recursive: true, force: true }); });
  await chmod(join(root, 'locked'), 0o000);
  const { files, logs } = await scan(root);
  assert.deepEqual(rels(files), ['b.ts']);
  assert.ok(logs.some((l) => l.includes('locked') && l.includes('EACCES')));
});

test('files over the size limit are listed, flagged tooLarge, with size and mtime', async (t) => {
  const root = await tree({ 'small.ts': 'x'.repeat(100), 'big.ts': 'y'.repeat(5000) });
  t.after(() => rm(root, { recursive: true, force: true }));
  const { files } = await scan(root, { maxFileSize: 4096 });
  const by = new Map(files.map((f) => [f.relativePath, f]));
  assert.equal(by.get('big.ts')!.tooLarge, true);
  assert.equal(by.get('big.ts')!.size, 5000);
  assert.equal(by.get('small.ts')!.tooLarge, false);
  assert.ok(by.get('small.ts')!.mtimeMs > 0);
  assert.equal(by.get('small.ts')!.path, join(root, 'small.ts'));
});
