/**
 * Where a parse job's time goes, stage by stage, so the indexing pipeline is tuned from figures
 * (`strata index --json` and `strata/stats` report the sums per language; the benchmark prints them).
 *
 * A clock is laps: `lap(stage)` charges the time since the previous lap (or `start`) to `stage`, so
 * consecutive stages add up to the job's time with no gap and no overlap. Times are the thread's wall
 * clock while it runs the job (`performance.now()`), which is its CPU time unless the machine has
 * fewer cores than busy threads. A pool sums its jobs' laps by language (`ParseStageTotals`).
 * Cost: one `performance.now()` per stage, nothing per node or per capture.
 * Plain data: a clock's `ms` travels back to the pool with the job's result.
 */

/**
 * The stages of a parse job, in the order they run: `read` (stat and read a file given by path),
 * `check` (the size/binary/UTF-8 gate and the decode), `setup` (loading the grammar and compiling its
 * query: once per worker and language), `parse`, `query` (the one query pass: definitions and
 * occurrences), `pack` (the outline and occurrences packed as plain data), `diagnostics` (the error
 * walk), `release` (the tree deleted), `wire` (the result packed for the way back).
 */
export const PARSE_STAGES = [
  'read', 'check', 'setup', 'parse', 'query', 'pack', 'diagnostics', 'release', 'wire',
] as const;
export type ParseStage = typeof PARSE_STAGES[number];

const STAGE_INDEX = new Map<ParseStage, number>(PARSE_STAGES.map((s, i) => [s, i]));

export class StageClock {
  /** Milliseconds per stage, in PARSE_STAGES order. */
  readonly ms = new Array<number>(PARSE_STAGES.length).fill(0);
  #last = performance.now();

  /** Starts the next lap now: time since the last lap is charged to no stage. */
  start(): void {
    this.#last = performance.now();
  }

  /** Charges the time since the last lap to `stage`. */
  lap(stage: ParseStage): void {
    const now = performance.now();
    this.ms[STAGE_INDEX.get(stage)!]! += now - this.#last;
    this.#last = now;
  }
}

/** One language's jobs, summed: how many, their source bytes and their milliseconds per stage. */
export interface ParseStageSums {
  files: number;
  bytes: number;
  ms: Record<ParseStage, number>;
}

/** Parse jobs' laps summed by language (what a pool reports). */
export class ParseStageTotals {
  readonly #byLanguage = new Map<string, { files: number; bytes: number; ms: number[] }>();

  add(language: string, bytes: number, ms: readonly number[]): void {
    let sums = this.#byLanguage.get(language);
    if (!sums) {
      sums = { files: 0, bytes: 0, ms: new Array<number>(PARSE_STAGES.length).fill(0) };
      this.#byLanguage.set(language, sums);
    }
    sums.files++;
    sums.bytes += bytes;
    for (let i = 0; i < PARSE_STAGES.length; i++) sums.ms[i]! += ms[i] ?? 0;
  }

  /** By language, in first-seen order; milliseconds rounded to 0.1. */
  snapshot(): Record<string, ParseStageSums> {
    const out: Record<string, ParseStageSums> = {};
    for (const [language, s] of this.#byLanguage) {
      const ms = {} as Record<ParseStage, number>;
      PARSE_STAGES.forEach((stage, i) => { ms[stage] = Math.round(s.ms[i]! * 10) / 10; });
      out[language] = { files: s.files, bytes: s.bytes, ms };
    }
    return out;
  }
}
