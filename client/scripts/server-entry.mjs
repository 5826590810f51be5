// Entry of the server bundle inside the extension: the same thing bin/strata.js does for a checkout,
// but importing the TypeScript source so that esbuild bundles the server from server/src directly.
import { main } from '../../server/src/cli.ts';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`strata: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
