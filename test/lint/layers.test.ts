/**
 * The layer rule of eslint.config.js fires: each import against the layer order (ARCHITECTURE.md)
 * is an error, at any depth of `../` and in every form (import/export declarations, `import()`
 * calls, inline `import('…').T` types), and the imports the layers allow pass. Linted with the
 * project's own config through ESLint's Node API, as text with a path in the tree (no file written).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/** The repository root (works from test/ and dist/test/). */
const root = (() => {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'eslint.config.js'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('repo root not found');
})();

const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
const eslint = new ESLint({
  cwd: root,
  // Only the layer rule: the snippets are not real modules (unused imports, no types).
  ruleFilter: ({ ruleId }) => LAYER_RULES.has(ruleId),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

/** The layer-rule errors for `code` as if it were the file `path` (relative to the root). */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  assert.ok(result, path);
  assert.equal(result.fatalErrorCount, 0, `${path}: ${JSON.stringify(result.messages)}`);
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const denied: [string, string][] = [
  // index → lsp, at two depths, in every import form
  ['server/src/index/x.ts', "import { x } from '../lsp/server.js';"],
  ['server/src/index/snapshot/x.ts', "import { x } from '../../lsp/server.js';"],
  ['server/src/index/x.ts', "import type { X } from '../lsp/handlers/debug.js';"],
  ['server/src/index/x.ts', "export { x } from '../lsp/server.js';"],
  ['server/src/index/x.ts', "export * from '../lsp/server.js';"],
  ['server/src/index/x.ts', "const m = await import('../lsp/server.js');"],
  ['server/src/index/x.ts', "let t: import('../lsp/session.js').Session;"],
  // cache → syntax, index, lsp
  ['server/src/cache/x.ts', "import { x } from '../syntax/types.js';"],
  ['server/src/cache/store/x.ts', "import { x } from '../../syntax/trees.js';"],
  ['server/src/cache/x.ts', "import { x } from '../index/api.js';"],
  ['server/src/cache/entry/x.ts', "import { x } from '../../lsp/guard.js';"],
  // syntax → index, lsp
  ['server/src/syntax/x.ts', "import { x } from '../index/api.js';"],
  ['server/src/syntax/analysis/x.ts', "import type { X } from '../../index/symbolIndex.js';"],
  ['server/src/syntax/x.ts', "import { x } from '../lsp/server.js';"],
  // nothing imports cli.ts
  ['server/src/lsp/x.ts', "import { main } from '../cli.js';"],
  ['server/src/index/snapshot/x.ts', "import { main } from '../../cli.js';"],
  // cli.ts: lsp/ and index/ only (v8Heap.js aside)
  ['server/src/cli.ts', "import { x } from './cache/index.js';"],
  ['server/src/cli.ts', "import { x } from './syntax/languages.js';"],
  // the bottom imports nothing of the server (base/ only base/)
  ['server/src/protocol.ts', "import { x } from './base/log.js';"],
  ['server/src/protocol.ts', "import { readFileSync } from 'node:fs';"],
  ['server/src/base/x.ts', "import { x } from '../protocol.js';"],
  ['server/src/base/x.ts', "import { x } from '../cache/index.js';"],
  // web-tree-sitter outside syntax/: declaration, type import, inline type, call
  ['server/src/index/x.ts', "import { Parser } from 'web-tree-sitter';"],
  ['server/src/index/x.ts', "import type { Tree } from 'web-tree-sitter';"],
  ['server/src/index/x.ts', "let t: import('web-tree-sitter').Tree;"],
  ['server/src/lsp/x.ts', "const m = await import('web-tree-sitter');"],
  ['server/src/cache/x.ts', "import type { Tree } from 'web-tree-sitter';"],
  ['client/src/x.ts', "import type { Tree } from 'web-tree-sitter';"],
  // vscode-languageserver* outside lsp/
  ['server/src/index/x.ts', "import { createConnection } from 'vscode-languageserver/node';"],
  ['server/src/index/x.ts', "import { TextDocument } from 'vscode-languageserver-textdocument';"],
  ['server/src/syntax/x.ts', "import type { Range } from 'vscode-languageserver';"],
  ['server/src/cli.ts', "let r: import('vscode-languageserver').Range;"],
  // the extension takes nothing of the server but protocol.ts
  ['client/src/x.ts', "import { x } from '../../server/src/index/api.js';"],
  ['client/src/x.ts', "import { x } from '../../server/src/base/log.js';"],
  ['client/src/x.ts', "import type { X } from '../../server/src/protocol/other.js';"],
  ['client/src/x.ts', "let t: import('../../server/src/lsp/server.js').X;"],
];

const allowed: [string, string][] = [
  ['server/src/index/x.ts', "import { x } from '../syntax/types.js';\nimport { y } from '../cache/index.js';\nimport { z } from './api.js';"],
  ['server/src/index/snapshot/x.ts', "import { x } from '../../cache/index.js';\nimport { y } from '../binaryBlocks.js';\nimport { z } from '../../syntax/packedOutline.js';"],
  ['server/src/index/x.ts', "import { x } from '../protocol.js';\nimport { y } from '../base/errors.js';\nlet t: import('../syntax/trees.js').Tree;"],
  ['server/src/syntax/x.ts', "import { Parser } from 'web-tree-sitter';\nimport { x } from '../cache/index.js';\nimport { y } from './analysis/index.js';"],
  ['server/src/syntax/analysis/x.ts', "let t: import('web-tree-sitter').Tree;\nimport { x } from '../../cache/common/crc32.js';\nimport { y } from '../../base/log.js';"],
  ['server/src/cache/x.ts', "import { x } from './index.js';\nimport { y } from '../protocol.js';\nimport { z } from '../base/errors.js';"],
  ['server/src/cache/store/x.ts', "import { x } from '../codecs/index.js';\nimport { y } from '../index.js';\nimport lz4 from 'lz4js';"],
  ['server/src/lsp/x.ts', "import { createConnection } from 'vscode-languageserver/node';\nimport { x } from '../index/api.js';\nimport { y } from '../protocol.js';"],
  ['server/src/lsp/handlers/x.ts', "import type { X } from '../../index/api.js';\nimport { y } from '../guard.js';"],
  ['server/src/cli.ts', "import './syntax/v8Heap.js';\nimport { x } from './index/workspace.js';\nconst m = await import('./lsp/server.js');"],
  ['server/src/base/x.ts', "import { x } from './errors.js';\nimport { y } from 'node:fs';"],
  ['client/src/x.ts', "import { x } from '../../server/src/protocol.js';\nimport * as vscode from 'vscode';\nimport { LanguageClient } from 'vscode-languageclient/node';"],
  ['test/index/x.ts', "import { x } from '../../server/src/lsp/server.js';\nimport type { Tree } from 'web-tree-sitter';\nimport { createConnection } from 'vscode-languageserver/node';"],
];

test('the layer rule reports every import against the layer order', async () => {
  for (const [path, code] of denied) {
    const errors = await layerErrors(path, code);
    assert.equal(errors.length, 1, `${path}: ${code} → ${errors.join('; ') || 'no error'}`);
  }
});

test('the layer rule lets the allowed imports pass', async () => {
  for (const [path, code] of allowed) {
    assert.deepEqual(await layerErrors(path, code), [], `${path}: ${code}`);
  }
});
