#!/usr/bin/env node
// The `strata` command: runs the compiled CLI (build it first with `npm run build`).
import { main } from '../dist/server/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`strata: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
