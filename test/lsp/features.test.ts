/**
 * The language server over a real stdio connection on a copy of the demo workspace: indexing with
 * progress, outlines of every language, workspace symbols, definition and references, folding and
 * selection ranges, syntax diagnostics, edits through didChange, settings at run time, strata/stats.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStrata, symbolPaths, type StrataSession } from './harness.js';

const OUTLINES: Record<string, string[]> = {
  'go/store.go': ['ErrNotFound', 'DefaultCapacity', 'Product', 'Product/ID', 'Repository', 'Repository/Get', 'Store', 'Store/products', 'NewStore', 'Get', 'Put'],
  'web/cart.js': ['TAX_RATE', 'Cart', 'Cart/constructor', 'Cart/add', 'Cart/total', 'Cart/describe', 'applyTax', 'emptyCart'],
  'web/api.ts': ['Product', 'Product/price', 'Status', 'Status/Active', 'InventoryClient', 'InventoryClient/fillCart', 'fetchJson'],
  'web/CartView.tsx': ['CartViewProps', 'CartViewProps/onCheckout', 'CartView', 'Total'],
  'python/inventory.py': ['LOW_STOCK', 'Item', 'Warehouse', 'Warehouse/__init__', 'Warehouse/receive', 'Warehouse/Audit/run', 'is_low', 'main'],
  'rust/lib.rs': ['MAX_JOBS', 'Priority', 'Priority/High', 'Job', 'Schedule', 'Schedule/next_job', 'Queue', 'impl Queue/new', 'impl Schedule for Queue/next_job', 'util/drain'],
  'c/ring.c': ['ring_index', 'ring_init', 'ring_push', 'ring_pop'],
  'c/ring.h': ['RING_CAPACITY', 'ring_t', 'ring_status/RING_FULL', 'ring_init'],
  'cpp/scheduler.cpp': ['demo', 'demo/Task', 'demo/Scheduler', 'demo/Scheduler/submit', 'demo/clamp_priority', 'main'],
  'java/Inventory.java': ['Inventory', 'Inventory/Inventory', 'Inventory/receive', 'Inventory/Unit/BOX', 'Countable/count'],
  'config/settings.json': ['name', 'server', 'server/port', 'cache/tiers/hot/megabytes'],
  'scripts/deploy.sh': ['DEPLOY_ENV', 'log', 'build_all', 'deploy'],
  'scripts/release': ['VERSION', 'tag_release'],
};

const pos = (line: number, character: number) => ({ line, character });

describe('strata --stdio on the demo workspace', () => {
  let s: StrataSession;
  before(async () => { s = await startStrata(); });
  after(async () => { await s?.close(); });

  it('indexes in the background with $/progress begin, report and end', async () => {
    const kinds = s.client.progress.map((p: any) => p.params?.value?.kind);
    assert.equal(kinds[0], 'begin');
    assert.ok(kinds.includes('end'));
    assert.equal(kinds.filter((k: string) => k === 'begin').length, 1, 'one index run for one folder');
    const stats = await s.client.request('strata/stats');
    assert.equal(stats.files, 15, 'every demo file but the gitignored build/ folder');
    for (const lang of ['javascript', 'typescript', 'tsx', 'python', 'go', 'rust', 'c', 'cpp', 'java', 'json', 'bash']) {
      assert.ok(stats.languages[lang] >= 1, `language ${lang} indexed`);
    }
    assert.equal(stats.parseErrors, 1, 'broken.js');
    for (const key of ['store', 'tiers', 'trees', 'integrity', 'journal']) assert.ok(stats[key], key);
    // Indexing reads each file once and keeps only its length and CRC: its text is read back from the
    // file (or the snapshot), verified, when something asks for it.
    assert.equal(stats.tiers.disk.files, 15, 'every text left in its file');
    assert.equal(stats.store.rawBytes, 0);
    const opened = s.uri('web/cart.js');
    assert.ok((await s.client.request('strata/debug/text', { uri: opened })).text.length > 0);
    const after = await s.client.request('strata/stats');
    assert.ok(after.store.rawBytes > 0 && after.store.storedBytes > 0, 'a text asked for is held in the warm tier');
  });

  for (const [file, expected] of Object.entries(OUTLINES)) {
    it(`outlines ${file}`, async () => {
      const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri: s.uri(file) } });
      const paths = symbolPaths(symbols);
      for (const name of expected) assert.ok(paths.includes(name), `${name} in ${JSON.stringify(paths)}`);
    });
  }

  it('finds workspace symbols by prefix, word starts and camel humps, best first', async () => {
    const exact = await s.client.request('workspace/symbol', { query: 'applyTax' });
    assert.equal(exact[0].name, 'applyTax');
    assert.ok(exact[0].location.uri.endsWith('/web/cart.js'));
    assert.deepEqual(exact[0].location.range.start, pos(26, 16));
    const prefix = await s.client.request('workspace/symbol', { query: 'NewSt' });
    assert.equal(prefix[0].name, 'NewStore');
    const humps = await s.client.request('workspace/symbol', { query: 'fC' });
    assert.ok(humps.some((h: any) => h.name === 'fillCart'), JSON.stringify(humps.map((h: any) => h.name)));
  });

  it('goes to the definition in the same file and in another file', async () => {
    const same = await s.client.request('textDocument/definition', { textDocument: { uri: s.uri('web/cart.js') }, position: pos(18, 12) });
    assert.deepEqual(same.map((l: any) => [l.uri.split('/').pop(), l.range.start.line]), [['cart.js', 26]]);
    const other = await s.client.request('textDocument/definition', { textDocument: { uri: s.uri('web/cart.js') }, position: pos(22, 30) });
    assert.deepEqual(other.map((l: any) => [l.uri.split('/').pop(), l.range.start]), [['format.js', pos(3, 16)]]);
  });

  it('finds references across files, current file first', async () => {
    const refs = await s.client.request('textDocument/references', {
      textDocument: { uri: s.uri('web/format.js') }, position: pos(3, 18), context: { includeDeclaration: true },
    });
    const where = refs.map((l: any) => `${l.uri.split('/').pop()}:${l.range.start.line}`);
    assert.equal(where[0], 'format.js:3', 'the declaration in the current file first');
    for (const w of ['cart.js:1', 'cart.js:22', 'CartView.tsx:2']) assert.ok(where.includes(w), `${w} in ${where}`);
    const noDecl = await s.client.request('textDocument/references', {
      textDocument: { uri: s.uri('web/format.js') }, position: pos(3, 18), context: { includeDeclaration: false },
    });
    assert.ok(!noDecl.some((l: any) => l.uri.endsWith('format.js')), 'without the declaration');
  });

  it('gives folding ranges and nested selection ranges', async () => {
    const folds = await s.client.request('textDocument/foldingRange', { textDocument: { uri: s.uri('web/cart.js') } });
    assert.ok(folds.some((f: any) => f.startLine === 5 && f.endLine === 23), 'class Cart folds to the line before its brace');
    assert.ok(folds.some((f: any) => f.startLine === 16), 'total() folds');
    const [sel] = await s.client.request('textDocument/selectionRange', { textDocument: { uri: s.uri('web/cart.js') }, positions: [pos(18, 14)] });
    let depth = 0;
    let prev: any;
    for (let r = sel; r; r = r.parent) {
      if (prev) {
        const inside = (r.range.start.line < prev.range.start.line || (r.range.start.line === prev.range.start.line && r.range.start.character <= prev.range.start.character))
          && (r.range.end.line > prev.range.end.line || (r.range.end.line === prev.range.end.line && r.range.end.character >= prev.range.end.character));
        assert.ok(inside, 'each parent contains its child');
      }
      prev = r;
      depth++;
    }
    assert.ok(depth >= 4, `selection chain depth ${depth}`);
    assert.deepEqual(sel.range, { start: pos(18, 11), end: pos(18, 19) }, 'innermost is the identifier applyTax');
  });

  it('publishes syntax diagnostics on open and clears them when the error is fixed', async () => {
    const uri = s.uri('web/broken.js');
    const text = '// This file has a deliberate syntax error: the `for` header lacks its `)`.\nexport function sumPrices(items) {\n  let sum = 0;\n  for (const item of items {\n    sum += item.price;\n  }\n  return sum;\n}\n';
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text } });
    const diags = await s.client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.equal(diags.length, 1);
    assert.match(diags[0].message, /Missing `\)`/);
    assert.equal(diags[0].range.start.line, 3);
    s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: pos(3, 26), end: pos(3, 26) }, text: ')' }] });
    const fixed = await s.client.waitForDiagnostics(uri, (d) => d.length === 0);
    assert.equal(fixed.length, 0);
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
  });

  it('shows edits made through didChange in the next outline and in workspace symbols', async () => {
    const uri = s.uri('web/cart.js');
    const text = (await import('node:fs')).readFileSync(join(s.root, 'web/cart.js'), 'utf8');
    s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version: 1, text } });
    // The outline of version 1 first: its analysis is kept for the text, and the edit must drop it.
    assert.ok(symbolPaths(await s.client.request('textDocument/documentSymbol', { textDocument: { uri } })).includes('applyTax'));
    const lines = text.split('\n').length;
    // Two edits in one notification: the second refers to the text the first leaves.
    s.client.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: pos(lines - 1, 0), end: pos(lines - 1, 0) }, text: '\nexport function checkoutLater(cart) {\n  return cart;\n}\n' },
        { range: { start: pos(26, 16), end: pos(26, 24) }, text: 'applyVat' },
      ],
    });
    const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
    const names = symbolPaths(symbols);
    assert.ok(names.includes('checkoutLater'), JSON.stringify(names));
    assert.ok(names.includes('applyVat') && !names.includes('applyTax'), JSON.stringify(names));
    // An open document's symbols reach the workspace index with its (debounced) analysis.
    await waitFor(async () => (await s.client.request('workspace/symbol', { query: 'checkoutLater' }))[0]?.name === 'checkoutLater');
    s.client.notify('textDocument/didClose', { textDocument: { uri } });
    // Closing discards the unsaved edits: the disk's text is the truth again.
    await waitFor(async () => symbolPaths(await s.client.request('textDocument/documentSymbol', { textDocument: { uri } })).includes('applyTax'));
  });

  it('follows files changed on disk through didChangeWatchedFiles', async () => {
    const file = join(s.root, 'web/format.js');
    writeFileSync(file, 'export function formatQuantity(n) {\n  return String(n);\n}\n');
    s.client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: s.uri('web/format.js'), type: 2 }] });
    await waitFor(async () => (await s.client.request('workspace/symbol', { query: 'formatQuantity' })).length > 0);
    const gone = await s.client.request('workspace/symbol', { query: 'formatPrice' });
    assert.ok(!gone.some((g: any) => g.name === 'formatPrice' && g.location.uri.endsWith('format.js')));
  });

  it('applies settings changed at run time (budgets in strata/stats)', async () => {
    s.settings['memory'] = { totalMB: 64, hotMB: 7 };
    s.client.notify('workspace/didChangeConfiguration', { settings: null });
    await waitFor(async () => (await s.client.request('strata/stats')).budgets?.hotBytes === 7 * 1048576);
    const stats = await s.client.request('strata/stats');
    assert.equal(stats.budgets.warmBytes, 16 * 1048576, 'warm takes its share of the total');
    assert.equal(stats.budgets.coldBytes, 32 * 1048576);
  });

  it('keeps tree accounting exact: created − deleted = live', async () => {
    const stats = await s.client.request('strata/stats');
    assert.equal(stats.trees.created - stats.trees.deleted, stats.trees.live);
    assert.ok(stats.trees.live <= stats.tiers.hot.files, 'live trees only in the hot tier');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
