/**
 * collectTags matches a file slice by slice (runs of top-level nodes, tags.ts) so that a parser
 * worker never holds every match of a large file at once. The slices must change nothing: for any
 * slice size, definitions (as an outline), references and names equal those of one whole-file pass,
 * and a pass that asks for no references (indexing) finds the same definitions and names —
 * on every demo file, and on generated Go files (top-level constants and variables, which only
 * patterns naming the root as context find; text with non-ASCII and astral characters, whose UTF-16
 * units are not bytes; syntax errors). Seeds of failing property runs are printed by fast-check.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { buildOutline } from '../../../server/src/syntax/analysis/outline.js';
import { collectTags, MATCH_SLICE_UNITS, sliceEnds } from '../../../server/src/syntax/analysis/tags.js';
import { detectLanguage, type LanguageName } from '../../../server/src/syntax/languages.js';
import type { Tree } from 'web-tree-sitter';
import { demoText, releaseAll, withDemoTree, withTree } from './demo.js';
import { demoFiles } from './files.js';

after(releaseAll);

function assertSameTags(tree: Tree, lang: LanguageName, sliceUnits: number, label: string): void {
  const whole = collectTags(tree, lang, { references: true, sliceUnits: Infinity });
  const sliced = collectTags(tree, lang, { references: true, sliceUnits });
  assert.deepEqual(buildOutline(sliced.definitions).symbols(), buildOutline(whole.definitions).symbols(), `${label}: outline`);
  assert.deepEqual(sliced.references, whole.references, `${label}: references`);
  assert.deepEqual([...sliced.names].sort(), [...whole.names].sort(), `${label}: names`);
  // Indexing asks for no references: names go straight into the set, and must be the same names.
  const indexing = collectTags(tree, lang, { sliceUnits });
  assert.equal(indexing.references, undefined);
  assert.deepEqual(buildOutline(indexing.definitions).symbols(), buildOutline(whole.definitions).symbols(), `${label}: outline without references`);
  assert.deepEqual([...indexing.names].sort(), [...whole.names].sort(), `${label}: names without references`);
}

const NAMES = ['alpha', 'Beta', 'gamma_1', 'δέλτα', 'x', 'Error', 'init'];
const STRINGS = ['"plain"', '"é ü"', '"😀 astral"', '`raw\nmulti-line`'];

/** One top-level Go declaration from a template (some deliberately broken). */
const goDecl = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...NAMES), fc.constantFrom(...NAMES), fc.constantFrom(...STRINGS))
  .map(([t, a, b, s]) => [
    `const ${a} = ${s}`,
    `var (\n\t${a} = 1\n\t${b}, ${a}2 = ${s}, 3\n)`,
    `const (\n\t${a} = iota // ${s}\n\t${b}\n)`,
    `func ${a}(${b} int) string {\n\treturn fmt.Sprint(${b}, ${s})\n}`,
    `type ${a} struct {\n\t${b} int\n\tName string\n}`,
    `func (r *${a}) ${b}() { r.${b}() }`,
    `type ${a} interface {\n\t${b}() error\n}`,
    `// ${s} comment\nvar ${a} = ${b}(${s})`,
    `func ${a}( {`, // a syntax error
    `var ${a}, ${b} = ${s}, ${s}`,
  ][t]!);

describe('collectTags by slices', () => {
  test('every demo file: the same tags at every slice size', async () => {
    for (const path of demoFiles()) {
      const lang = detectLanguage(path, { firstLine: demoText(path).split('\n', 1)[0]! })!.name;
      await withDemoTree(lang, path, (tree) => {
        for (const units of [1, 16, 100, 1000, MATCH_SLICE_UNITS]) assertSameTags(tree, lang, units, `${path} @${units}`);
      });
    }
  });

  test('generated Go files: the same tags at any slice size (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(goDecl, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 }), async (decls, units) => {
      const text = `package p\n\nimport "fmt"\n\n${decls.join('\n\n')}\n`;
      await withTree('go', text, (tree) => assertSameTags(tree, 'go', units, `${units} units`));
    }), { numRuns: 150 });
  });

  test('generated JSON (one top-level value, nested): the same tags at any slice size, slices inside the value (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), async (value, units, pretty) => {
      const text = JSON.stringify(value, null, pretty ? 2 : undefined);
      await withTree('json', text, (tree) => {
        assertSameTags(tree, 'json', units, `${units} units`);
        // Consecutive slices from 0 to the end, none longer than the slice size unless a node
        // without children is longer alone.
        let longestLeaf = 0;
        const cursor = tree.walk();
        for (let more = true; more;) {
          if (cursor.gotoFirstChild()) continue;
          longestLeaf = Math.max(longestLeaf, cursor.endIndex - cursor.startIndex);
          while (!(more = cursor.gotoNextSibling()) && cursor.gotoParent());
        }
        cursor.delete();
        const ends = sliceEnds(tree, units);
        assert.equal(ends.at(-1), tree.rootNode.endIndex);
        let from = 0;
        for (const to of ends) {
          assert.ok(to > from || (to === 0 && ends.length === 1), `slice [${from}, ${to})`);
          // Text between nodes (white space here) joins the slice after it.
          const nodesFrom = to - text.slice(from, to).trimStart().length;
          assert.ok(to - nodesFrom <= Math.max(units, longestLeaf), `slice [${from}, ${to}) of ${units} units, longest leaf ${longestLeaf}`);
          from = to;
        }
      });
    }), { numRuns: 150 });
  });

  test('a file larger than one slice is matched completely', async () => {
    const decls: string[] = [];
    for (let i = 0; decls.join('\n').length < 3 * MATCH_SLICE_UNITS; i++) decls.push(`const c${i} = "😀"\nfunc f${i}() { g${i}(c${i}) }`);
    const text = `package big\n\n${decls.join('\n')}\n`;
    await withTree('go', text, (tree) => {
      const tags = collectTags(tree, 'go');
      const names = new Set(tags.definitions.map((d) => d.name));
      for (let i = 0; i < decls.length; i++) {
        assert.ok(names.has(`c${i}`) && names.has(`f${i}`), `c${i} and f${i} defined`);
        assert.ok(tags.names.has(`g${i}`), `g${i} referenced`);
      }
      assertSameTags(tree, 'go', MATCH_SLICE_UNITS, 'default slices');
    });
  });
});
