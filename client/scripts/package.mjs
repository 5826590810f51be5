#!/usr/bin/env node
// Builds the VS Code extension package, offline: bundles the extension (CommonJS, for the extension
// host) and the server (ESM, run in its own Node process) with esbuild, copies the grammars and the
// wasm files the server loads at run time next to them, then runs @vscode/vsce to write
// client/strata-<version>.vsix. Run from anywhere: `npm run package` or `node client/scripts/package.mjs`.
// Options: --no-vsix (bundle only, for quick checks), --out FILE.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(clientDir, '..');
const dist = join(clientDir, 'dist');
const args = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8'));
const outArg = args.indexOf('--out');
const vsixPath = outArg >= 0 ? resolve(args[outArg + 1]) : join(clientDir, `${manifest.name}-${manifest.version}.vsix`);

// VS Code 1.82 (the oldest engine we accept) runs extensions and forked servers on Node 18.
const target = 'node18';

function log(msg) { process.stdout.write(`package: ${msg}\n`); }

// esbuild has already printed its diagnostics; a stack trace of the build call adds nothing.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`package: failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
});

/** Every file under dir (recursive) whose name passes the filter. */
function walk(dir, filter, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, filter, out);
    else if (filter(e.name)) out.push(p);
  }
  return out;
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'server'), { recursive: true });
mkdirSync(join(dist, 'grammars'), { recursive: true });

// 1. The extension: one CommonJS file; `vscode` is provided by the editor.
await build({
  entryPoints: [join(clientDir, 'src/extension.ts')],
  outfile: join(dist, 'extension.js'),
  bundle: true, platform: 'node', format: 'cjs', target, external: ['vscode'],
  minify: true, sourcemap: false, logLevel: 'warning', absWorkingDir: root,
});
log('bundled dist/extension.js');

// 2. The server: ESM, because web-tree-sitter is ESM and finds web-tree-sitter.wasm through
// import.meta.url (next to the bundle). Bundled CommonJS dependencies still call require() and use
// __dirname (@foxglove/wasm-zstd reads its .wasm from there), so the banner provides both.
// Worker threads need files of their own: every server/src/**/*worker*.ts becomes dist/server/<name>.js,
// next to cli.js, where `new URL('./<name>.js', import.meta.url)` from any bundled module finds it.
const workers = existsSync(join(root, 'server/src'))
  ? walk(join(root, 'server/src'), (n) =>
    /worker/i.test(n) && n.endsWith('.ts') && !n.endsWith('.d.ts') && !n.endsWith('.test.ts'))
  : [];
const banner = [
  "import { createRequire as __strataCreateRequire } from 'node:module';",
  "import { fileURLToPath as __strataFileURLToPath } from 'node:url';",
  "import { dirname as __strataDirname } from 'node:path';",
  'const require = __strataCreateRequire(import.meta.url);',
  'const __filename = __strataFileURLToPath(import.meta.url);',
  'const __dirname = __strataDirname(__filename);',
].join('\n');
await build({
  entryPoints: [
    { in: join(clientDir, 'scripts/server-entry.mjs'), out: 'cli' },
    ...workers.map((w) => ({ in: w, out: basename(w, '.ts') })),
  ],
  outdir: join(dist, 'server'),
  bundle: true, platform: 'node', format: 'esm', target, outExtension: { '.js': '.js' },
  banner: { js: banner }, minify: false, sourcemap: false, logLevel: 'warning', absWorkingDir: root,
  // Keep `new URL('x.wasm', import.meta.url)` as written: the assets are copied next to the bundle below.
  loader: { '.wasm': 'file' },
});
// The extension folder has no "type" field; this marks the server's .js files as ESM.
writeFileSync(join(dist, 'server/package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');
log(`bundled dist/server/cli.js${workers.length ? ` and ${workers.map((w) => basename(w, '.ts')).join(', ')}` : ''}`);

// 3. Run-time assets of bundled dependencies, next to the server bundle where they look for them.
const assets = [
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  // The cold tier's compressor (it looks for its .wasm in __dirname).
  'node_modules/@foxglove/wasm-zstd/dist/wasm-zstd.wasm',
];
for (const a of assets) {
  const from = join(root, a);
  if (!existsSync(from)) throw new Error(`missing ${a}`);
  copyFileSync(from, join(dist, 'server', basename(a)));
}

// 4. Grammars: the pinned .wasm files, their manifest and the project's queries (not refresh.mjs).
let grammarFiles = 0;
for (const f of readdirSync(join(root, 'grammars'))) {
  if (f.endsWith('.wasm') || f.endsWith('.scm') || f === 'manifest.json') {
    copyFileSync(join(root, 'grammars', f), join(dist, 'grammars', f));
    grammarFiles++;
  }
}
log(`copied ${grammarFiles} grammar files and the wasm assets`);

if (args.includes('--no-vsix')) process.exit(0);

// 5. The .vsix, offline: the bundles carry every dependency, so vsce must not run npm.
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository',
  '--skip-license', '--out', vsixPath], { cwd: clientDir, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) {
  process.stderr.write(`package: vsce failed (status ${r.status})\n`);
  process.exit(1);
}
log(`wrote ${relative(process.cwd(), vsixPath) || vsixPath}`);
