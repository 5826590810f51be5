/**
 * A pool of parser worker threads for bulk parsing (indexing).
 *
 * Design: N workers (default: the number of cores), each with its own web-tree-sitter and wasm heap,
 * each running one job at a time from a shared FIFO queue. Results are plain data (parseJob.ts),
 * never trees. Because a wasm heap only returns memory to the system when its thread ends, a worker
 * that has parsed `recycleBytes` (default 256 MB) is retired after its current job and replaced by
 * a fresh one. A worker that dies (crash, out of memory) has its job put back at the head of the
 * queue on a fresh worker; a job that kills two workers is answered with reason 'worker-crash'.
 * Guarantees: every `parse` promise settles with an outcome (never rejected for a bad file or a
 * crash, only after `close()`); per-file cap and binary/UTF-8 checks apply (fileCheck.ts);
 * `stats()` sums the workers' tree counts, including retired ones.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MAX_FILE_BYTES } from './fileCheck.js';
import type { ParseInput, ParseOutcome } from './parseJob.js';
import type { WorkerJob, WorkerReply } from './parseWorker.js';
import type { TreeCounts } from './trees.js';

export interface ParserPoolOptions {
  size?: number;
  /** Retire a worker once it has parsed this many bytes (default 256 MB). */
  recycleBytes?: number;
  /**
   * End a worker that has had nothing to do for this long (default 3 s). Its wasm heap grew with
   * the largest files it parsed and only an ended thread gives that memory back; a new worker
   * starts on demand (loading a grammar takes milliseconds), so idle memory is not kept for it.
   */
  idleMs?: number;
  maxFileBytes?: number;
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
  task: Task | undefined;
  parsedBytes: number;
  trees: TreeCounts;
  heapBytes: number;
  retiring: boolean;
}

const MAX_ATTEMPTS = 2;

export class ParserPool {
  readonly #size: number;
  readonly #recycleBytes: number;
  readonly #idleMs: number;
  #idleRetired = 0;
  readonly #config: { maxFileBytes: number; crashOn?: string; crashTimes?: number };
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  #recycled = 0;
  #crashes = 0;
  #retired = { parsedBytes: 0, created: 0, deleted: 0 };

  constructor(o: ParserPoolOptions = {}) {
    this.#size = Math.max(1, o.size ?? availableParallelism());
    this.#recycleBytes = o.recycleBytes ?? 256 * 1024 * 1024;
    this.#idleMs = o.idleMs ?? 3000;
    this.#config = { maxFileBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, ...(o.crashOn !== undefined ? { crashOn: o.crashOn, crashTimes: o.crashTimes ?? Infinity } : {}) };
  }

  get size(): number {
    return this.#size;
  }

  parse(input: ParseInput): Promise<ParseOutcome> {
    if (this.#closed) return Promise.reject(new Error('strata: parser pool is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, input, attempts: 0, resolve, reject });
      this.#pump();
    });
  }

  parseAll(inputs: readonly ParseInput[]): Promise<ParseOutcome[]> {
    return Promise.all(inputs.map((i) => this.parse(i)));
  }

  stats(): PoolStats {
    let parsedBytes = this.#retired.parsedBytes;
    let created = this.#retired.created;
    let deleted = this.#retired.deleted;
    let heapBytes = 0;
    for (const s of this.#slots) {
      parsedBytes += s.parsedBytes;
      created += s.trees.created;
      deleted += s.trees.deleted;
      heapBytes += s.heapBytes;
    }
    return {
      workers: this.#slots.size, recycled: this.#recycled, idleRetired: this.#idleRetired, crashes: this.#crashes, parsedBytes,
      trees: { live: created - deleted, created, deleted }, heapBytes,
    };
  }

  /** Ends every worker that has no job now (e.g. when an index run is over), keeping their counts. */
  async endIdleWorkers(): Promise<void> {
    const ending: Promise<number>[] = [];
    for (const slot of [...this.#slots]) {
      if (slot.task || slot.retiring) continue;
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
      s.task?.reject(new Error('strata: parser pool closed'));
      s.task = undefined;
      this.#retire(s);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.#slots) if (!s.task && !s.retiring) { slot = s; break; }
      if (!slot) {
        if (this.#slots.size >= this.#size) return;
        slot = this.#spawn();
      }
      const task = this.#queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.task = task;
      task.attempts++;
      const job: WorkerJob = { id: task.id, input: task.input, attempt: task.attempts };
      slot.worker.postMessage(job);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(new URL('./parseWorker.js', import.meta.url), { workerData: this.#config });
    const slot: Slot = { worker, idleTimer: undefined, task: undefined, parsedBytes: 0, trees: { live: 0, created: 0, deleted: 0 }, heapBytes: 0, retiring: false };
    this.#slots.add(slot);
    worker.on('message', (r: WorkerReply) => this.#onReply(slot, r));
    // 'error' is followed by 'exit'; recovery happens once, on exit.
    worker.on('error', () => {});
    worker.on('exit', () => this.#onExit(slot));
    return slot;
  }

  #onReply(slot: Slot, r: WorkerReply): void {
    const task = slot.task;
    slot.task = undefined;
    slot.parsedBytes = r.parsedBytes;
    slot.trees = r.trees;
    slot.heapBytes = r.heapBytes;
    if (task && task.id === r.id) task.resolve(r.outcome);
    if (slot.parsedBytes >= this.#recycleBytes) {
      this.#recycled++;
      this.#retire(slot);
      void slot.worker.terminate();
    }
    this.#pump();
    if (!slot.task && !slot.retiring) this.#armIdleTimer(slot);
  }

  #armIdleTimer(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.task || slot.retiring || this.#closed) return;
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
  }

  #onExit(slot: Slot): void {
    const task = slot.task;
    slot.task = undefined;
    if (!slot.retiring) {
      this.#crashes++;
      this.#retire(slot);
    }
    if (task && !this.#closed) {
      if (task.attempts >= MAX_ATTEMPTS) {
        task.resolve({ lang: task.input.lang, bytes: task.input.bytes?.length ?? 0, reason: 'worker-crash', ...(task.input.path !== undefined ? { path: task.input.path } : {}) });
      } else this.#queue.unshift(task);
    }
    if (!this.#closed) this.#pump();
  }
}
