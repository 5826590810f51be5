/**
 * Helpers for the tree-cost tests (treeCostJs/treeCostTs.test.ts). The tree-cost estimate stays honest: parse and keep real files, and compare the summed estimate
 * with the measured wasm-heap growth. The heap grows in steps (≈20%), so the measurement is taken
 * at growth events, where the heap in use is just above the size before the step; the slope
 * between the first and last event is compared with the estimate over the same trees (±25%).
 * Each language runs in its own test file, i.e. its own process and fresh wasm heap.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parserFor } from '../../../server/src/syntax/parsers.js';
import { estimateTreeBytes } from '../../../server/src/syntax/treeCost.js';
import { TreeLedger, type OwnedTree } from '../../../server/src/syntax/trees.js';
import type { LanguageName } from '../../../server/src/syntax/languages.js';

export function filesUnder(dir: string, ext: string, limitBytes: number): string[] {
  const out: string[] = [];
  let total = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (total >= limitBytes) return;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith(ext) && st.size > 2000 && st.size < 300_000) {
        out.push(p);
        total += st.size;
      }
    }
  };
  walk(dir);
  return out;
}

export async function measure(lang: LanguageName, files: string[]): Promise<{ measured: number; estimated: number; events: number }> {
  const parser = await parserFor(lang);
  const ledger = new TreeLedger();
  const kept: OwnedTree[] = [];
  let estimate = 0;
  let heap = process.memoryUsage().external;
  const events: { estimate: number; heap: number }[] = [];
  for (const f of files) {
    const t = ledger.parse(parser, readFileSync(f, 'utf8'), lang);
    const now = process.memoryUsage().external;
    if (now !== heap) {
      // the heap just grew: what was in use before this tree ≈ the old heap size
      events.push({ estimate, heap });
      heap = now;
    }
    kept.push(t);
    estimate += estimateTreeBytes(t);
  }
  for (const t of kept) t.release();
  assert.equal(ledger.counts().live, 0);
  assert.ok(events.length >= 4, `enough growth events (${events.length})`);
  const a = events[1]!;
  const b = events[events.length - 1]!;
  return { measured: b.heap - a.heap, estimated: b.estimate - a.estimate, events: events.length };
}
