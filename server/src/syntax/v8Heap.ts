/**
 * What the server asks of V8 so that its heap is no larger than what it holds: a young generation
 * kept at its initial size, and a full collection when an index run is over.
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
 * Full collection. An index run leaves garbage whose memory lives outside the JS heap: the file
 * buffers read and the messages exchanged with the workers are ArrayBuffers whose backing stores are
 * freed only when their (by then old-generation) objects are collected, i.e. at the next full GC —
 * which an idle server may not run for a long time. `collectGarbage()` runs one now (tens of ms on
 * the server's heap), through V8's `gc` extension enabled at run time.
 *
 * Neither changes what is kept or any answer: only when the collector runs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Sets the growth factor (idempotent; call again after every new isolate is configured). */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

// Importing this module sets it: cli.ts imports it first, so that it holds while the rest of the
// server's modules are evaluated.
keepYoungGenerationSmall();

let gc: (() => void) | undefined;

/** A full, synchronous garbage collection of this thread's heap. */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
