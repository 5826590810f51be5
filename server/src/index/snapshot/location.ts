/**
 * Where a workspace's snapshot store lives, and the disk budget over all of them.
 *
 * Path: `<base>/strata/v<FORMAT>/<sha256(root) first 16 hex>-<basename(root)>/snapshot.strata`, base
 * being `cacheDir`, else an absolute `$XDG_CACHE_HOME`, else `~/.cache`: the store's manifest, with its
 * base and delta files (`snapshot.strata.<serial>-<nonce>.base|delta`, store.ts) and the occurrence
 * index (`snapshot.strata.occ/`) beside it in the same folder. The hash makes the folder unique per
 * root; the basename only helps a person. The format version is in the path, so a build never reads
 * another format's files.
 * Disk budget: `enforceDiskBudget` counts every file of a workspace folder (manifest, base, deltas,
 * occurrence segments, temp files) and deletes whole workspace folders (every version), least recently
 * used first (newest mtime of their files, which a load or a live writer's temp file keeps fresh),
 * until the total fits. The folder holding `keep` is never deleted, and only folders named like ours
 * are ever touched. Synchronous file-system calls.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SNAPSHOT_FORMAT_VERSION = 3;
const SNAPSHOT_FILE_NAME = 'snapshot.strata';

const VERSION_DIR = /^v\d+$/;
const WORKSPACE_DIR = /^[0-9a-f]{16}-/;

/** A file name made of the root's last path segment: portable characters only, at most 48 of them. */
function readableName(root: string): string {
  const base = path.basename(root).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48);
  return base === '' || base === '.' || base === '..' ? 'root' : base;
}

/** The snapshot file of workspace `root` (resolved to an absolute path first). */
export function snapshotPath(root: string, cacheDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const absolute = path.resolve(root);
  const xdg = env.XDG_CACHE_HOME;
  const base = cacheDir !== ''
    ? path.resolve(cacheDir)
    : xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.cache');
  const id = createHash('sha256').update(absolute).digest('hex').slice(0, 16);
  return path.join(
    base, 'strata', `v${SNAPSHOT_FORMAT_VERSION}`, `${id}-${readableName(absolute)}`, SNAPSHOT_FILE_NAME,
  );
}

/** `<base>/strata` for a path in the default layout; undefined for any other path (`--save FILE`). */
export function cacheRootOf(snapshotFile: string): string | undefined {
  const folder = path.dirname(snapshotFile);
  const version = path.dirname(folder);
  const root = path.dirname(version);
  if (path.basename(snapshotFile) !== SNAPSHOT_FILE_NAME) return undefined;
  if (!WORKSPACE_DIR.test(path.basename(folder)) || !VERSION_DIR.test(path.basename(version))) return undefined;
  return path.basename(root) === 'strata' ? root : undefined;
}

interface Folder {
  dir: string;
  bytes: number;
  lastUse: number;
}

/** Total bytes and newest mtime of the files under `dir` (unreadable entries count as nothing). */
function measure(dir: string): { bytes: number; newest: number } {
  let bytes = 0;
  let newest = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        stack.push(p);
        continue;
      }
      try {
        const st = fs.lstatSync(p);
        bytes += st.size;
        newest = Math.max(newest, st.mtimeMs);
      } catch {
        // vanished meanwhile (another writer's temp file renamed): nothing to count
      }
    }
  }
  if (newest === 0) {
    try {
      newest = fs.statSync(dir).mtimeMs;
    } catch {
      // gone
    }
  }
  return { bytes, newest };
}

/**
 * Deletes least recently used workspace folders under `cacheRoot` until their total is at most
 * `budgetBytes`; never the folder of `keep`. Returns the folders removed and the total left.
 */
export function enforceDiskBudget(
  cacheRoot: string, budgetBytes: number, keep: string,
): { removed: string[]; totalBytes: number } {
  const keepDir = path.resolve(path.dirname(keep));
  const folders: Folder[] = [];
  let versions: fs.Dirent[];
  try {
    versions = fs.readdirSync(cacheRoot, { withFileTypes: true });
  } catch {
    return { removed: [], totalBytes: 0 };
  }
  for (const v of versions) {
    if (!v.isDirectory() || !VERSION_DIR.test(v.name)) continue;
    const vdir = path.join(cacheRoot, v.name);
    let workspaces: fs.Dirent[];
    try {
      workspaces = fs.readdirSync(vdir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const w of workspaces) {
      if (!w.isDirectory() || !WORKSPACE_DIR.test(w.name)) continue;
      const dir = path.join(vdir, w.name);
      const { bytes, newest } = measure(dir);
      folders.push({ dir, bytes, lastUse: newest });
    }
  }
  let total = folders.reduce((s, f) => s + f.bytes, 0);
  const removed: string[] = [];
  folders.sort((a, b) => a.lastUse - b.lastUse);
  for (const f of folders) {
    if (total <= budgetBytes) break;
    if (path.resolve(f.dir) === keepDir) continue;
    try {
      fs.rmSync(f.dir, { recursive: true, force: true });
    } catch {
      continue; // not ours to delete after all (permissions): its bytes still count
    }
    total -= f.bytes;
    removed.push(f.dir);
    const vdir = path.dirname(f.dir);
    try {
      if (fs.readdirSync(vdir).length === 0) fs.rmdirSync(vdir);
    } catch {
      // another process created something there meanwhile
    }
  }
  return { removed, totalBytes: total };
}
