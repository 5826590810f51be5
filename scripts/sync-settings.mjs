/**
 * Writes the settings table (server/src/index/settingsTable.ts) into its two published forms:
 * client/package.json's `contributes.configuration.properties` and README.md's settings table
 * (between its marker lines). The rest of both files is left as it is.
 *
 * It reads the built module, so run it as `npm run settings:sync` (which builds first);
 * test/index/settingsTable.test.ts fails while either file disagrees with the table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const table = await import(pathToFileURL(join(repo, 'dist/server/src/index/settingsTable.js')).href);

syncManifest(join(repo, 'client/package.json'), table.vscodeProperties());
syncReadme(join(repo, 'README.md'));

function syncManifest(file, properties) {
  const text = readFileSync(file, 'utf8');
  const configuration = text.indexOf('"configuration"');
  const key = text.indexOf('"properties"', configuration);
  if (configuration < 0 || key < 0) throw new Error(`${file}: no contributes.configuration.properties`);
  const start = text.indexOf('{', key);
  const end = objectEnd(text, start);
  const indent = text.slice(text.lastIndexOf('\n', key) + 1, key);
  const updated = text.slice(0, start) + formatJson(properties, indent) + text.slice(end);
  const written = JSON.parse(updated).contributes.configuration.properties;
  if (!isDeepStrictEqual(written, properties)) throw new Error(`${file}: the rewrite did not land where expected`);
  write(file, text, updated);
}

function syncReadme(file) {
  const text = readFileSync(file, 'utf8');
  const section = table.findReadmeSection(text);
  if (!section) throw new Error(`${file}: the settings table's marker lines are missing`);
  write(file, text, text.slice(0, section.start) + table.readmeSection() + text.slice(section.end));
}

function write(file, before, after) {
  if (before === after) {
    console.log(`${file}: up to date`);
  } else {
    writeFileSync(file, after);
    console.log(`${file}: rewritten`);
  }
}

/** The index just past the object that opens at `start`, skipping braces inside strings. */
function objectEnd(text, start) {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error('unbalanced JSON object');
}

/**
 * JSON as the manifest is written by hand: two-space indents, but short arrays of plain values and
 * small flat objects on one line.
 */
function formatJson(value, indent) {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const flat = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    if (value.every(isPlain) && flat.length <= 100) return flat;
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const flat = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
    if (entries.every(([, v]) => isPlain(v)) && flat.length <= 60) return flat;
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function isPlain(v) {
  return v === null || typeof v !== 'object';
}
