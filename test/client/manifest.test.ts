/**
 * The extension manifest (client/package.json) against the server: the activation events name every
 * languageId in the registry, and `contributes.configuration` is exactly what the server's settings
 * table generates (`npm run settings:sync`), with the server's defaults. Pure and fast, so it runs in
 * the default `npm test` too.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultSettings } from '../../server/src/index/settings.js';
import { vscodeProperties } from '../../server/src/index/settingsTable.js';
import { LANGUAGES } from '../../server/src/syntax/languages.js';
import { REPO } from '../e2e/support/env.js';

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

test('contributes.configuration.properties is what the settings table generates (npm run settings:sync)', () => {
  const props = manifest.contributes.configuration.properties;
  const expected = vscodeProperties();
  const hint = 'client/package.json is out of date: run npm run settings:sync';
  assert.deepEqual(Object.keys(props), Object.keys(expected), `${hint} (keys or their order)`);
  assert.deepEqual(props, expected, hint);
});

test('the extension writes no setting default of its own: VS Code takes them from the manifest', () => {
  // A `get<T>('key', default)` in client/src would be a second copy of a default (config.ts sends
  // the section as VS Code holds it).
  const dir = join(REPO, 'client/src');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    assert.doesNotMatch(source, /\.get<[^>]*>\(\s*'[^']*'\s*,/, `client/src/${file} writes a setting default`);
  }
});
