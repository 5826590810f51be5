/**
 * The main thread's live memory for the memory-bound tests: V8 heap in use + ArrayBuffers after full
 * collections. ArrayBuffer backing stores are freed by a sweeper after a collection, so it waits for it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export async function liveBytes(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
