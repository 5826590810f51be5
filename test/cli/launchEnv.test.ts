/**
 * The server's launch environment (SERVER_ENV in server/src/protocol.ts) is what `bin/strata.js`'s #! line sets,
 * and that line really starts the CLI when the file is executed as the `strata` command is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV } from '../../server/src/protocol.js';

const BIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'bin/strata.js');

test('bin/strata.js #! line sets exactly SERVER_ENV, then runs node', () => {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0]!;
  const expected = `#!/usr/bin/env -S ${Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} node`;
  assert.equal(first, expected);
});

test('executing bin/strata.js directly (as `strata`) runs the CLI with that environment', () => {
  // `strata --help` prints the usage and exits 0 only if env -S parsed the line and node started.
  const out = execFileSync(BIN, ['--help'], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: '' } });
  assert.match(out, /strata index DIR/);
});
