/**
 * The extension manifest (client/package.json) against the server: the activation events name every
 * languageId in the registry, and `contributes.configuration` mirrors the server's settings and
 * defaults exactly. Pure and fast, so it runs in the default `npm test` too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultSettings } from '../../server/src/index/settings.js';
import { LANGUAGES } from '../../server/src/syntax/languages.js';
import { REPO } from './support/env.js';

interface Manifest {
  name: string; publisher: string; version: string; main: string; engines: { vscode: string };
  activationEvents: string[];
  contributes: { commands: { command: string }[]; configuration: { properties: Record<string, { default: unknown }> } };
}
const manifest = JSON.parse(readFileSync(join(REPO, 'client/package.json'), 'utf8')) as Manifest;

test('the extension activates for every languageId Strata parses', () => {
  const ids = [...new Set(LANGUAGES.flatMap((l) => l.languageIds))].sort();
  const events = manifest.activationEvents.filter((e) => e.startsWith('onLanguage:')).map((e) => e.slice('onLanguage:'.length)).sort();
  assert.deepEqual(events, ids);
});

test('contributes.configuration mirrors the server settings and their defaults', () => {
  const flat: Record<string, unknown> = {};
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else flat[`${prefix}${k}`] = v;
    }
  };
  walk(defaultSettings() as unknown as Record<string, unknown>, 'strata.');
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(flat).sort());
  for (const [k, v] of Object.entries(flat)) assert.deepEqual(props[k]?.default, v, k);
});

test('the manifest names what packaging and the editor need', () => {
  assert.equal(manifest.name, 'strata');
  assert.equal(manifest.main, './dist/extension.js');
  assert.equal(manifest.engines.vscode, '^1.82.0');
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(manifest.version, root.version, 'the extension version follows the project version');
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), ['strata.restartServer', 'strata.showOutput', 'strata.showStats']);
});

test('the extension reads every contributed setting, with the manifest default (client/src/config.ts)', () => {
  // readSettings cannot run outside VS Code; its source is the mirror, so its `c.get` calls are checked.
  const source = readFileSync(join(REPO, 'client/src/config.ts'), 'utf8');
  const reads = new Map<string, string>();
  for (const m of source.matchAll(/c\.get<[^>]+>\('([^']+)',\s*([^)]+?)\)/g)) reads.set(`strata.${m[1]}`, m[2]!.trim());
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual([...reads.keys()].sort(), Object.keys(props).sort());
  for (const [key, def] of reads) {
    const expected = props[key]!.default;
    // Defaults written as literals must equal the manifest's; computed ones (the language list) are checked above against the server.
    if (/^[\d'"[]/.test(def) && !def.includes('(')) assert.deepEqual(JSON.parse(def.replace(/'/g, '"')), expected, key);
  }
});
