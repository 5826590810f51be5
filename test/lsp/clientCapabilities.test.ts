/**
 * Client capabilities that change the shape of answers, over stdio: a client without
 * `hierarchicalDocumentSymbolSupport` gets a flat `SymbolInformation[]` (container names instead of
 * nesting); a client with `lineFoldingOnly` gets folding ranges without characters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStrata, symbolPaths, type StrataSession } from './harness.js';

describe('client capabilities', () => {
  let s: StrataSession;
  const CART = () => s.uri('web/cart.js');

  describe('flat symbols, line-only folding', () => {
    before(async () => {
      s = await startStrata({ textDocument: { documentSymbol: {}, foldingRange: { lineFoldingOnly: true } } });
    });
    after(async () => { await s?.close(); });

    it('documentSymbol answers SymbolInformation[] with container names', async () => {
      const uri = s.uri('web/cart.js');
      const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
      assert.ok(symbols.length > 0);
      for (const sym of symbols) {
        assert.equal(sym.children, undefined, JSON.stringify(sym));
        assert.equal(sym.range, undefined, JSON.stringify(sym));
        assert.equal(sym.location.uri, uri);
      }
      const total = symbols.find((x: any) => x.name === 'total');
      assert.ok(total, JSON.stringify(symbols));
      assert.equal(total.containerName, 'Cart');
      // `total() {` … `}`: lines 16 to 19.
      assert.equal(total.location.range.start.line, 16);
      assert.equal(total.location.range.end.line, 19);
      const cart = symbols.find((x: any) => x.name === 'Cart');
      assert.equal(cart.containerName, undefined);
      // Parents come before their children, as in the tree.
      assert.ok(symbols.indexOf(cart) < symbols.indexOf(total));
    });

    it('foldingRange sends whole lines only', async () => {
      const folds = await s.client.request('textDocument/foldingRange', { textDocument: { uri: CART() } });
      assert.ok(folds.some((f: any) => f.startLine === 5 && f.endLine === 23), JSON.stringify(folds));
      for (const f of folds) {
        assert.equal(f.startCharacter, undefined);
        assert.equal(f.endCharacter, undefined);
        assert.ok(f.endLine > f.startLine, `a fold of no hidden line: ${JSON.stringify(f)}`);
      }
    });
  });

  describe('hierarchical symbols', () => {
    before(async () => {
      const textDocument = { documentSymbol: { hierarchicalDocumentSymbolSupport: true }, foldingRange: {} };
      s = await startStrata({ textDocument });
    });
    after(async () => { await s?.close(); });

    it('documentSymbol answers a DocumentSymbol tree', async () => {
      const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri: CART() } });
      assert.ok(symbolPaths(symbols).includes('Cart/total'), JSON.stringify(symbolPaths(symbols)));
      assert.ok(symbols.every((x: any) => x.range && x.selectionRange && x.location === undefined));
    });

    it('foldingRange answers the same folds', async () => {
      const folds = await s.client.request('textDocument/foldingRange', { textDocument: { uri: CART() } });
      assert.ok(folds.some((f: any) => f.startLine === 5 && f.endLine === 23), JSON.stringify(folds));
    });
  });
});
