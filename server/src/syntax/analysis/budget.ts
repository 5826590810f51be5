/**
 * The time budget of one analysis pass over a tree: the one place that decides how long a query may
 * run before it is cut.
 * Why: tree-sitter's query cursor is quadratic over very wide nodes (deeply nested brackets parse into
 * huge sibling lists), and a pass over them would block its thread and every request behind it. The
 * cursor asks `progress` regularly (web-tree-sitter `QueryOptions.progressCallback`); it answers stop
 * once the deadline has passed, and for every later call of the pass.
 * The budget is BUDGET_FLOOR_MS + BUDGET_MS_PER_KIB per KiB, with a wide margin over the slowest real
 * files seen (docs/decisions.md). A file whose previous pass was cut gets the per-KiB term over a
 * smaller floor, so a pathological file does not block for the whole floor on every request, while a
 * real file cut once by a stalled machine still recovers (a complete pass clears the mark).
 * Guarantee: a cut pass is reported as plain data (`Incomplete`), never thrown; callers serve what
 * was found, flag it and log it. A pass overruns its deadline by at most one progress interval plus
 * the JS work on matches already found. Concurrency: per pass; no shared state.
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
  return `outline incomplete: the ${i.stage} stopped after ${i.afterMs} ms (budget ${i.budgetMs} ms) `
    + 'on a pathologically nested file; symbols found so far are served';
}
