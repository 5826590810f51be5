/**
 * The .vsix: built offline by client/scripts/package.mjs, it holds the extension bundle, the server
 * bundle with web-tree-sitter.wasm beside it, every pinned grammar and query, README and LICENSE, and
 * no development files (sources, tests, maps, tsconfig). The packaged server must also start.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, run, tempDir } from './support/env.js';
import { buildVsix } from './support/vsix.js';
import { extractZip, listZip } from './support/zip.js';

test('the .vsix holds the bundles and grammars and no development files', { timeout: 240_000 }, async () => {
  const t = tempDir('vsix');
  try {
    const vsix = join(t.dir, 'strata.vsix');
    await buildVsix(vsix);
    const names = listZip(readFileSync(vsix)).map((e) => e.name);
    const has = (n: string) => assert.ok(names.includes(n), `missing ${n}\n${names.join('\n')}`);

    for (const n of ['extension.vsixmanifest', 'extension/package.json', 'extension/readme.md', 'extension/LICENSE.txt',
      'extension/dist/extension.js', 'extension/dist/server/cli.js', 'extension/dist/server/package.json',
      'extension/dist/server/web-tree-sitter.wasm', 'extension/dist/grammars/manifest.json']) has(n);
    const manifest = JSON.parse(readFileSync(join(REPO, 'grammars/manifest.json'), 'utf8')) as { grammars: Record<string, { file: string }> };
    for (const g of Object.values(manifest.grammars)) has(`extension/dist/grammars/${g.file}`);
    for (const q of readdirSync(join(REPO, 'grammars')).filter((f) => f.endsWith('.scm'))) has(`extension/dist/grammars/${q}`);

    const dev = names.filter((n) => /\.(ts|map|mts|cts)$/.test(n) || /(^|\/)(tsconfig[^/]*\.json|\.vscodeignore|\.gitignore)$/.test(n)
      || /\/(src|scripts|test|nvim|node_modules)\//.test(n) || /\.test\./.test(n) || n.endsWith('.vsix') || n.endsWith('refresh.mjs'));
    assert.deepEqual(dev, [], 'development files in the .vsix');

    // The packaged server runs from the unpacked extension with its own grammars.
    const ext = join(t.dir, 'ext');
    extractZip(vsix, 'extension/', ext);
    const r = await run(process.execPath, [join(ext, 'dist/server/cli.js'), '--help'], {
      timeoutMs: 30_000, env: { ...process.env, STRATA_GRAMMARS: join(ext, 'dist/grammars') },
    });
    assert.equal(r.code, 0, `packaged server --help: ${r.stderr}`);
    assert.match(r.stdout, /strata --stdio/);
  } finally {
    t.cleanup();
  }
});
