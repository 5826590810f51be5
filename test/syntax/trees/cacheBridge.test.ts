/**
 * The cache bridge and damage an entry's own fallback cannot repair (a flipped bit in the recorded
 * length or CRC of the current text): for a document open in an editor, the editor's text is put
 * back and loads and edits go on with the exact text; a closed one gives its exact text or the
 * IntegrityError, never other bytes.
 * (Found by the in-memory fault suite: an edit refused there left the server's copy behind.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSourceCache, IntegrityError } from '../../../server/src/cache/index.js';
import { debugStorage } from '../../../server/src/cache/debug.js';
import { sourceCacheWarmSide } from '../../../server/src/syntax/cacheBridge.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const KEY = '/w/a.js';

test('an open document whose entry is damaged beyond its fallback is repaired from the editor text', async () => {
  await fc.assert(fc.asyncProperty(
    fc.string({ minLength: 1, maxLength: 300 }), fc.constantFrom('length', 'crc') as fc.Arbitrary<'length' | 'crc'>, fc.integer({ min: 0, max: 31 }),
    fc.integer({ min: 0, max: 300 }), fc.string({ maxLength: 5 }), fc.boolean(),
    async (text, field, bit, at, insert, isOpen) => {
      const cache = await createSourceCache();
      let editor: string | undefined = isOpen ? text : undefined;
      // The kept copy of an unsaved buffer is the cache's own fallback, as the workspace sets it.
      cache.put(KEY, enc.encode(text), () => (editor === undefined ? undefined : enc.encode(editor)));
      const warm = sourceCacheWarmSide(cache, () => 'javascript', () => editor);
      debugStorage(cache).flipEntryField(KEY, field, bit);
      if (!isOpen) {
        // Closed: the exact text (the damaged field was not needed) or the IntegrityError, never other bytes.
        try {
          assert.equal(warm.load(KEY)?.text, text);
        } catch (err) {
          assert.ok(err instanceof IntegrityError, String(err));
        }
        return;
      }
      assert.equal(warm.load(KEY)?.text, text);
      assert.equal(dec.decode(cache.read(KEY)), text);
      // An edit after the same damage is recorded, not refused.
      debugStorage(cache).flipEntryField(KEY, field, bit);
      const start = Math.min(at, enc.encode(text).length);
      const bytes = enc.encode(text);
      const after = dec.decode(new Uint8Array([...bytes.subarray(0, start), ...enc.encode(insert), ...bytes.subarray(start)]));
      if (enc.encode(after).length !== bytes.length + enc.encode(insert).length) return; // split a multi-byte character
      warm.edited!(KEY, { start, end: start, text: enc.encode(insert) }, () => after);
      editor = after;
      // Damage the append could not see (it trusts the recorded length) is found by the next load, and repaired.
      assert.equal(warm.load(KEY)?.text, after);
      assert.equal(dec.decode(cache.read(KEY)), after);
    }), { numRuns: 300 });
});
