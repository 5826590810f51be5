/**
 * Counting a folder: files, bytes, and files/bytes per language. Languages are decided by file name
 * and extension only (the registry in server/src/syntax/languages.ts, without reading `#!` lines),
 * so counts are cheap and reproducible; the shell corpus gives its scripts a `.sh` name for that reason.
 * Symbolic links are not followed: a set counts the bytes it really holds.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { detectLanguage } from '../../../server/src/syntax/languages.js';

export interface TreeStats {
  files: number;
  bytes: number;
  languages: Record<string, number>;
  languageBytes: Record<string, number>;
}

/** Every regular file under `dir`, depth first, as absolute paths with sizes. */
export async function* walkFiles(dir: string): AsyncGenerator<{ path: string; size: number }> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p);
    else if (e.isFile()) yield { path: p, size: (await lstat(p)).size };
  }
}

export async function countTree(dir: string): Promise<TreeStats> {
  const s: TreeStats = { files: 0, bytes: 0, languages: {}, languageBytes: {} };
  for await (const f of walkFiles(dir)) {
    s.files++;
    s.bytes += f.size;
    const lang = detectLanguage(f.path)?.name;
    if (lang) {
      s.languages[lang] = (s.languages[lang] ?? 0) + 1;
      s.languageBytes[lang] = (s.languageBytes[lang] ?? 0) + f.size;
    }
  }
  return s;
}
