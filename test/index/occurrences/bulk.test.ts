/**
 * Bulk indexing (occurrences.ts `bulk`): while on, an index merges its segments only past the bulk
 * limit, also an index opened meanwhile; once off, the next flush merges by size again; lookups answer
 * every file throughout.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Logger } from '../../../server/src/base/log.js';
import { Occurrences } from '../../../server/src/index/occurrences/occurrences.js';
import { packOccurrences } from '../../../server/src/syntax/occurrences.js';
import { initZstd } from '../../../server/src/cache/index.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-occ-bulk-'));
await initZstd();
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('in bulk, segments are merged only past the bulk limit; after it, by size again', async () => {
  const occ = new Occurrences({ log: Logger.silent(), memtableBytes: 1 << 20, blockCacheBytes: 1 << 16, maxSegments: 2 });
  try {
    occ.bulk(true);
    // Opened during the bulk work: it obeys it too.
    occ.openRoot('/w', path.join(work, 'w'));
    const add = async (i: number): Promise<void> => {
      occ.record(`/w/f${i}.c`, { bytes: 10, crc: i }, packOccurrences([
        { name: 'shared', span: [i, 0, i, 6], kind: 'call' }, { name: `own${i}`, span: [0, 0, 0, 4] },
      ]));
      await occ.flush();
    };
    for (let i = 0; i < 12; i++) await add(i);
    let st = occ.stats();
    assert.equal(st.segments, 12, 'one segment per flush');
    assert.equal(st.merges, 0);
    occ.bulk(false);
    await add(12);
    st = occ.stats();
    assert.ok(st.merges >= 1, 'the first flush after the bulk work merges');
    assert.ok(st.segments <= 3, `${st.segments} segments`);
    const holders: string[] = [];
    occ.lookup('shared', (key) => holders.push(path.basename(key)));
    assert.deepEqual(holders.sort(), Array.from({ length: 13 }, (_, i) => `f${i}.c`).sort());
  } finally {
    occ.close();
  }
});
