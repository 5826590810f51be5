/**
 * The workspace scan on real temporary trees: nested .gitignore files with negation and
 * .git/info/exclude, exclude globs and their defaults, symbolic-link loops and links leaving the
 * workspace, entries that cannot be scanned (dangling link, FIFO, a .gitignore that is a
 * directory; an unreadable directory, scanned as an unprivileged user when the tests run as root),
 * and the large-file flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatLine, Logger } from '../../server/src/base/log.js';
import {
  EXCLUDE_SETTING, scanWorkspace, type ScanOptions, type ScannedFile, type ScanReport,
} from '../../server/src/index/scanner.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'strata-scan-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

interface Scan { files: ScannedFile[]; logs: string[]; report: ScanReport }

async function scan(root: string, options: ScanOptions = {}): Promise<Scan> {
  const logs: string[] = [];
  const files: ScannedFile[] = [];
  const sink = (level: string, component: string, message: string) => {
    logs.push(`${level} ${formatLine(component, message)}`);
  };
  const log = Logger.create(sink, 'debug');
  const walk = scanWorkspace(root, { log, ...options });
  let step = await walk.next();
  for (; !step.done; step = await walk.next()) files.push(step.value);
  return { files, logs, report: step.value };
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

/** A tree whose top `.gitignore` ignores everything but `debian/`, as Debian's kernel source package has it. */
const TARBALL = {
  '.gitignore': '*.o\n/*\n!/debian/\n',
  'Makefile': '', 'kernel/fork.c': '', 'kernel/fork.o': '', 'lib/.gitignore': '*.c\n', 'lib/sort.c': '',
  'debian/rules': '',
};

test('outside a git work tree .gitignore files apply nowhere: the whole tree is scanned', async (t) => {
  const root = await tree(TARBALL);
  t.after(() => rm(root, { recursive: true, force: true }));
  const { files, report } = await scan(root);
  assert.deepEqual(rels(files),
    ['.gitignore', 'Makefile', 'debian/rules', 'kernel/fork.c', 'kernel/fork.o', 'lib/.gitignore', 'lib/sort.c']);
  assert.deepEqual(report, { files: 7, rootInGitWorkTree: false, ignored: [] });
});

test('inside a work tree (.git as a directory, or a file as in worktrees) .gitignore applies, counted', async (t) => {
  const repo = await tree({ ...TARBALL, '.git/HEAD': '' });
  const worktree = await tree({ ...TARBALL, '.git': 'gitdir: ../main/.git/worktrees/wt\n' });
  t.after(() => Promise.all([repo, worktree].map((r) => rm(r, { recursive: true, force: true }))));
  for (const root of [repo, worktree]) {
    const { files, report } = await scan(root);
    assert.deepEqual(rels(files), ['debian/rules'], root);
    assert.equal(report.rootInGitWorkTree, true);
    // Top level: .gitignore, Makefile, kernel/ and lib/ (a directory counts as one entry).
    assert.deepEqual(report.ignored,
      [{ source: join(root, '.gitignore'), entries: 4, topRule: '/*', topRuleEntries: 4 }]);
  }
});

test('a root below a work tree\'s top is in it: its .gitignore applies', async (t) => {
  const top = await tree({ '.git/HEAD': '', 'proj/.gitignore': '*.o\n', 'proj/a.c': '', 'proj/a.o': '' });
  t.after(() => rm(top, { recursive: true, force: true }));
  const { files, report } = await scan(join(top, 'proj'));
  assert.deepEqual(rels(files), ['.gitignore', 'a.c']);
  assert.equal(report.rootInGitWorkTree, true);
});

test('.ignore files apply in and out of a work tree, and win over .gitignore', async (t) => {
  const files = {
    '.ignore': 'gen/\n!keep.log\n', '.gitignore': '*.log\n', 'a.ts': '', 'keep.log': '', 'x.log': '', 'gen/g.ts': '',
    'sub/.ignore': '*.tmp\n', 'sub/b.tmp': '', 'sub/b.ts': '',
  };
  const plain = await tree(files);
  const repo = await tree({ ...files, '.git/HEAD': '' });
  t.after(() => Promise.all([plain, repo].map((r) => rm(r, { recursive: true, force: true }))));
  const outside = await scan(plain);
  assert.deepEqual(rels(outside.files),
    ['.gitignore', '.ignore', 'a.ts', 'keep.log', 'x.log', 'sub/.ignore', 'sub/b.ts']);
  assert.deepEqual(outside.report.ignored, [
    { source: join(plain, '.ignore'), entries: 1, topRule: 'gen/', topRuleEntries: 1 },
    { source: join(plain, 'sub/.ignore'), entries: 1, topRule: '*.tmp', topRuleEntries: 1 },
  ]);
  const inside = await scan(repo);
  assert.deepEqual(rels(inside.files), ['.gitignore', '.ignore', 'a.ts', 'keep.log', 'sub/.ignore', 'sub/b.ts']);
  assert.ok(inside.report.ignored.some((s) => s.source === join(repo, '.gitignore') && s.topRule === '*.log'));
});

test('info/exclude and .gitignore apply only within their repository; a nested one starts afresh', async (t) => {
  const root = await tree({
    'top.gen.ts': '', 'top.o': '',
    'plain/.gitignore': '*\n', 'plain/p.ts': '',
    'repo/.git/info/exclude': '*.gen.ts\n', 'repo/.gitignore': '*.o\n',
    'repo/r.gen.ts': '', 'repo/r.o': '', 'repo/r.ts': '',
    'repo/inner/.git/HEAD': '', 'repo/inner/i.gen.ts': '', 'repo/inner/i.o': '',
  });
  t.after(() => rm(root, { recursive: true, force: true }));
  const { files, report } = await scan(root);
  assert.deepEqual(rels(files), ['top.gen.ts', 'top.o', 'plain/.gitignore', 'plain/p.ts', 'repo/.gitignore',
    'repo/r.ts', 'repo/inner/i.gen.ts', 'repo/inner/i.o']);
  assert.equal(report.rootInGitWorkTree, false);
  assert.deepEqual(report.ignored.map((s) => [s.source, s.entries]).sort(),
    [[join(root, 'repo/.git/info/exclude'), 1], [join(root, 'repo/.gitignore'), 1]]);
});

test('the exclude setting is counted as a rule source, with the pattern that matched', async (t) => {
  const root = await tree({ 'node_modules/x/index.js': '', 'pkg/node_modules/y.js': '', 'src/a.ts': '' });
  t.after(() => rm(root, { recursive: true, force: true }));
  const { report } = await scan(root);
  assert.deepEqual(report.ignored,
    [{ source: EXCLUDE_SETTING, entries: 2, topRule: '**/node_modules/**', topRuleEntries: 2 }]);
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
  const root = await tree({ '.git/HEAD': '', 'ok.ts': '', 'sub/.gitignore/x': '', 'sub/fine.ts': '' });
  t.after(() => rm(root, { recursive: true, force: true }));
  await symlink(join(root, 'missing-target'), join(root, 'dangling.ts'));
  execFileSync('mkfifo', [join(root, 'pipe')]);
  const { files, logs } = await scan(root);
  assert.deepEqual(rels(files), ['ok.ts', 'sub/fine.ts', 'sub/.gitignore/x']);
  assert.ok(logs.some((l) => l.includes('dangling.ts') && l.includes('ENOENT')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('pipe') && l.includes('not a regular file')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('sub/.gitignore') && l.includes('EISDIR')), logs.join('\n'));
});

/**
 * Root reads any directory, so as root the scan runs in a child process as the unprivileged user
 * `nobody` (uid/gid 65534): the permission check is the kernel's either way, never skipped.
 */
async function scanWithoutPrivileges(root: string): Promise<{ files: string[]; logs: string[] }> {
  const scanner = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../server/src/index/scanner.js')).href;
  const log = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../server/src/base/log.js')).href;
  const script = `
    const { scanWorkspace } = await import(${JSON.stringify(scanner)});
    const { Logger, formatLine } = await import(${JSON.stringify(log)});
    const logs = [];
    const files = [];
    const logger = Logger.create((l, c, m) => logs.push(l + ' ' + formatLine(c, m)), 'debug');
    for await (const f of scanWorkspace(${JSON.stringify(root)}, { log: logger })) files.push(f.relativePath);
    process.stdout.write(JSON.stringify({ files, logs }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534 });
  return JSON.parse(out.toString('utf8')) as { files: string[]; logs: string[] };
}

test('unreadable directory is skipped with a log line', async (t) => {
  const root = await tree({ 'locked/a.ts': '', 'b.ts': '' });
  t.after(async () => { await chmod(join(root, 'locked'), 0o755); await rm(root, { recursive: true, force: true }); });
  await chmod(root, 0o755);
  await chmod(join(root, 'locked'), 0o000);
  const { files, logs } = process.getuid?.() === 0
    ? await scanWithoutPrivileges(root)
    : await scan(root).then((r) => ({ files: rels(r.files), logs: r.logs }));
  assert.deepEqual(files, ['b.ts']);
  assert.ok(logs.some((l) => l.includes('locked') && l.includes('EACCES')), logs.join('\n'));
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
