/** Every input through the pool at once, the outcomes in input order (only tests and the benchmark do this). */
import type { ParseInput, ParseOutcome } from '../../../server/src/syntax/parseJob.js';
import type { ParserPool } from '../../../server/src/syntax/parserPool.js';

export function parseAll(pool: ParserPool, inputs: readonly ParseInput[]): Promise<ParseOutcome[]> {
  return Promise.all(inputs.map((i) => pool.parse(i)));
}
