/**
 * The occurrence index (index/occurrences/occurrenceIndex.ts), model-based: random sequences of files
 * set and deleted, memtables flushed (also by their budget), segments merged, the index closed and
 * opened again, and bytes of a segment flipped — after every step each name's lookup equals a naive
 * scan of the model's current files. A reopened index holds, for each file, only a version that was
 * written, and exactly the last one when nothing changed since; a damaged segment's files are
 * reported lost, never served.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { Logger } from '../../../server/src/base/log.js';
import { OccurrenceIndex } from '../../../server/src/index/occurrences/occurrenceIndex.js';
import { BlockCache } from '../../../server/src/index/occurrences/segment.js';
import { decodeOccurrences, packOccurrences, type Occurrence } from '../../../server/src/syntax/occurrences.js';
import { initZstd } from '../../../server/src/cache/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-occ-index-'));
await initZstd();
after(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'x', 'ü', 'Name', 'name_2'];
const KEYS = Array.from({ length: 9 }, (_, i) => `/w/src/file${i}.c`);

type Op =
  | { op: 'set'; key: number; names: number[]; lines: number[] }
  | { op: 'delete'; key: number }
  | { op: 'flush' }
  | { op: 'compact' }
  | { op: 'reopen' }
  | { op: 'flip'; at: number; xor: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    op: fc.constant('set' as const), key: fc.nat(KEYS.length - 1),
    names: fc.array(fc.nat(NAMES.length - 1), { maxLength: 12 }), lines: fc.array(fc.nat(400), { maxLength: 12 }),
  }, { noNullPrototype: true }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.nat(KEYS.length - 1) }, { noNullPrototype: true }) },
  { weight: 2, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }, { noNullPrototype: true }) },
);

interface Version {
  id: number;
  occurrences: Occurrence[];
}

function versionOf(id: number, names: number[], lines: number[]): Version {
  const occurrences: Occurrence[] = names.map((n, i) => {
    const line = (lines[i] ?? i) + i * 401;
    const name = NAMES[n]!;
    return { name, span: [line, 2, line, 2 + name.length], kind: i % 3 === 0 ? 'call' : 'identifier' };
  });
  return { id, occurrences };
}

const signatureOf = (v: Version) => ({ bytes: v.occurrences.length, crc: v.id });

/** What a lookup of every name gives, as sorted plain data. */
function lookupAll(index: OccurrenceIndex): Record<string, [string, unknown][]> {
  const out: Record<string, [string, unknown][]> = {};
  for (const name of NAMES) {
    const found: [string, unknown][] = [];
    index.lookup(name, (key, run) => found.push([key, decodeOccurrences(name, run, 0, run.length)]));
    out[name] = found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  return out;
}

function naive(current: Map<string, Version>): Record<string, [string, unknown][]> {
  const out: Record<string, [string, unknown][]> = {};
  for (const name of NAMES) {
    const found: [string, unknown][] = [];
    for (const [key, v] of current) {
      const mine = v.occurrences.filter((o) => o.name === name)
        .sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]).map((o) => ({ span: [...o.span], kind: o.kind }));
      if (mine.length > 0) found.push([key, mine]);
    }
    out[name] = found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  return out;
}

test('lookups equal a naive scan through sets, deletes, flushes, merges, reopenings and damage', async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
    const dir = path.join(root, `i${dirs++}`);
    const lost: string[] = [];
    const open = () => OccurrenceIndex.open({
      dir, memtableBytes: 1500, maxSegments: 2, blocks: new BlockCache(4096), log: Logger.silent(),
      onLost: (keys) => lost.push(...keys),
    });
    let index = open();
    const current = new Map<string, Version>();
    /** Versions of each key that may have reached a segment (a reopened index may hold any of them). */
    const written = new Map<string, Set<number>>();
    /** Keys whose current version is in a segment and unchanged since. */
    const clean = new Set<string>();
    let nextId = 1;
    const versions = new Map<number, Version>();
    let flipped = false;
    /** The files reported lost are no longer held, and the model (as the workspace) indexes them again. */
    const forgetLost = (): void => {
      for (const key of lost.splice(0)) {
        assert.ok(!index.has(key), `${key}: lost but still held`);
        current.delete(key);
        clean.delete(key);
      }
    };
    try {
      for (const op of ops) {
        if (op.op === 'set') {
          const key = KEYS[op.key]!;
          const v = versionOf(nextId++, op.names, op.lines);
          versions.set(v.id, v);
          // Any version may reach a segment: a memtable past its budget is flushed in the background.
          (written.get(key) ?? written.set(key, new Set()).get(key)!).add(v.id);
          index.set(key, signatureOf(v), packOccurrences(v.occurrences));
          current.set(key, v);
          clean.delete(key);
        } else if (op.op === 'delete') {
          index.delete(KEYS[op.key]!);
          current.delete(KEYS[op.key]!);
          clean.delete(KEYS[op.key]!);
        } else if (op.op === 'flush' || op.op === 'compact') {
          await (op.op === 'flush' ? index.flush() : index.compact());
          if (op.op === 'flush') for (const key of current.keys()) clean.add(key);
        } else if (op.op === 'reopen') {
          await index.idle();
          index.close();
          index = open();
          // What came back: only written versions, the last one for clean keys; the model follows it.
          for (const key of [...index.keys()]) {
            const held = [...(written.get(key) ?? [])].find((id) => index.holds(key, signatureOf(versions.get(id)!)));
            assert.ok(held !== undefined, `${key}: holds a version never written`);
            if (held !== current.get(key)?.id) index.delete(key);
          }
          // Unless bytes were flipped: a segment damaged where only opening checks is dropped whole.
          for (const key of flipped ? [] : clean) {
            const v = current.get(key);
            if (v) assert.ok(index.holds(key, signatureOf(v)), `${key}: its last written version is held`);
          }
          flipped = false;
          for (const key of [...current.keys()]) if (!index.has(key)) current.delete(key);
        } else {
          await index.idle();
          // A flush or merge that ended in the wait may have found earlier damage: its files are lost.
          forgetLost();
          const segs = fs.readdirSync(dir).filter((f) => f.endsWith('.seg'));
          if (segs.length === 0) continue;
          const file = path.join(dir, segs[op.at % segs.length]!);
          const bytes = fs.readFileSync(file);
          bytes[op.at % bytes.length]! ^= op.xor;
          fs.writeFileSync(file, bytes);
          flipped = true;
          // Read every name: damage in a dictionary block or a posting list drops the segment.
          lookupAll(index);
          forgetLost();
          // Damage elsewhere (the file table, the sparse index, the trailer) shows at the next open.
          continue;
        }
        // Damage found by a lookup (a dictionary block cached before the flip is read again only later):
        // the files reported lost are no longer held, and the workspace would index them again.
        const found = lookupAll(index);
        const anyLost = lost.length > 0;
        forgetLost();
        assert.deepEqual(anyLost ? found : lookupAll(index), naive(current));
      }
      await index.idle();
      // A merge that ended in the wait may have found damage: its files are lost, not served.
      forgetLost();
      assert.deepEqual(lookupAll(index), naive(current));
    } finally {
      await index.idle();
      index.close();
    }
  }), { numRuns: 120 });
});

/** An index in `root/name` as a closed one leaves it: one file's occurrences flushed to one segment. */
async function closedIndexOfOneFile(name: string): Promise<{ dir: string; v: ReturnType<typeof versionOf>; reopen: () => OccurrenceIndex }> {
  const dir = path.join(root, name);
  const reopen = () => OccurrenceIndex.open({
    dir, memtableBytes: 1 << 20, maxSegments: 4, blocks: new BlockCache(4096), log: Logger.silent(),
  });
  const index = reopen();
  const v = versionOf(1, [0, 1, 2], [1, 2, 3]);
  index.set(KEYS[0]!, signatureOf(v), packOccurrences(v.occurrences));
  await index.flush();
  index.close();
  return { dir, v, reopen };
}

test('an older format\'s manifest: its segments are removed and their files indexed again, not counted as damage', async () => {
  const { dir, reopen } = await closedIndexOfOneFile('older');
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), format: 1 }));
  const again = reopen();
  try {
    assert.equal(again.has(KEYS[0]!), false, 'the older segment is not read');
    assert.equal(again.stats().damaged, 0);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['manifest.json']);
  } finally {
    again.close();
  }
});

test('a crash leaves what the manifest lists: unlisted segments and temp files are removed at open', async () => {
  const { dir, v, reopen } = await closedIndexOfOneFile('crash');
  // A segment written but never listed, and a writer's temp file, as a kill -9 leaves them.
  fs.copyFileSync(path.join(dir, 'occ-1.seg'), path.join(dir, 'occ-9.seg'));
  fs.writeFileSync(path.join(dir, 'occ-10.seg.tmp'), 'partial');
  const again = reopen();
  try {
    assert.deepEqual(fs.readdirSync(dir).sort(), ['manifest.json', 'occ-1.seg']);
    assert.ok(again.holds(KEYS[0]!, signatureOf(v)));
    assert.equal(again.stats().segments, 1);
  } finally {
    again.close();
  }
});
