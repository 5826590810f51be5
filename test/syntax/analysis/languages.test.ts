/**
 * Language detection (server/src/syntax/languages.ts): by LSP languageId first, then file name and
 * extension, then the `#!` line; every demo file is recognised as the language it is written in.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { detectLanguage, shebangInterpreter } from '../../../server/src/syntax/languages.js';
import { DEMO } from './demo.js';
import { allFiles, demoFiles } from './files.js';

describe('language detection', () => {
  test('by languageId, which wins over the extension', () => {
    assert.equal(detectLanguage('a.txt', { languageId: 'typescriptreact' })?.name, 'tsx');
    assert.equal(detectLanguage('a.js', { languageId: 'typescript' })?.name, 'typescript');
    assert.equal(detectLanguage('a', { languageId: 'shellscript' })?.name, 'bash');
    assert.equal(detectLanguage('x.py', { languageId: 'plaintext' })?.name, 'python', 'unknown id falls through');
  });

  test('by extension (case-insensitive) and by file name', () => {
    const cases: [string, string | undefined][] = [
      ['src/a.mjs', 'javascript'], ['a.d.ts', 'typescript'], ['View.tsx', 'tsx'], ['a.PY', 'python'],
      ['m.go', 'go'], ['lib.rs', 'rust'], ['r.h', 'c'], ['q.hpp', 'cpp'], ['A.java', 'java'],
      ['tsconfig.json', 'json'], ['x.code-workspace', 'json'], ['run.sh', 'bash'],
      ['/home/u/.bashrc', 'bash'], ['C:\\repo\\PKGBUILD', 'bash'], ['README', undefined], ['notes.txt', undefined],
    ];
    for (const [path, lang] of cases) assert.equal(detectLanguage(path)?.name, lang, path);
  });

  test('by the #! line when there is no extension', () => {
    assert.equal(detectLanguage('release', { firstLine: '#!/bin/bash' })?.name, 'bash');
    assert.equal(detectLanguage('tool', { firstLine: '#!/usr/bin/env -S python3 -u' })?.name, 'python');
    assert.equal(detectLanguage('tool', { firstLine: '#!/usr/bin/env node' })?.name, 'javascript');
    assert.equal(detectLanguage('tool', { firstLine: '#!/usr/bin/python3.11' })?.name, 'python');
    assert.equal(detectLanguage('tool', { firstLine: '#!/usr/bin/perl' }), undefined);
    assert.equal(detectLanguage('tool', { firstLine: 'echo hi' }), undefined);
    assert.equal(shebangInterpreter('#! /bin/sh -e'), 'sh');
    assert.equal(shebangInterpreter('#!/usr/bin/env'), undefined);
    // A CRLF or CR file's first line ends before its '\r', as LSP counts lines.
    assert.equal(detectLanguage('tool', { firstLine: '#!/bin/bash\r' })?.name, 'bash');
    assert.equal(detectLanguage('tool', { firstLine: '#!/usr/bin/env python3\recho' })?.name, 'python');
  });

  test('every demo file is recognised, the extension-less script by its #! line', () => {
    const expected: Record<string, string> = {
      'c/ring.c': 'c', 'c/ring.h': 'c', 'config/settings.json': 'json', 'cpp/scheduler.cpp': 'cpp',
      'go/store.go': 'go', 'java/Inventory.java': 'java', 'python/inventory.py': 'python',
      'rust/lib.rs': 'rust', 'scripts/deploy.sh': 'bash', 'scripts/release': 'bash',
      'web/CartView.tsx': 'tsx', 'web/api.ts': 'typescript', 'web/broken.js': 'javascript',
      'web/cart.js': 'javascript', 'web/format.js': 'javascript',
    };
    assert.deepEqual(demoFiles(), Object.keys(expected).sort());
    for (const path of demoFiles()) {
      const firstLine = readFileSync(join(DEMO, path), 'utf8').split('\n', 1)[0]!;
      assert.equal(detectLanguage(path, { firstLine })?.name, expected[path], path);
    }
    assert.equal(detectLanguage('scripts/release')?.name, undefined, 'without its first line it is unknown');
  });

  test('the demo ships an ignored build/ folder with a file in it', () => {
    assert.match(readFileSync(join(DEMO, '.gitignore'), 'utf8'), /^build\/$/m);
    assert.ok(allFiles().some((f) => f.startsWith('build/') && f.endsWith('.js')));
  });

  test('the demo stays small (under 40 KB)', () => {
    const total = allFiles().reduce((n, f) => n + readFileSync(join(DEMO, f)).length, 0);
    assert.ok(total < 40 * 1024, `${total} bytes`);
  });
});
