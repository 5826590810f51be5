/**
 * The neovim Lua setup (client/nvim/lua/strata) against the ECHO server (nvim/echo-lsp-server.mjs):
 * checks the plumbing only — a client per root, attachment by filetype, settings as
 * initializationOptions / workspace/configuration / didChangeConfiguration, and the stats helper.
 * Runs with the headless neovim on PATH (Debian bookworm's 0.7.2 or newer). The real server is
 * exercised by nvim.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { REPO, nvimMissing, requireEditor, run, tempDir } from './support/env.js';

interface PlumbingResult {
  nvim: string;
  errors: string[];
  attached: boolean;
  clients: number;
  root: string;
  attachedBuffers: string[];
  state: {
    initialize: { rootUri: string; initializationOptions: unknown; capabilities: Record<string, unknown> };
    initialized: boolean;
    configurationChanges: { settings: unknown }[];
    pulledConfiguration: unknown;
    opened: { uri: string; languageId: string }[];
  };
  changesAfterUpdate: { settings: unknown }[];
  stats: { tiers: { hot: { bytes: number } } } | null;
  statsLines: string[] | null;
}

test('neovim Lua setup attaches, passes settings and reaches the server (echo server)', { timeout: 60_000 }, async () => {
  requireEditor(nvimMissing());
  const t = tempDir('nvim-plumbing');
  try {
    const ws = join(t.dir, 'project');
    mkdirSync(join(ws, '.git'), { recursive: true });
    mkdirSync(join(ws, 'src'), { recursive: true });
    mkdirSync(join(ws, 'scripts'), { recursive: true });
    writeFileSync(join(ws, 'src/main.go'), 'package main\n\nfunc main() {}\n');
    writeFileSync(join(ws, 'scripts/build.sh'), '#!/bin/sh\necho build\n');
    writeFileSync(join(ws, 'notes.txt'), 'not code\n');
    const out = join(t.dir, 'result.json');
    const env = {
      ...process.env,
      STRATA_E2E_OUT: out,
      STRATA_E2E_WORKSPACE: ws,
      STRATA_E2E_CMD: JSON.stringify([process.execPath, join(REPO, 'test/e2e/nvim/echo-lsp-server.mjs'), '--stdio']),
      // Keep the user's own config and state out of the run.
      XDG_CONFIG_HOME: join(t.dir, 'config'), XDG_DATA_HOME: join(t.dir, 'data'), XDG_STATE_HOME: join(t.dir, 'state'),
    };
    const r = await run('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '--cmd', `set rtp+=${join(REPO, 'client/nvim')}`,
      '--cmd', 'filetype on', '-c', `luafile ${join(REPO, 'test/e2e/nvim/plumbing.lua')}`], { cwd: ws, env, timeoutMs: 45_000 });
    assert.ok(!r.timedOut, `nvim timed out\n${r.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as PlumbingResult;
    assert.deepEqual(result.errors, [], 'Lua errors');
    assert.equal(result.attached, true);
    assert.equal(result.clients, 1, 'one client for one root');
    assert.equal(result.root, ws);
    assert.deepEqual(result.attachedBuffers, ['build.sh', 'main.go'], 'Strata filetypes only');

    const s = result.state;
    assert.equal(s.initialize.rootUri, `file://${ws}`);
    assert.deepEqual(s.initialize.initializationOptions, { memory: { hotMB: 77 }, languages: ['go', 'bash'] });
    assert.equal(s.initialized, true);
    assert.deepEqual(s.pulledConfiguration, [{ memory: { hotMB: 77 }, languages: ['go', 'bash'] }], 'workspace/configuration answers the strata section');
    assert.ok(s.configurationChanges.some((c) => isDeepStrictEqual(c.settings, { strata: { memory: { hotMB: 77 }, languages: ['go', 'bash'] } })),
      `didChangeConfiguration carries the settings: ${JSON.stringify(s.configurationChanges)}`);
    const langs = Object.fromEntries(s.opened.map((o) => [o.uri.split('/').pop(), o.languageId]));
    assert.deepEqual(langs, { 'main.go': 'go', 'build.sh': 'sh' });

    assert.deepEqual(result.changesAfterUpdate.at(-1), { settings: { strata: { memory: { hotMB: 99 } } } }, 'update_settings reaches the server');

    assert.equal(result.stats?.tiers.hot.bytes, 2048);
    assert.match(result.statsLines?.[1] ?? '', /hot\s+1 files\s+2\.0 KB/);
  } finally {
    t.cleanup();
  }
});
