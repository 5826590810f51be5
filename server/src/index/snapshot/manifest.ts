/**
 * A snapshot store's manifest: which files make the store (store.ts), in the order they apply — the
 * base first, then its deltas, oldest first. It lives at the store's path (`snapshot.strata`); the
 * files it names lie beside it as `<path>.<serial>-<nonce>.<kind>` (`snapshot.strata.7-0c1e99aa.delta`).
 *
 *   header  16 bytes: binaryBlocks' container header, magic 'STRM', SNAPSHOT_FORMAT_VERSION, 1 block
 *   LIST    one streamed block: root path, next serial, file count, then per file its serial, kind,
 *           nonce and byte size
 * The manifest is replaced whole and atomically (`writeManifest`: temp file, fsync, rename, fsync of
 * the folder), and only after every file it names is durable, so a crash at any moment leaves the
 * previous manifest or the new one, each naming whole files. What it says of each file (serial,
 * kind, nonce, size) is checked against the file itself when the store is opened, so a file swapped,
 * replaced, truncated or grown is caught even where its own checks would pass.
 * Guarantees: `readManifest` returns exactly what `encodeManifest` was given or throws
 * SnapshotFormatError (CRCs, lengths, order of serials, kinds, root).
 * Async writes, synchronous reads; no state.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BLOCK_HEADER_BYTES, HEADER_BYTES, checkContainerHeader, checkStreamBlock, containerHeader, streamBlockHeader,
  tagOf,
} from '../binaryBlocks.js';
import { ByteSink, ByteSource } from './bytes.js';
import type { SnapshotKind } from './format.js';
import { SNAPSHOT_FORMAT_VERSION } from './location.js';
import { SnapshotFormatError } from './reader.js';
import { fsyncDir } from './writer.js';

const MANIFEST_MAGIC = tagOf('STRM');
const TAG_LIST = 'LIST';
/** A manifest names a root and a few dozen files: anything near this is not ours. */
const MAX_MANIFEST_BYTES = 1 << 20;

export interface StoreEntry {
  serial: number;
  kind: SnapshotKind;
  nonce: number;
  /** The file's size. */
  bytes: number;
}

export interface Manifest {
  root: string;
  /** Serials below this are taken: the next file written gets it. */
  nextSerial: number;
  base: StoreEntry;
  /** Oldest first: a later delta's record or removal of a key wins over an earlier one's. */
  deltas: StoreEntry[];
}

/** The file name (beside the manifest at `manifestPath`) of a store's file. */
export function entryPath(manifestPath: string, e: Pick<StoreEntry, 'serial' | 'nonce' | 'kind'>): string {
  return `${manifestPath}.${e.serial}-${e.nonce.toString(16).padStart(8, '0')}.${e.kind}`;
}

/** A random nonce for a new file (so two writers of one serial never make the same file). */
export function newNonce(): number {
  return randomBytes(4).readUInt32LE(0);
}

/** True when the two name the same files (the same store, unchanged). */
export function sameManifest(a: Manifest | undefined, b: Manifest | undefined): boolean {
  if (!a || !b) return a === b;
  const same = (x: StoreEntry, y: StoreEntry) => x.serial === y.serial && x.kind === y.kind && x.nonce === y.nonce
    && x.bytes === y.bytes;
  return a.root === b.root && a.nextSerial === b.nextSerial && same(a.base, b.base)
    && a.deltas.length === b.deltas.length && a.deltas.every((d, i) => same(d, b.deltas[i]!));
}

export function encodeManifest(m: Manifest): Uint8Array {
  const s = new ByteSink(256);
  s.str(m.root);
  s.uvar(m.nextSerial);
  const files = [m.base, ...m.deltas];
  s.uvar(files.length);
  for (const f of files) {
    s.uvar(f.serial);
    s.u8(f.kind === 'base' ? 0 : 1);
    s.u32(f.nonce);
    s.uvar(f.bytes);
  }
  const payload = s.written();
  const out = new Uint8Array(HEADER_BYTES + BLOCK_HEADER_BYTES + payload.byteLength);
  out.set(containerHeader(MANIFEST_MAGIC, SNAPSHOT_FORMAT_VERSION, 1));
  out.set(streamBlockHeader(TAG_LIST, payload, HEADER_BYTES), HEADER_BYTES);
  out.set(payload, HEADER_BYTES + BLOCK_HEADER_BYTES);
  return out;
}

/** Decodes and checks a manifest of workspace `root`; throws SnapshotFormatError. */
function decodeManifest(bytes: Uint8Array, root: string, what = 'manifest'): Manifest {
  try {
    const blocks = checkContainerHeader(bytes, MANIFEST_MAGIC, SNAPSHOT_FORMAT_VERSION, what);
    if (blocks !== 1) throw new SnapshotFormatError(`${what}: ${blocks} blocks, a manifest has 1`);
    const s = new ByteSource(checkStreamBlock(bytes.subarray(HEADER_BYTES), HEADER_BYTES, TAG_LIST, what));
    const m: Manifest = { root: s.str(), nextSerial: s.uvar(), base: undefined!, deltas: [] };
    if (m.root !== root) throw new SnapshotFormatError(`${what}: store of ${m.root}, expected ${root}`);
    const count = s.uvar();
    if (count < 1 || count > s.remaining) throw new SnapshotFormatError(`${what}: ${count} files`);
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const serial = s.uvar();
      const code = s.u8();
      const e: StoreEntry = { serial, kind: code === 0 ? 'base' : 'delta', nonce: s.u32(), bytes: s.uvar() };
      if (code !== (i === 0 ? 0 : 1)) throw new SnapshotFormatError(`${what}: file ${i} of kind ${code}`);
      if (serial <= previous || serial >= m.nextSerial)
        throw new SnapshotFormatError(`${what}: serial ${serial} after ${previous}, next ${m.nextSerial}`);
      previous = serial;
      if (i === 0) m.base = e;
      else m.deltas.push(e);
    }
    if (s.remaining !== 0) throw new SnapshotFormatError(`${what}: ${s.remaining} bytes after its fields`);
    return m;
  } catch (e) {
    throw e instanceof SnapshotFormatError ? e : new SnapshotFormatError((e as Error).message);
  }
}

/** The manifest at `file`, or undefined when there is none; throws SnapshotFormatError when unusable. */
export function readManifest(file: string, root: string): Manifest | undefined {
  let bytes: Uint8Array;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_MANIFEST_BYTES) throw new SnapshotFormatError(`manifest ${file}: ${size} bytes`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e instanceof SnapshotFormatError ? e
      : new SnapshotFormatError(`manifest ${file}: cannot read (${(e as Error).message})`);
  }
  return decodeManifest(bytes, root, `manifest ${file}`);
}

/**
 * Replaces the manifest at `file` atomically (see header); the files it names must be durable
 * already. Returns the bytes written.
 */
export async function writeManifest(file: string, m: Manifest): Promise<number> {
  const bytes = encodeManifest(m);
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const h = await fsp.open(temp, 'wx');
  try {
    let done = 0;
    while (done < bytes.byteLength) done += (await h.write(bytes, done, bytes.byteLength - done, done)).bytesWritten;
    await h.sync();
  } catch (e) {
    await h.close().catch(() => undefined);
    await fsp.rm(temp, { force: true });
    throw e;
  }
  await h.close();
  try {
    await fsp.rename(temp, file);
  } catch (e) {
    await fsp.rm(temp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(file));
  return bytes.byteLength;
}
