/**
 * What the server asks of V8 so its heap is no larger than what it holds. Changes only when the
 * collector runs, never what is kept or any answer.
 * - Main thread: young generation kept at its initial size (`keepYoungGenerationSmall`, set as this
 *   module loads and again after each worker starts), because V8 grows semi-spaces under load and
 *   never shrinks them, and the clients' launch line cannot carry `--max-semi-space-size`.
 * - Every thread's old generation grows by OLD_GENERATION_GROWTH_PERCENT past what the last full
 *   collection kept, not by V8's factor of up to 4 for a heap that grows fast: loading a snapshot
 *   allocates hundreds of MB that die at once, and V8 let them set the server's peak.
 * - Parser workers (`startWorker`): a young generation fixed at WORKER_SEMI_SPACE_MB, because a worker
 *   allocates every file's matches and names, and small semi-spaces promote them and cost it CPU
 *   (docs/decisions.md). Workers end when idle, so a server's steady memory does not change.
 * - Old generation of a busy worker, when asked (`boundOldGeneration`, `strata index`).
 * - `collectGarbage()`: one full collection when an index run ends, because buffers exchanged with
 *   workers are freed only then, and an idle server may not collect for a long time.
 * Concurrency: the growth flag is process-wide and reset by V8 whenever an isolate is configured,
 * hence set again; `--min-semi-space-size` is set only while workers are starting.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Sets the growth factor (idempotent; call again after every new isolate is configured). */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * How far (%) an old generation may grow past what the last full collection kept before the next one.
 * V8 picks 10–300% from its collector's speed; 20 keeps a fast-growing heap near its live size at a
 * cost the benchmark does not see (docs/decisions.md). Process-wide and read at every collection.
 */
export const OLD_GENERATION_GROWTH_PERCENT = 20;

// Importing this module sets both: cli.ts imports it first, so that they hold while the rest of the
// server's modules are evaluated.
keepYoungGenerationSmall();
setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);

/** Semi-space size of a parser worker's young generation, fixed for its life (MiB). */
export const WORKER_SEMI_SPACE_MB = 16;
/** V8 sizes a young generation as two semi-spaces plus a new large-object space of one more. */
const YOUNG_GENERATION_PER_SEMI_SPACE = 3;

/** Workers created and not yet online: `--min-semi-space-size` stays set while there are any. */
let starting = 0;

/**
 * Starts a worker thread with the parser workers' young generation (`WORKER_SEMI_SPACE_MB`, fixed),
 * and keeps this thread's young generation as it was (the growth factor is set again once the
 * worker's heap exists).
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (starting++ === 0) setFlagsFromString(`--min-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
  let worker: Worker;
  try {
    worker = new Worker(url, {
      ...options,
      resourceLimits: {
        ...options.resourceLimits,
        maxYoungGenerationSizeMb: YOUNG_GENERATION_PER_SEMI_SPACE * WORKER_SEMI_SPACE_MB,
      },
    });
  } catch (e) {
    started();
    throw e;
  }
  let done = false;
  const onStarted = (): void => {
    if (done) return;
    done = true;
    started();
  };
  // Online: its heap has been configured. Exit before online: it never will be.
  worker.once('online', onStarted);
  worker.once('exit', onStarted);
  return worker;
}

function started(): void {
  // Configuring the new heap reset the growth factor for every thread.
  keepYoungGenerationSmall();
  if (--starting === 0) setFlagsFromString('--min-semi-space-size=0');
}


/** Bytes in use in this thread's heap outside the young generation. */
function oldGenerationUsed(): number {
  let n = 0;
  for (const s of getHeapSpaceStatistics())
    if (s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space') n += s.space_used_size;
  return n;
}

/**
 * Returns a check to call between jobs of a busy worker: a full collection whenever the old
 * generation has grown by `slackBytes` since the last one, so the heap stays at what is live plus
 * `slackBytes`. Why: V8 lets a busy heap grow to a multiple of its live size before it runs a full
 * collection, and a worker never idles long enough for the memory reducer, so promoted garbage
 * would set the peak of `strata index`. A forced collection costs CPU (it marks and compacts the
 * whole heap; docs/decisions.md), so it is opt-in (ParserPool `oldGenerationSlackBytes`):
 * `strata index`, judged by its peak, uses it.
 */
export function boundOldGeneration(slackBytes: number): () => void {
  let floor = oldGenerationUsed();
  return () => {
    if (oldGenerationUsed() <= floor + slackBytes) return;
    collectGarbage();
    floor = oldGenerationUsed();
  };
}

let gc: (() => void) | undefined;

/** A full, synchronous garbage collection of this thread's heap. */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
