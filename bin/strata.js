#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=8192:glibc.malloc.trim_threshold=65536 node
// The `strata` command: runs the compiled CLI (build it first with `npm run build`).
// The #! line sets the server's malloc tunables (why: SERVER_ENV in server/src/protocol.ts, which must say the same).
import { main } from '../dist/server/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`strata: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
