/**
 * The pinned grammars and the project's queries: every .wasm matches the sha256 in
 * grammars/manifest.json, every registered language has its grammar, manifest entry and query file,
 * and every query compiles against its own grammar and follows the capture convention.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compileQuery, querySource } from '../../server/src/syntax/analysis/index.js';
import { grammarsDir, loadLanguage } from '../../server/src/syntax/grammars.js';
import { LANGUAGES } from '../../server/src/syntax/languages.js';

interface Manifest { grammars: Record<string, { package: string; version: string; file: string; sha256: string }> }
const dir = grammarsDir();
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

describe('grammar manifest', () => {
  test('every .wasm in grammars/ is listed in the manifest', () => {
    const listed = new Set(Object.values(manifest.grammars).map((g) => g.file));
    const wasm = readdirSync(dir).filter((f) => f.endsWith('.wasm'));
    assert.ok(wasm.length >= LANGUAGES.length);
    for (const f of wasm) assert.ok(listed.has(f), `${f} is not in manifest.json`);
  });

  for (const [name, g] of Object.entries(manifest.grammars)) {
    test(`${name}: ${g.file} matches its sha256`, () => {
      const digest = createHash('sha256').update(readFileSync(join(dir, g.file))).digest('hex');
      assert.equal(digest, g.sha256);
      assert.match(g.version, /^\d+\.\d+\.\d+$/, 'pinned to an exact version');
    });
  }
});

describe('languages, grammars and queries', () => {
  for (const lang of LANGUAGES) {
    test(`${lang.name}: grammar, manifest entry and query file exist`, () => {
      assert.ok(existsSync(join(dir, lang.wasm)), `missing ${lang.wasm}`);
      assert.equal(manifest.grammars[lang.name]?.file, lang.wasm);
      assert.equal(lang.queries[0], `${lang.name}.scm`);
      for (const file of lang.queries) assert.ok(existsSync(join(dir, file)), `missing ${file}`);
    });

    test(`${lang.name}: query compiles against its grammar and uses the capture convention`, async () => {
      const language = await loadLanguage(lang);
      const { query, roles } = compileQuery(language, querySource(lang));
      try {
        assert.ok(query.patternCount() > 0);
        assert.ok(query.captureNames.some((n) => n.startsWith('definition.')), 'defines something');
        assert.ok(query.captureNames.includes('name'));
        assert.equal(roles.length, query.captureNames.length);
      } finally {
        query.delete();
      }
    });
  }

  test('a capture outside the convention is rejected (and the query freed)', async () => {
    const language = await loadLanguage('javascript');
    assert.throws(() => compileQuery(language, '(identifier) @definition.banana'), /outside the query convention/);
    assert.throws(() => compileQuery(language, '(identifier) @reference.read'), /outside the query convention/);
  });

  test('a query that does not fit its grammar fails to compile', async () => {
    const language = await loadLanguage('json');
    assert.throws(() => compileQuery(language, '(function_declaration) @definition.function'));
  });

  test('the TSX query is its JSX patterns followed by the whole TypeScript query', () => {
    const tsx = querySource('tsx');
    assert.ok(tsx.endsWith(querySource('typescript')), 'ends with typescript.scm');
    assert.ok(tsx.indexOf('jsx_self_closing_element') < tsx.indexOf('(identifier) @reference.identifier'), 'JSX patterns first');
  });
});
