/**
 * The automatic size of the server's parser pool (`strata.indexing.workers` = 0): every core on a
 * machine with two or fewer, one fewer above that, the one left for the editor's requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkerCount } from '../../../server/src/syntax/parserPool.js';

test('every core up to two; above that, one core is left for the editor', () => {
  const byCores = [1, 2, 3, 8, 64].map((cores) => [cores, defaultWorkerCount(cores)]);
  assert.deepEqual(byCores, [[1, 1], [2, 2], [3, 2], [8, 7], [64, 63]]);
});
