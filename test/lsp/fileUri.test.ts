/**
 * session.ts `fileUri`: the URI of an absolute path is exactly what `pathToFileURL` makes, for plain
 * paths (built directly) and for every other path (escapes, `.`/`..` and empty segments, a trailing
 * `/`, non-ASCII).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { fileUri } from '../../server/src/lsp/session.js';

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
  fc.constantFrom('', '.', '..', '.git', 'a b', 'x#y', 'q?r', '100%', 'é', '日本', 'a\\b', 'tab\there', 'semi;colon', 'plus+sign', '~home'),
);
const absolutePath = fc.array(segment, { minLength: 1, maxLength: 8 }).chain((parts) =>
  fc.boolean().map((trailing) => `/${parts.join('/')}${trailing ? '/' : ''}`));

test('fileUri equals pathToFileURL for any absolute path (property)', () => {
  fc.assert(fc.property(absolutePath, (p) => {
    assert.equal(fileUri(p), pathToFileURL(p).href);
  }), { numRuns: 2000 });
});

test('plain source paths are built directly', () => {
  for (const p of ['/work/linux-source-6.1/drivers/usb/mtu3/mtu3_core.c', '/a/.corpus/x.h', '/a/..b/c.']) {
    assert.equal(fileUri(p), `file://${p}`);
    assert.equal(fileUri(p), pathToFileURL(p).href);
  }
});
