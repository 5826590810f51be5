/**
 * The time budget of one analysis pass over a tree: the one place that decides how long a query
 * may run before it is cut.
 *
 * Why: tree-sitter's query cursor is quadratic over very wide nodes. 100 000 nested parentheses in
 * JavaScript parse into ~200 000 siblings under one ERROR node, and the tags query over them took
 * ~110 s; 100 000 nested JSON brackets with an edit in the middle took 51 s for the query alone
 * (the parse 21 ms, folds 32 ms, diagnostics 0 ms). That blocked the server's main thread and
 * every request behind it. The cursor asks a progress callback every ~100 operations whether to
 * stop (web-tree-sitter `QueryOptions.progressCallback`, true = stop); `progress` answers true once
 * the deadline has passed, and from then on for every later call of the same pass.
 *
 * The figure: BUDGET_FLOOR_MS + BUDGET_MS_PER_KIB per KiB of text. Real files need far less —
 * measured (collectTags with references, worst of 3 on a shared 2-core machine, many helpers
 * running): opGen.go 1 MB 462 ms, rewriteAMD64.go 0.9 MB 280 ms, tree-sitter-javascript's
 * parser.c 2.8 MB 736 ms (≈0.26 ms per KiB), uninames.h 2.8 MB 428 ms, typescript.d.ts 0.6 MB
 * 187 ms, typescript.js 8.7 MB (above the default tree cap) 2.3 s. The slowest rate is opGen.go's
 * under load, 0.45 ms per KiB (0.14 quiet). With the floor every real file gets ≥ 4× its worst
 * time: opGen.go 3 s (6.5×), parser.c 4.7 s (6.4×), typescript.js 10.7 s (4.6×). At the default
 * tree cap (2 MiB) no pass blocks a thread longer than ~4 s; the pathological files above
 * (200 KB) are cut at ~2.2 s.
 * A file whose previous pass was cut (the caller knows: it logged it) gets the per-KiB term only,
 * with a 100 ms floor: each request on a pathological file would otherwise block for the whole floor
 * again (the fuzzer's round with an open, a documentSymbol and edits queued ~9 s of cut passes
 * before the next request), while a real file that was cut once by a stalled machine still gets ≥ 2×
 * its worst (opGen.go: 1.1 s against 0.46 s) and recovers (a complete pass clears the mark).
 *
 * Guarantee: a cut pass is reported as plain data (`Incomplete`), never as an exception: callers
 * serve what was found, flag it, and log it. A pass never runs past its deadline by more than one
 * progress interval plus the JS work on the matches already found.
 */
import type { Incomplete } from '../types.js';

export type { Incomplete };

/** Milliseconds any pass may take, whatever the file's size. */
export const BUDGET_FLOOR_MS = 2000;
/** Added per KiB (1024 UTF-16 units) of text, so the margin over real files holds at every size. */
export const BUDGET_MS_PER_KIB = 1;


/** Floor of a repeat pass over a file whose previous pass was cut (see header). */
const REPEAT_FLOOR_MS = 100;

/** The budget of one pass over a text of `textUnits` UTF-16 units (`cutBefore`: its previous pass was cut). */
export function budgetMsFor(textUnits: number, cutBefore = false): number {
  return (cutBefore ? REPEAT_FLOOR_MS : BUDGET_FLOOR_MS) + Math.ceil(textUnits / 1024) * BUDGET_MS_PER_KIB;
}

/** One pass's clock. Create it when the pass starts; pass `progress` to every query call of it. */
export class PassBudget {
  readonly budgetMs: number;
  readonly #start = performance.now();
  readonly #deadline: number;
  #cut = false;

  constructor(budgetMs: number) {
    this.budgetMs = budgetMs;
    this.#deadline = this.#start + budgetMs;
  }

  /** True once the pass has been cut (it stays cut). */
  get cut(): boolean {
    return this.#cut;
  }

  /** For `QueryOptions.progressCallback`: true stops the query (and every later call of this pass). */
  readonly progress = (): boolean => {
    if (!this.#cut && performance.now() > this.#deadline) this.#cut = true;
    return this.#cut;
  };

  /** The plain-data flag when the pass was cut, else undefined. */
  incomplete(stage: Incomplete['stage']): Incomplete | undefined {
    if (!this.#cut) return undefined;
    return { stage, afterMs: Math.round(performance.now() - this.#start), budgetMs: this.budgetMs };
  }
}

/** The one log line / diagnostic message for a cut pass. */
export function incompleteMessage(i: Incomplete): string {
  return `outline incomplete: the ${i.stage} stopped after ${i.afterMs} ms (budget ${i.budgetMs} ms) on a pathologically nested file; symbols found so far are served`;
}
