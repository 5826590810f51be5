/**
 * What the server asks of V8 so that its heap is no larger than what it holds: a young generation
 * kept at its initial size in the main thread (parser workers get a fixed, larger one: see below),
 * and a full collection when an index run is over.
 *
 * Young generation. V8 doubles a heap's semi-spaces (up to 16 MiB each on 64-bit: 32 MiB committed
 * and resident) whenever enough objects survive scavenges, and never shrinks them again in an idle
 * process (neither on a forced GC nor after idle seconds: measured with Node 20). Loading the server's
 * modules and one index run grow the main thread's new space to 32 MiB, which then stays resident for
 * the life of the server, although a request's young objects fit in a fraction of it. The size limit
 * (`--max-semi-space-size`) is read only when an isolate is created, i.e. from the command line, which
 * `node bin/strata.js --stdio` (the clients' contract) does not carry. The growth factor is read at
 * each growth decision: `--semi-space-growth-factor=1` makes growth a no-op. V8 raises that
 * process-wide factor back to 2 whenever it configures a new isolate's heap, so it is set again by
 * each parser worker as it starts and by the pool when the worker is online. Cost: more frequent,
 * smaller scavenges; survivors are promoted sooner (indexing time is compared in the bench, `lsp`).
 *
 * Parser workers are the exception: `startWorker` gives each a young generation fixed at
 * `WORKER_SEMI_SPACE_MB` semi-spaces (V8's own maximum on 64-bit, which a busy thread reaches anyway
 * when growth is allowed). A worker allocates the query matches, outline and names of every file it
 * analyses; with the main thread's 1 MiB semi-spaces it ran ~10 scavenges per MB of source and
 * promoted short-lived objects, which cost the pool on 2 cores a quarter more CPU than one thread
 * for the same files (measured: bench section `syntax`, pool part). The size is an isolate setting:
 * `--min-semi-space-size` is set while workers are starting (their heaps read it as they are
 * configured; the main thread's heap, configured long before, never does) and cleared once every
 * started worker is online; the worker's `resourceLimits` cap it at the same size, so the
 * process-wide growth factor does not matter for it. Cost: 2 × 16 MiB of new space per live worker
 * during indexing; workers end when idle (parserPool.ts), so a server's steady RSS does not change.
 *
 * Old generation of parser workers, when asked (`strata index`): a full collection whenever it has
 * grown by a slack since the last one (`boundOldGeneration`, called between jobs), since V8 lets a busy
 * heap hold several times its live size and a worker is never idle long enough to shrink.
 *
 * Full collection. An index run leaves garbage whose memory lives outside the JS heap: the file
 * buffers read and the messages exchanged with the workers are ArrayBuffers whose backing stores are
 * freed only when their (by then old-generation) objects are collected, i.e. at the next full GC —
 * which an idle server may not run for a long time. `collectGarbage()` runs one now (tens of ms on
 * the server's heap), through V8's `gc` extension enabled at run time.
 *
 * Neither changes what is kept or any answer: only when the collector runs.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Sets the growth factor (idempotent; call again after every new isolate is configured). */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

// Importing this module sets it: cli.ts imports it first, so that it holds while the rest of the
// server's modules are evaluated.
keepYoungGenerationSmall();

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
      resourceLimits: { ...options.resourceLimits, maxYoungGenerationSizeMb: YOUNG_GENERATION_PER_SEMI_SPACE * WORKER_SEMI_SPACE_MB },
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
  for (const s of getHeapSpaceStatistics()) if (s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space') n += s.space_used_size;
  return n;
}

/**
 * Returns a check to call between jobs of a busy worker: a full collection whenever the old
 * generation has grown by `slackBytes` since the last one, so the heap stays at what is live plus
 * `slackBytes`. Why: V8 lets a busy heap grow to a multiple of its live size before it runs a full
 * collection, and a worker never idles long enough for the memory reducer. A parser worker keeps
 * ≈ 10 MB live, but promoted garbage grew its heap to 90–135 MB over a two-minute `strata index`
 * run, so a tree ten times larger peaked 60–90 MB higher (RSS) than the tree itself. Cost: a forced
 * collection is not cheap (V8's helper threads mark and compact the whole heap, young generation
 * included): measured per pass of the pool bench, +6% CPU at 32 MiB, +10–35% at 16 MiB, +28% at 8 MiB.
 * So it is opt-in (ParserPool `oldGenerationSlackBytes`): `strata index`, judged by its peak, uses it.
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
