/**
 * Memory of a process tree, read from Linux's /proc: VmRSS (resident now) and VmHWM (the peak
 * resident size the kernel recorded) of a process and of every descendant (a language server may
 * spawn workers or helper processes). Sums over the tree: the RSS sum is the tree's resident memory
 * now (shared pages counted once per process, as `ps` does); the HWM sum is an upper bound of the
 * tree's peak, since the processes need not have peaked at the same moment. A sampler polls the
 * tree so that a peak of the sum itself is also seen. Returns undefined where /proc is missing.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcMem {
  pid: number;
  name: string;
  rssBytes: number;
  hwmBytes: number;
}

export interface TreeMem {
  /** Sum of VmRSS over the process and its descendants. */
  rssBytes: number;
  /** Sum of VmHWM over the same processes. */
  hwmBytes: number;
  processes: ProcMem[];
}

export function readProcMem(pid: number): ProcMem | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { pid, name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?', rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** Direct children of a process (from every thread's `children` list). */
export function childPids(pid: number): number[] {
  const out = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) out.add(Number(c));
    } catch {
      // The thread ended while we listed it.
    }
  }
  return [...out];
}

export function readTreeMem(pid: number): TreeMem | undefined {
  const root = readProcMem(pid);
  if (!root) return undefined;
  const processes = [root];
  const queue = childPids(pid);
  while (queue.length > 0) {
    const p = queue.shift()!;
    const m = readProcMem(p);
    if (!m) continue;
    processes.push(m);
    queue.push(...childPids(p));
  }
  return {
    rssBytes: processes.reduce((a, p) => a + p.rssBytes, 0),
    hwmBytes: processes.reduce((a, p) => a + p.hwmBytes, 0),
    processes,
  };
}

/** Polls a process tree's memory; `stop()` returns the peak of the RSS sum seen and the last sample. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  peakRssBytes = 0;
  samples = 0;
  last: TreeMem | undefined;

  constructor(private readonly pid: number, private readonly intervalMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): TreeMem | undefined {
    const m = readTreeMem(this.pid);
    if (m) {
      this.samples++;
      this.last = m;
      if (m.rssBytes > this.peakRssBytes) this.peakRssBytes = m.rssBytes;
    }
    return m;
  }

  stop(): { peakRssBytes: number; samples: number; last: TreeMem | undefined } {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return { peakRssBytes: this.peakRssBytes, samples: this.samples, last: this.last };
  }
}
