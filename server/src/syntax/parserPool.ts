/**
 * A pool of parser worker threads for bulk parsing (indexing).
 *
 * Up to N workers (default: `defaultWorkerCount` of the cores; `resize` changes N), each with its own web-tree-sitter
 * and wasm heap, fed from one FIFO queue. The pool starts with one worker and grows with the work: another worker
 * starts only when a job would wait and the work sent so far (`growBytes` per worker running) pays for its start-up
 * (its thread, runtime, grammars and queries), so a small tree is parsed by one worker and a large one soon by all N.
 * Each is sent up to `inFlight` jobs and runs them in order, so its next job is already there when it posts a result
 * and it does not idle while the main thread gets a core. Results are plain data (parseJob.ts), packed for the way back
 * (outcomeWire.ts). A wasm heap returns memory only when its thread ends, so a worker that has parsed `recycleBytes` is
 * replaced; its next job goes back to the head of the queue. A worker that dies has its running job (its oldest
 * unanswered one) and its unstarted jobs put back; a job that kills two workers is answered 'worker-crash'.
 * Guarantees: every `parse` promise settles with an outcome (never rejected for a bad file or a
 * crash, only after `close()`); fileCheck.ts's gate applies; `stats()` sums the workers' tree counts,
 * including retired ones.
 * Concurrency: main thread only; workers share nothing with it but messages.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { DEFAULT_MAX_FILE_BYTES } from './fileCheck.js';
import { unpackOutcome } from './outcomeWire.js';
import type { ParseInput, ParseOutcome } from './parseJob.js';
import type { WorkerConfig, WorkerJob, WorkerReply } from './parseWorker.js';
import type { TreeCounts } from './trees.js';
import { ParseStageTotals, type ParseStageSums } from './stageClock.js';
import { startWorker } from './v8Heap.js';

/**
 * The pool's size when nobody chose one: every core on a machine with two or fewer, else one fewer. The
 * server answers the editor's requests on its main thread while it indexes, and a core kept free for it
 * keeps those answers prompt; with one or two cores, leaving one idle would halve the indexing instead.
 */
export function defaultWorkerCount(cores: number): number {
  return Math.max(1, cores > 2 ? cores - 1 : cores);
}

export interface ParserPoolOptions {
  /** The most workers run at once (default: `defaultWorkerCount` of the cores). */
  size?: number;
  /** Retire a worker once it has parsed this many bytes (default 256 MB). */
  recycleBytes?: number;
  /**
   * End a worker that has had nothing to do for this long (default 30 s). Its wasm heap grew with
   * the largest files it parsed and only an ended thread gives that memory back; but a new worker
   * pays for each language again (a grammar's load, and its query's compilation: C's and C++'s take
   * a tenth to half a second), so a pause in the editing must not end it.
   */
  idleMs?: number;
  maxFileBytes?: number;
  /**
   * Old-generation garbage a worker may hold before it runs a full collection between jobs
   * (v8Heap.ts `boundOldGeneration`); default: none, V8 decides. A run judged by its peak memory
   * (`strata index`) sets it; each collection costs the worker CPU (docs/decisions.md).
   */
  oldGenerationSlackBytes?: number;
  /** Jobs sent to a worker before it answers (default 2; 1 = the next job only after a result). */
  inFlight?: number;
  /**
   * Work, in source bytes, that each running worker must have been sent before another one starts
   * (default GROW_BYTES). A job given by path counts as `growBytes`, its size being unknown.
   */
  growBytes?: number;
  /** Test only: a job whose path ends with `crashOn` kills its worker on its first `crashTimes` attempts. */
  crashOn?: string;
  crashTimes?: number;
}

export interface PoolStats {
  workers: number;
  /** Workers retired after reaching recycleBytes. */
  recycled: number;
  /** Workers ended after `idleMs` without work. */
  idleRetired: number;
  crashes: number;
  parsedBytes: number;
  trees: TreeCounts;
  /** Latest reported wasm-heap bytes of the live workers. */
  heapBytes: number;
  /** Largest latest reported new space (young generation) of the live workers (v8Heap.ts). */
  newSpaceBytes: number;
  /** Grammars loaded, summed over the workers (a worker loads one when it first parses its language). */
  grammarLoads: number;
  /** Every answered job's milliseconds per stage, summed by language (stageClock.ts). */
  stages: Record<string, ParseStageSums>;
}

interface Task {
  id: number;
  input: ParseInput;
  attempts: number;
  resolve: (o: ParseOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  idleTimer: NodeJS.Timeout | undefined;
  /** Jobs sent and not answered, in the order sent (= the order the worker runs them). */
  tasks: Task[];
  parsedBytes: number;
  trees: TreeCounts;
  heapBytes: number;
  newSpaceBytes: number;
  grammarLoads: number;
  retiring: boolean;
}

const MAX_ATTEMPTS = 2;
/**
 * Default `growBytes`: about what a new worker's start-up costs, in source parsed, so a pool never
 * spends on start-ups more than it has parsed (docs/decisions.md).
 */
const GROW_BYTES = 256 * 1024;

export class ParserPool {
  #size: number;
  readonly #recycleBytes: number;
  readonly #idleMs: number;
  readonly #inFlight: number;
  readonly #growBytes: number;
  /** Source bytes of every job given to `parse`, for the growth rule. */
  #submittedBytes = 0;
  #idleRetired = 0;
  readonly #config: WorkerConfig;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  #recycled = 0;
  #crashes = 0;
  #retired = { parsedBytes: 0, created: 0, deleted: 0, grammarLoads: 0 };
  readonly #stages = new ParseStageTotals();

  constructor(o: ParserPoolOptions = {}) {
    this.#size = Math.max(1, o.size ?? defaultWorkerCount(availableParallelism()));
    this.#recycleBytes = o.recycleBytes ?? 256 * 1024 * 1024;
    this.#idleMs = o.idleMs ?? 30_000;
    this.#inFlight = Math.max(1, o.inFlight ?? 2);
    this.#growBytes = Math.max(1, o.growBytes ?? GROW_BYTES);
    this.#config = {
      maxFileBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      ...(o.oldGenerationSlackBytes !== undefined ? { oldGenerationSlackBytes: o.oldGenerationSlackBytes } : {}),
      ...(o.crashOn !== undefined ? { crashOn: o.crashOn, crashTimes: o.crashTimes ?? Infinity } : {}),
    };
  }

  /** The most workers this pool runs at once. */
  get size(): number {
    return this.#size;
  }

  /**
   * Sets the most workers run at once. Growth obeys a new size at once; workers above a smaller size
   * are not stopped, but none replaces them once they end (idle, recycled or `endIdleWorkers`).
   */
  resize(size: number): void {
    this.#size = Math.max(1, size);
  }

  parse(input: ParseInput): Promise<ParseOutcome> {
    if (this.#closed) return Promise.reject(new Error('strata: parser pool is closed'));
    this.#submittedBytes += input.bytes?.length ?? this.#growBytes;
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, input, attempts: 0, resolve, reject });
      this.#pump();
    });
  }

  stats(): PoolStats {
    let parsedBytes = this.#retired.parsedBytes;
    let created = this.#retired.created;
    let deleted = this.#retired.deleted;
    let grammarLoads = this.#retired.grammarLoads;
    let heapBytes = 0;
    let newSpaceBytes = 0;
    for (const s of this.#slots) {
      parsedBytes += s.parsedBytes;
      created += s.trees.created;
      deleted += s.trees.deleted;
      grammarLoads += s.grammarLoads;
      heapBytes += s.heapBytes;
      newSpaceBytes = Math.max(newSpaceBytes, s.newSpaceBytes);
    }
    return {
      workers: this.#slots.size, recycled: this.#recycled, idleRetired: this.#idleRetired, crashes: this.#crashes,
      parsedBytes, trees: { live: created - deleted, created, deleted }, heapBytes, newSpaceBytes, grammarLoads,
      stages: this.#stages.snapshot(),
    };
  }

  /** Ends every worker that has no job now (e.g. when an index run is over), keeping their counts. */
  async endIdleWorkers(): Promise<void> {
    const ending: Promise<number>[] = [];
    for (const slot of [...this.#slots]) {
      if (slot.tasks.length > 0 || slot.retiring) continue;
      this.#idleRetired++;
      this.#retire(slot);
      ending.push(slot.worker.terminate());
    }
    // Resolves once the threads are gone, and with them their heaps.
    await Promise.all(ending);
  }

  /** Ends every worker; queued and running jobs are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#queue.splice(0)) t.reject(new Error('strata: parser pool closed'));
    const slots = [...this.#slots];
    for (const s of slots) {
      for (const t of s.tasks.splice(0)) t.reject(new Error('strata: parser pool closed'));
      this.#retire(s);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      // The least loaded worker; a new worker rather than a second job for a busy one, once the work
      // pays for it.
      let slot: Slot | undefined;
      for (const s of this.#slots) if (!s.retiring && (!slot || s.tasks.length < slot.tasks.length)) slot = s;
      if (!slot || (slot.tasks.length > 0 && this.#mayGrow())) slot = this.#spawn();
      else if (slot.tasks.length >= this.#inFlight) return;
      const task = this.#queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.tasks.push(task);
      task.attempts++;
      const job: WorkerJob = { id: task.id, input: task.input, attempt: task.attempts };
      slot.worker.postMessage(job);
    }
  }

  /** Whether another worker may start: below the size, and `growBytes` of work per running worker. */
  #mayGrow(): boolean {
    const running = this.#slots.size;
    return running < this.#size && this.#submittedBytes >= running * this.#growBytes;
  }

  #spawn(): Slot {
    // Its own young generation, fixed and larger than this thread's (v8Heap.ts).
    const worker = startWorker(new URL('./parseWorker.js', import.meta.url), { workerData: this.#config });
    const slot: Slot = {
      worker, idleTimer: undefined, tasks: [], parsedBytes: 0, trees: { live: 0, created: 0, deleted: 0 },
      heapBytes: 0, newSpaceBytes: 0, grammarLoads: 0, retiring: false,
    };
    this.#slots.add(slot);
    worker.on('message', (r: WorkerReply) => this.#onReply(slot, r));
    // 'error' is followed by 'exit'; recovery happens once, on exit.
    worker.on('error', () => {});
    worker.on('exit', () => this.#onExit(slot));
    return slot;
  }

  #onReply(slot: Slot, r: WorkerReply): void {
    const at = slot.tasks.findIndex((t) => t.id === r.id);
    const task = at >= 0 ? slot.tasks.splice(at, 1)[0] : undefined;
    if (slot.retiring) {
      // A retired worker may finish the job it was sent next before `terminate` takes effect: that
      // result is served, and its counts join the retired totals (taken at #retire).
      this.#retired.parsedBytes += r.parsedBytes - slot.parsedBytes;
      this.#retired.created += r.trees.created - slot.trees.created;
      this.#retired.deleted += r.trees.deleted - slot.trees.deleted;
      this.#retired.grammarLoads += r.grammarLoads - slot.grammarLoads;
    }
    slot.parsedBytes = r.parsedBytes;
    slot.trees = r.trees;
    slot.heapBytes = r.heapBytes;
    slot.newSpaceBytes = r.newSpaceBytes;
    slot.grammarLoads = r.grammarLoads;
    this.#stages.add(r.outcome.outcome.lang, r.outcome.outcome.bytes, r.stageMs);
    task?.resolve(unpackOutcome(r.outcome));
    if (slot.parsedBytes >= this.#recycleBytes && !slot.retiring) {
      this.#recycled++;
      this.#retire(slot);
      // The jobs it was sent next and has not answered go back (#onExit).
      void slot.worker.terminate();
    }
    this.#pump();
    if (slot.tasks.length === 0 && !slot.retiring) this.#armIdleTimer(slot);
  }

  #armIdleTimer(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.tasks.length > 0 || slot.retiring || this.#closed) return;
      this.#idleRetired++;
      this.#retire(slot);
      void slot.worker.terminate();
    }, this.#idleMs);
    // An idle timer must not keep the process alive (`strata index` exits when its work is done).
    slot.idleTimer.unref();
  }

  /** Takes a slot out of service, keeping its counts. */
  #retire(slot: Slot): void {
    if (slot.retiring) return;
    slot.retiring = true;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    this.#slots.delete(slot);
    this.#retired.parsedBytes += slot.parsedBytes;
    this.#retired.created += slot.trees.created;
    this.#retired.deleted += slot.trees.deleted;
    this.#retired.grammarLoads += slot.grammarLoads;
  }

  #onExit(slot: Slot): void {
    const tasks = slot.tasks.splice(0);
    const crashed = !slot.retiring;
    if (crashed) {
      this.#crashes++;
      this.#retire(slot);
    }
    if (tasks.length > 0 && !this.#closed) {
      // Only a crash blames a job, and only the one running: the oldest unanswered.
      const blamed = crashed ? tasks.shift()! : undefined;
      for (const t of tasks) t.attempts--;
      const back = [...tasks];
      if (blamed && blamed.attempts >= MAX_ATTEMPTS) {
        blamed.resolve({
          lang: blamed.input.lang, bytes: blamed.input.bytes?.length ?? 0, reason: 'worker-crash',
          ...(blamed.input.path !== undefined ? { path: blamed.input.path } : {}),
        });
      } else if (blamed) back.unshift(blamed);
      this.#queue.unshift(...back);
    }
    if (!this.#closed) this.#pump();
  }
}
