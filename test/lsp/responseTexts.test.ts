/**
 * A response reads each file's text at most once: for a UTF-8 client, the handlers of
 * definition, references, selectionRange and workspace/symbol convert many positions and spans in
 * few files, and every conversion needs its file's text. The handlers run on a real Workspace whose
 * `textOf` is counted (its own internal reads are not: they are not the protocol layer's).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Connection } from 'vscode-languageserver/node';
import { Logger } from '../../server/src/base/log.js';
import type { WorkspaceService } from '../../server/src/index/api.js';
import { Workspace } from '../../server/src/index/workspace.js';
import { registerNavigationHandlers } from '../../server/src/lsp/handlers/navigation.js';
import { registerRangeHandlers } from '../../server/src/lsp/handlers/ranges.js';
import { registerSymbolHandlers, WORKSPACE_SYMBOL_LIMIT } from '../../server/src/lsp/handlers/symbols.js';
import { Session } from '../../server/src/lsp/session.js';

const FILES = ['a.js', 'b.js', 'c.js'];
const USES = 200;
/** Enough that the three files' hits fill workspace/symbol's answer. */
const FUNCTIONS = 40;

/** A file that calls `target` USES times (on non-ASCII lines) and defines FUNCTIONS functions `fnN`. */
function source(file: string): string {
  const lines = [`function target() { return 'é'; }`];
  for (let i = 0; i < USES; i++) lines.push(`const v${i} = 'ü' + target();`);
  for (let i = 0; i < FUNCTIONS; i++) lines.push(`function fn${file[0]}${i}() { return 'ö'; }`);
  return lines.join('\n') + '\n';
}

type Handler = (params: unknown) => Promise<unknown>;

describe('one text per file per response (UTF-8 client)', () => {
  let root: string;
  let ws: Workspace;
  const reads = new Map<string, number>();
  const handlers = new Map<string, Handler>();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'strata-texts-'));
    for (const f of FILES) writeFileSync(join(root, f), source(f));
    ws = await Workspace.create({ workers: 1, snapshotFile: () => join(root, '.snapshot.strata') });
    await ws.indexFolder(root, { begin() {}, report() {}, end() {} });
    // Methods run on the real workspace (its private fields need it as `this`); only textOf is counted.
    const counted = new Proxy(ws, {
      get(target, name) {
        const value = Reflect.get(target, name, target);
        if (name === 'textOf') {
          return (key: string) => {
            reads.set(key, (reads.get(key) ?? 0) + 1);
            return target.textOf(key);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as WorkspaceService;
    const connection = { onRequest: (method: string, h: Handler) => handlers.set(method, h) } as unknown as Connection;
    const session = new Session(connection, counted, Logger.create(() => {}));
    session.setEncoding('utf-8');
    registerNavigationHandlers(session);
    registerSymbolHandlers(session);
    registerRangeHandlers(session);
  });
  after(async () => {
    await ws?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('references: hundreds of locations in three files read each file once', async () => {
    reads.clear();
    const uri = `file://${join(root, 'a.js')}`;
    const params = { textDocument: { uri }, position: { line: 1, character: 20 } };
    const found = await handlers.get('textDocument/references')!(params) as any[];
    assert.ok(Array.isArray(found), JSON.stringify(found));
    assert.equal(found.length, FILES.length * (USES + 1));
    // `const v0 = 'ü' + target();`: 'ü' is 2 bytes, so the call starts at byte 18 (UTF-16 column 17).
    const first = found.find((l) => l.uri === uri && l.range.start.line === 1);
    assert.deepEqual(first.range, { start: { line: 1, character: 18 }, end: { line: 1, character: 24 } });
    // The cursor's file too: its position and its locations are converted on one read.
    for (const [key, n] of reads) assert.equal(n, 1, `${key} read ${n} times`);
    assert.equal(reads.size, FILES.length);
  });

  it('definition: the cursor and the answer read the file once', async () => {
    reads.clear();
    const uri = `file://${join(root, 'b.js')}`;
    const params = { textDocument: { uri }, position: { line: 1, character: 20 } };
    const found = await handlers.get('textDocument/definition')!(params) as any[];
    assert.ok(found.some((l) => l.uri === uri && l.range.start.line === 0), JSON.stringify(found));
    assert.equal(reads.get(join(root, 'b.js')), 1, JSON.stringify([...reads]));
  });

  it('selectionRange: many positions in one file read it once', async () => {
    reads.clear();
    const uri = `file://${join(root, 'c.js')}`;
    const positions = Array.from({ length: 50 }, (_, i) => ({ line: 1 + i, character: 20 }));
    const chains = await handlers.get('textDocument/selectionRange')!({ textDocument: { uri }, positions }) as any[];
    assert.equal(chains.length, positions.length);
    // Line 1 + i: `const vi = 'ü' + target();`, byte 20 is inside `target` (bytes 18–24 on line 1).
    assert.deepEqual(chains[0].range, { start: { line: 1, character: 18 }, end: { line: 1, character: 24 } });
    assert.deepEqual([...reads], [[join(root, 'c.js'), 1]]);
  });

  it('workspace/symbol: many hits in three files read each file once', async () => {
    reads.clear();
    const hits = await handlers.get('workspace/symbol')!({ query: 'fn' }) as any[];
    assert.equal(hits.length, Math.min(FILES.length * FUNCTIONS, WORKSPACE_SYMBOL_LIMIT));
    for (const [key, n] of reads) assert.equal(n, 1, `${key} read ${n} times`);
    assert.equal(reads.size, FILES.length);
  });
});
