/**
 * The one logger (server/src/base/log.ts): levels filter, children prefix and share the root's
 * level and sink, STRATA_LOG picks the level.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLine, levelFromEnv, Logger, type LogLevel } from '../../server/src/base/log.js';
import { errorMessage } from '../../server/src/base/errors.js';

function collecting(level: Parameters<typeof Logger.create>[1]) {
  const lines: [LogLevel, string][] = [];
  const log = Logger.create((l, component, message) => lines.push([l, formatLine(component, message)]), level);
  return { log, lines };
}

test('a level keeps its own lines and the more severe ones, nothing below', () => {
  const { log, lines } = collecting('warn');
  log.error('e'); log.warn('w'); log.info('i'); log.debug('d');
  assert.deepEqual(lines, [['error', 'e'], ['warn', 'w']]);
  const off = collecting('off');
  off.log.error('e');
  assert.deepEqual(off.lines, []);
});

test('children prefix their component, nest, and follow the root level and sink set later', () => {
  const { log, lines } = collecting('info');
  const persist = log.child('index').child('persist');
  persist.info('saved');
  persist.debug('hidden');
  log.setLevel('debug');
  persist.debug('shown');
  const other: string[] = [];
  log.setSink((_l, c, m) => other.push(formatLine(c, m)));
  persist.warn('moved');
  assert.deepEqual(lines, [['info', '[index/persist] saved'], ['debug', '[index/persist] shown']]);
  assert.deepEqual(other, ['[index/persist] moved']);
  assert.equal(persist.level, 'debug');
});

test('STRATA_LOG names the level; anything else falls back', () => {
  assert.equal(levelFromEnv({ STRATA_LOG: 'DEBUG' }), 'debug');
  assert.equal(levelFromEnv({ STRATA_LOG: 'off' }), 'off');
  assert.equal(levelFromEnv({ STRATA_LOG: 'loud' }), 'info');
  assert.equal(levelFromEnv({}, 'warn'), 'warn');
});

test('errorMessage: an Error its message, anything else as a string', () => {
  assert.equal(errorMessage(new RangeError('bad range')), 'bad range');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(errorMessage(42), '42');
  assert.equal(errorMessage(undefined), 'undefined');
});
