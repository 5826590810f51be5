/**
 * Find-references from the occurrence index returns what parsing every file gives (issue 16): over a
 * real corpus (this repository's own sources, the demo in every language, JavaScript and declaration
 * files from node_modules), for names drawn with a fixed seed, the workspace's answer equals the
 * references the parser workers find in every file, ordered and cut as the workspace orders them —
 * after a cold index, and again after a restart that loads the snapshot and its segments from disk
 * without parsing anything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IndexProgress, Location } from '../../../server/src/index/api.js';
import { orderLocations } from '../../../server/src/index/navigation.js';
import { seededRandom } from '../../../server/src/index/seededRandom.js';
import { defaultSettings, parseSettings } from '../../../server/src/index/settings.js';
import { Workspace } from '../../../server/src/index/workspace.js';
import { detectLanguage } from '../../../server/src/syntax/languages.js';
import { ParserPool } from '../../../server/src/syntax/parserPool.js';
import { repoRoot } from '../../syntax/trees/helpers.js';

const quiet: IndexProgress = { begin() {}, report() {}, end() {} };
const NAMES = 150;
const SEED = 0x5eed16;

/** Copies the corpus under `root`: the server's sources, the demo, some of node_modules. */
function buildCorpus(root: string): void {
  const copy = (from: string, to: string, keep: (name: string) => boolean) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, e.name);
      const dst = path.join(to, e.name);
      if (e.isDirectory()) copy(src, dst, keep);
      else if (keep(e.name)) {
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(src, dst);
      }
    }
  };
  copy(path.join(repoRoot, 'server/src'), path.join(root, 'server'), (n) => n.endsWith('.ts'));
  copy(path.join(repoRoot, 'examples/demo'), path.join(root, 'demo'), () => true);
  copy(path.join(repoRoot, 'node_modules/vscode-languageserver/lib/common'), path.join(root, 'lsp'), (n) => n.endsWith('.js'));
  copy(path.join(repoRoot, 'node_modules/vscode-jsonrpc/lib/common'), path.join(root, 'jsonrpc'), (n) => n.endsWith('.d.ts'));
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

describe('references from the occurrence index equal a parse of every file', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-refs-equal-'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-refs-equal-cache-'));
  /** name → every reference the parser finds, in every file */
  const byName = new Map<string, Location[]>();
  let names: string[] = [];
  const settings = parseSettings({ cacheDir }, defaultSettings()).settings;

  before(async () => {
    buildCorpus(root);
    const pool = new ParserPool({ size: 2 });
    try {
      for (const file of walk(root)) {
        const lang = detectLanguage(file);
        if (!lang) continue;
        const outcome = await pool.parse({ lang: lang.name, bytes: fs.readFileSync(file), path: file, references: true });
        for (const r of outcome.analysis?.references ?? []) {
          (byName.get(r.name) ?? byName.set(r.name, []).get(r.name)!).push({ key: file, span: r.span });
        }
      }
    } finally {
      await pool.close();
    }
    // Names the cursor finds whole (navigation.ts `identifierAt`): not JSON keys with quotes and the like.
    const all = [...byName.keys()].filter((n) => /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(n)).sort();
    const random = seededRandom(SEED);
    names = Array.from({ length: NAMES }, () => all[Math.floor(random() * all.length)]!);
    assert.ok(all.length > 1000, `${all.length} names in the corpus`);
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  /** Asks `ws` for every drawn name's references, from the place of one of them, and compares. */
  async function compare(ws: Workspace): Promise<void> {
    const random = seededRandom(SEED + 1);
    let compared = 0;
    for (const name of names) {
      const refs = byName.get(name)!;
      const from = refs[Math.floor(random() * refs.length)]!;
      const got = await ws.references(from.key, { line: from.span[0], character: from.span[1] }, false);
      assert.deepEqual(got, orderLocations(from.key, refs).slice(0, 10_000), `references of ${name}`);
      compared++;
    }
    assert.equal(compared, NAMES);
  }

  it('after a cold index', async () => {
    const ws = await Workspace.create({ settings, workers: 2 });
    try {
      await ws.indexFolder(root, quiet);
      const occ = ws.stats().occurrences!;
      assert.equal(occ.missing, 0);
      assert.ok(occ.files > 100 && occ.segments === 1, JSON.stringify(occ));
      await compare(ws);
    } finally {
      await ws.flush(10_000);
      await ws.dispose();
    }
  });

  it('after a restart that loads the snapshot and its segments', async () => {
    const ws = await Workspace.create({ settings, workers: 2 });
    try {
      await ws.indexFolder(root, quiet);
      const stats = ws.stats();
      assert.equal(stats.persist?.reindexedFiles, 0, 'nothing parsed again');
      assert.equal(stats.occurrences?.missing, 0, 'every file\'s occurrences loaded');
      await compare(ws);
    } finally {
      await ws.dispose();
    }
  });
});
