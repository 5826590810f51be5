/**
 * The persistent cache (index/persistence.ts) driven directly with real parts, as the persistence
 * suites drive it: index targets over a real cache, parser pool and indexes; a Persistence writing a
 * given snapshot file; a file indexed from disk; a root loaded as a server's run loads it (load, keep
 * what is unchanged, index the rest); source-like JavaScript of a chosen size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Logger } from '../../../server/src/base/log.js';
import { createSourceCache, type SourceCacheOptions } from '../../../server/src/cache/source-cache.js';
import { indexFileFromDisk, type IndexTargets } from '../../../server/src/index/fileIndexer.js';
import { FileTable } from '../../../server/src/index/fileTable.js';
import type { Occurrences } from '../../../server/src/index/occurrences/occurrences.js';
import { Persistence, type PersistenceOptions } from '../../../server/src/index/persistence.js';
import { defaultSettings } from '../../../server/src/index/settings.js';
import { SymbolIndex } from '../../../server/src/index/symbolIndex.js';
import type { ParserPool } from '../../../server/src/syntax/parserPool.js';

/** Fresh index targets (a new cache, symbol index and file table) over a shared pool and occurrence index. */
export async function indexTargets(
  pool: ParserPool, occurrences: Occurrences, cache: SourceCacheOptions = { warmBytes: 16 << 20, coldBytes: 16 << 20 },
): Promise<IndexTargets> {
  return {
    cache: await createSourceCache(cache), pool,
    symbols: new SymbolIndex(), files: new FileTable(), log: Logger.silent(), occurrences,
    enabled: () => true, treeCapBytes: () => 1 << 20,
  };
}

/** A persistence whose every root's snapshot is `snapshot`; nothing is open unless `extra` says so. */
export function persistenceOf(t: IndexTargets, snapshot: string, extra: Partial<PersistenceOptions> = {}): Persistence {
  return new Persistence({
    targets: t, settings: () => defaultSettings(), isOpen: () => false, snapshotFile: () => snapshot, ...extra,
  });
}

export async function indexFromDisk(t: IndexTargets, key: string): Promise<void> {
  const st = fs.statSync(key);
  await indexFileFromDisk(t, key, { size: st.size, mtimeMs: st.mtimeMs });
}

/** Loads the store into `t` as a server's run does: load, keep what is unchanged, index the rest. */
export async function loadRoot(t: IndexTargets, p: Persistence, root: string): Promise<void> {
  const reconcile = (await p.load(root))!;
  let indexed = 0;
  for (const name of fs.readdirSync(root).sort()) {
    const key = path.join(root, name);
    const st = fs.statSync(key);
    if (!reconcile.keep({ path: key, relativePath: name, size: st.size, mtimeMs: st.mtimeMs, tooLarge: false })) {
      await indexFromDisk(t, key);
      indexed++;
    }
  }
  reconcile.finish(indexed);
}

/** JavaScript of `lines` exported functions, distinct per `body`. */
export function jsSource(body: number, lines: number): string {
  let s = '';
  for (let i = 0; i < lines; i++) s += `export function f${body}_${i}(x) { return x * ${body} + ${i}; }\n`;
  return s;
}
