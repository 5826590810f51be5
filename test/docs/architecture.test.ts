/**
 * ARCHITECTURE.md is the code map and docs/decisions.md says where each decision lives: every file or
 * folder they name in backticks must exist. A name is
 * matched as a path suffix (`hotTier.ts` under its section names server/src/syntax/hotTier.ts), and
 * a glob (`grammars/*.scm`) must match at least one file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findRepoRoot } from '../bench/corpus.js';

const ROOT = findRepoRoot();
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.corpus', 'bench-out', 'soak-report']);
/** Folders that scripts make and git ignores: named, but absent from a fresh clone. */
const GENERATED = new Set(['.corpus/', 'bench-out/', 'soak-report/', 'dist/']);
const PATH_LIKE = /^[\w.*/-]+(\.(ts|js|mjs|json|md|lua|scm|wasm)|\/)$/;

function repoPaths(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP_DIRS.has(e.name)) continue;
      const abs = join(dir, e.name);
      const rel = relative(ROOT, abs);
      if (e.isDirectory()) {
        out.push(`${rel}/`);
        walk(abs);
      } else {
        out.push(rel);
      }
    }
  };
  walk(ROOT);
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  return new RegExp(`(^|/)${body}$`);
}

for (const doc of ['ARCHITECTURE.md', 'docs/decisions.md']) {
  test(`every path ${doc} names exists in the repository`, () => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const named = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!).filter((t) => PATH_LIKE.test(t) && !GENERATED.has(t));
    assert.ok(named.length > 10, `expected ${doc} to name files; found ${named.length}`);
    const paths = repoPaths();
    const missing = named.filter((name) => {
      const pattern = globToRegExp(name);
      return !paths.some((p) => pattern.test(p));
    });
    assert.deepEqual([...new Set(missing)], [], `paths named in ${doc} that do not exist`);
  });
}
