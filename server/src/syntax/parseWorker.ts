/**
 * Entry of a parser pool worker: runs parse jobs one at a time, in the order received, and posts back
 * plain results with this thread's counters (bytes parsed, trees, wasm-heap size) so the pool can
 * decide to recycle it.
 * Each worker thread has its own web-tree-sitter runtime and wasm heap (grammars.ts is per thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadedGrammars } from './grammars.js';
import { packOutcome, type PackedOutcome } from './outcomeWire.js';
import { runParseJob, type ParseInput } from './parseJob.js';
import { StageClock } from './stageClock.js';
import { threadLedger } from './trees.js';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
// This thread's heap has just been configured, which reset V8's process-wide young-generation
// growth flag; importing v8Heap.ts (evaluated anew in each thread) sets it again at once, for the
// main thread's sake (this thread's young generation is fixed by v8Heap.ts's startWorker).
import { boundOldGeneration } from './v8Heap.js';

export interface WorkerJob {
  id: number;
  input: ParseInput;
  /** 1 for the first try; a job is retried once after its worker died. */
  attempt: number;
}

export interface WorkerReply {
  id: number;
  /** The outcome, packed for the way back (outcomeWire.ts). */
  outcome: PackedOutcome;
  parsedBytes: number;
  trees: ReturnType<typeof threadLedger.counts>;
  /**
   * This thread's external memory (its wasm heap, which never shrinks). Read from V8's heap
   * statistics: `process.memoryUsage()` also reads the process's RSS from /proc, per job.
   */
  heapBytes: number;
  /** This thread's new space (its young generation's semi-spaces). */
  newSpaceBytes: number;
  /** Grammars this thread has loaded (grammars.ts loads one per language, on first use). */
  grammarLoads: number;
  /** This job's milliseconds per stage (stageClock.ts, PARSE_STAGES order). */
  stageMs: number[];
}

export interface WorkerConfig {
  maxFileBytes: number;
  /** A full collection between jobs once the old generation has grown by this much (none when absent). */
  oldGenerationSlackBytes?: number;
  /** Test hook: a job whose path ends with `crashOn` kills the worker on its first `crashTimes` attempts. */
  crashOn?: string;
  crashTimes?: number;
}

const config = workerData as WorkerConfig;
let parsedBytes = 0;
const collectWhenGrown = config.oldGenerationSlackBytes !== undefined
  ? boundOldGeneration(config.oldGenerationSlackBytes)
  : () => {};

// The pool may send the next job before this one is answered: run them strictly in the order they
// came, one at a time, so the pool knows which job was running if this thread dies.
const queue: WorkerJob[] = [];
let running = false;

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

async function run(job: WorkerJob): Promise<void> {
  if (config.crashOn !== undefined && job.input.path?.endsWith(config.crashOn)
    && job.attempt <= (config.crashTimes ?? 0)) process.exit(70);
  const clock = new StageClock();
  const outcome = await runParseJob(job.input, config.maxFileBytes, clock);
  if (outcome.analysis) parsedBytes += outcome.bytes;
  const { message, transfer } = packOutcome(outcome);
  clock.lap('wire');
  const reply: WorkerReply = {
    id: job.id, outcome: message, parsedBytes, trees: threadLedger.counts(),
    heapBytes: getHeapStatistics().external_memory, newSpaceBytes: newSpaceBytes(), grammarLoads: loadedGrammars(),
    stageMs: clock.ms,
  };
  parentPort!.postMessage(reply, transfer);
  // After the reply, so the collection does not delay it.
  collectWhenGrown();
}

parentPort!.on('message', (job: WorkerJob) => {
  queue.push(job);
  if (running) return;
  running = true;
  void (async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await run(next);
    running = false;
  })();
});
