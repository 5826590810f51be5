#!/usr/bin/env node
// Refreshes the pinned grammar .wasm files in this folder from the official per-language npm packages
// and rewrites manifest.json (package, version, sha256 of each file). Run it by hand after changing a
// pin below; the tests check that every file still matches the manifest. Needs only the npm registry.
//   node grammars/refresh.mjs
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// language id -> the package that ships its grammar, the pinned version, and the file inside it.
const PINS = [
  { language: 'javascript', package: 'tree-sitter-javascript', version: '0.25.0', file: 'tree-sitter-javascript.wasm' },
  { language: 'typescript', package: 'tree-sitter-typescript', version: '0.23.2', file: 'tree-sitter-typescript.wasm' },
  { language: 'tsx', package: 'tree-sitter-typescript', version: '0.23.2', file: 'tree-sitter-tsx.wasm' },
  { language: 'python', package: 'tree-sitter-python', version: '0.25.0', file: 'tree-sitter-python.wasm' },
  { language: 'go', package: 'tree-sitter-go', version: '0.25.0', file: 'tree-sitter-go.wasm' },
  { language: 'rust', package: 'tree-sitter-rust', version: '0.24.0', file: 'tree-sitter-rust.wasm' },
  { language: 'c', package: 'tree-sitter-c', version: '0.24.1', file: 'tree-sitter-c.wasm' },
  { language: 'cpp', package: 'tree-sitter-cpp', version: '0.23.4', file: 'tree-sitter-cpp.wasm' },
  { language: 'java', package: 'tree-sitter-java', version: '0.23.5', file: 'tree-sitter-java.wasm' },
  { language: 'json', package: 'tree-sitter-json', version: '0.24.8', file: 'tree-sitter-json.wasm' },
  { language: 'bash', package: 'tree-sitter-bash', version: '0.25.1', file: 'tree-sitter-bash.wasm' },
];

const work = mkdtempSync(join(tmpdir(), 'strata-grammars-'));
try {
  const tarballs = new Map();
  const manifest = {
    comment: 'Pinned grammar wasm files; written by refresh.mjs, checked by the tests.',
    grammars: {},
  };
  for (const pin of PINS) {
    const spec = `${pin.package}@${pin.version}`;
    if (!tarballs.has(spec)) {
      const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', work], { encoding: 'utf8' });
      const tgz = join(work, out.trim().split('\n').pop());
      const dir = join(work, `${pin.package}-${pin.version}`);
      execFileSync('mkdir', ['-p', dir]);
      execFileSync('tar', ['xzf', tgz, '-C', dir]);
      tarballs.set(spec, join(dir, 'package'));
    }
    const source = join(tarballs.get(spec), pin.file);
    copyFileSync(source, join(here, pin.file));
    const sha256 = createHash('sha256').update(readFileSync(source)).digest('hex');
    manifest.grammars[pin.language] = { package: pin.package, version: pin.version, file: pin.file, sha256 };
    process.stdout.write(`${pin.language.padEnd(11)} ${spec.padEnd(32)} ${sha256}\n`);
  }
  writeFileSync(join(here, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
