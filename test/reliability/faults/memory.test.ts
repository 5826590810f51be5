/**
 * Faults in memory: random bits of the running server's cache are flipped (chunk slabs, packs, chunk
 * CRCs and lengths, entry fields, journal records; `strata/debug/injectFaults`) while it is in use,
 * and every document is read back through `strata/debug/text` and compared with a shadow copy.
 * Each read must be the exact text (served through a fallback when the stored bytes are damaged) or
 * a clear LSP error; the number of wrong texts served must be 0. Symbols and references must keep
 * answering. A real server over stdio, on a real workspace (examples/demo + real sources from
 * node_modules), with budgets small enough that files sit in the warm tier and most are evicted to
 * metadata (backed by the files they were read from), some documents open with unsaved edits (in the
 * cold tier: their text exists nowhere else), others edited, saved and closed (their cache entries
 * keep non-empty journals).
 *
 * Prints: seed, flips injected, reads, exact, errors, wrong. Replay: STRATA_FAULT_SEED=<seed>.
 * Length: STRATA_FAULT_ROUNDS (default 30); STRATA_FAULT_VERBOSE=1 prints each error.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from '../../support/lspClient.js';
import { startStrata, type StrataSession } from '../../lsp/harness.js';
import { filesUnder, populateWorkspace, prng, runSeed, servedText } from './support.js';

const ROUNDS = Number(process.env['STRATA_FAULT_ROUNDS'] ?? 30);
const FLIPS_PER_ROUND = 4;

function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, character: offset - start };
}

describe('faults in memory: bit flips in the running cache never make it serve a wrong text', () => {
  const seed = runSeed();
  const rnd = prng(seed);
  let s: StrataSession;
  /** The truth: every document's text as the editor (open) or the disk (closed) has it. */
  const shadow = new Map<string, string>();
  const open = new Map<string, number>(); // uri → version
  const figures = { flips: 0, reads: 0, exact: 0, errors: 0, wrong: 0, queries: 0, queryErrors: 0 };

  before(async () => {
    console.log(`faults/memory: seed ${seed} (replay with STRATA_FAULT_SEED=${seed})`);
    s = await startStrata({
      populate: (root) => populateWorkspace(root, 40),
      initializationOptions: { memory: { hotMB: 1, warmMB: 0.03, coldMB: 0.08 }, cacheDir: 'off' },
    });
  });
  after(async () => {
    console.log(`faults/memory: seed ${seed}: ${figures.flips} bit flips injected, ${figures.reads} reads, ${figures.exact} exact, ` +
      `${figures.errors} clear errors, ${figures.wrong} wrong texts served; ${figures.queries} symbol/reference queries, ${figures.queryErrors} answered with an error`);
    await s?.close();
  });

  /** An edit to an open document: the editor's change, and the shadow's. */
  function edit(uri: string): void {
    const text = shadow.get(uri)!;
    const at = rnd.int(text.length + 1);
    const end = Math.min(text.length, at + rnd.int(12));
    const insert = rnd.pick(['', 'x', ' // note\n', `\nconst v${rnd.int(1000)} = ${rnd.int(1000)};\n`, 'é€😀']);
    // Never split a surrogate pair: the editor would not.
    if (/[\udc00-\udfff]/.test(text[at] ?? '') || /[\udc00-\udfff]/.test(text[end] ?? '')) return;
    const version = open.get(uri)! + 1;
    open.set(uri, version);
    s.client.notify('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: positionAt(text, at), end: positionAt(text, end) }, text: insert }],
    });
    shadow.set(uri, text.slice(0, at) + insert + text.slice(end));
  }

  async function checkRead(uri: string): Promise<void> {
    const served = await servedText(s.client, uri);
    figures.reads++;
    if ('text' in served) {
      if (served.text === shadow.get(uri)) figures.exact++;
      else {
        figures.wrong++;
        assert.fail(`seed ${seed}: wrong text served for ${uri} (${served.text.length} vs ${shadow.get(uri)!.length} chars)`);
      }
    } else {
      figures.errors++;
      if (process.env["STRATA_FAULT_VERBOSE"]) console.log(`faults/memory: error for ${uri}: ${served.error.message}`);
      assert.match(served.error.message, /integrity|cache/, `seed ${seed}: unclear error for ${uri}: ${served.error.message}`);
    }
  }

  /** A symbol or references query: it must answer (a result, or an LSP error), never hang or kill the server. */
  async function query(uri: string): Promise<void> {
    figures.queries++;
    const which = rnd.int(3);
    try {
      if (which === 0) {
        const symbols = await s.client.request('textDocument/documentSymbol', { textDocument: { uri } });
        assert.ok(Array.isArray(symbols));
      } else if (which === 1) {
        const words = shadow.get(uri)!.match(/[A-Za-z_]\w{3,}/g) ?? ['Inventory'];
        const hits = await s.client.request('workspace/symbol', { query: rnd.pick(words) });
        assert.ok(Array.isArray(hits));
      } else {
        const text = shadow.get(uri)!;
        const m = /[A-Za-z_]\w{3,}/g;
        m.lastIndex = rnd.int(text.length);
        const hit = m.exec(text) ?? /[A-Za-z_]\w{3,}/.exec(text);
        const position = positionAt(text, hit ? hit.index : 0);
        const refs = await s.client.request('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } });
        assert.ok(Array.isArray(refs));
      }
    } catch (err) {
      if (!(err instanceof ResponseError)) throw err;
      figures.queryErrors++;
    }
  }

  it('serves every document exactly or with a clear error, round after round', async () => {
    // The documents: every file the server has a text for, which must equal the disk before any fault.
    for (const rel of filesUnder(s.root)) {
      const uri = s.uri(rel);
      const served = await servedText(s.client, uri);
      if ('text' in served) {
        assert.equal(served.text, readFileSync(join(s.root, rel), 'utf8'), `${rel} before any fault`);
        shadow.set(uri, served.text);
      }
    }
    const uris = [...shadow.keys()];
    assert.ok(uris.length >= 40, `only ${uris.length} documents indexed`);

    // Six documents opened and edited: three stay open (unsaved edits), three are saved and closed
    // (their entries keep the edits as journals, with the disk as fallback).
    const chosen = [...uris].sort(() => rnd.next() - 0.5).slice(0, 6);
    for (const [i, uri] of chosen.entries()) {
      const lang = uri.endsWith('.ts') ? 'typescript' : uri.endsWith('.py') ? 'python' : uri.endsWith('.go') ? 'go' : 'javascript';
      open.set(uri, 1);
      s.client.notify('textDocument/didOpen', { textDocument: { uri, languageId: lang, version: 1, text: shadow.get(uri) } });
      for (let k = 0; k < 5; k++) edit(uri);
      await checkRead(uri);
      if (i >= 3) {
        writeFileSync(new URL(uri), shadow.get(uri)!);
        s.client.notify('textDocument/didSave', { textDocument: { uri } });
        s.client.notify('textDocument/didClose', { textDocument: { uri } });
        open.delete(uri);
      }
    }
    for (const uri of uris) await checkRead(uri);
    const start = await s.client.request('strata/stats');
    console.log(`faults/memory: ${uris.length} documents; tiers warm ${start.tiers.warm.files} files, cold ${start.tiers.cold.files}, hot ${start.tiers.hot.files}`);
    assert.ok(start.tiers.cold.files > 0, 'some files are in the cold tier');
    assert.ok(start.tiers.warm.files > 0, 'some files are in the warm tier');

    for (let round = 0; round < ROUNDS; round++) {
      const report = await s.client.request('strata/debug/injectFaults', { seed: (seed + round) >>> 0, flips: FLIPS_PER_ROUND });
      figures.flips += report.injected.length;
      // Keep typing in the open documents: their edits append to journals the flips may have hit.
      for (const uri of open.keys()) if (rnd.next() < 0.5) edit(uri);
      for (const uri of uris) await checkRead(uri);
      for (let q = 0; q < 3; q++) await query(rnd.pick(uris));
    }
    assert.equal(figures.wrong, 0);
    assert.equal(figures.exact + figures.errors, figures.reads);
    const end = await s.client.request('strata/stats');
    // The flips were real: the cache found damage (and repaired what it could from fallbacks).
    assert.ok(end.integrity.crcFailures > 0, 'flips were detected');
    console.log(`faults/memory: cache integrity: ${end.integrity.crcFailures} failures detected, ${end.integrity.fallbacks} repaired from fallbacks`);
  });
});
