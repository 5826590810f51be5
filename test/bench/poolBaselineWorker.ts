/**
 * Bench only: the "one thread" of the parser-pool comparison (sections/syntax.ts, pool part). It is
 * started like a pool worker (v8Heap.ts `startWorker`: the same young generation and flags), loads
 * the same modules, and runs every job it is sent back to back with `runParseJob` in its own thread
 * dropping each result — the pool side drops them too. Nothing runs beside it: no messages per job,
 * no main-thread work, so it is the same work on one thread with the same heap settings.
 * Each message is a list of inputs; the reply is the wall milliseconds the list took in this thread.
 */
import { parentPort } from 'node:worker_threads';
import { runParseJob, type ParseInput } from '../../server/src/syntax/parseJob.js';

parentPort!.on('message', (inputs: ParseInput[]) => {
  void (async () => {
    const t0 = performance.now();
    for (const i of inputs) {
      await runParseJob(i);
    }
    parentPort!.postMessage(performance.now() - t0);
  })();
});
