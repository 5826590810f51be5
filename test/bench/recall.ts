/**
 * Recall of Strata's C outline against universal-ctags (issue 17), on a fixed random sample of a
 * kernel tree: `node dist/test/bench/recall.js <tree> [--files 300] [--seed 17] [--slack 2]
 * [--out recall.txt]`.
 *
 * The sample: every `.c` file under <tree> (symlinks not followed), sorted by path, shuffled with
 * seededRandom(seed) (Fisher–Yates), the first `--files`. The same tree, count and seed give the
 * same files.
 *
 * ctags (universal-ctags; `$CTAGS`, else `ctags` on the PATH) runs once over the sample:
 * `ctags --output-format=json --fields=+n --kinds-C=fpsugtd --language-force=C -L - -o -`.
 * The kinds counted for recall are function (f), struct (s), union (u), enum (g), typedef (t) and
 * macro (d); prototypes (p) are asked for only so that Strata's prototypes (which the C query lists
 * as functions) do not count against precision. Anonymous
 * structs and unions (ctags names them `__anon…`) are left out: Strata names no anonymous type.
 *
 * Strata's side is the real analysis: the grammar's parser and `outlineOf` (the same query pass as
 * the server's), with a budget large enough that no pass is cut on a shared machine; the outline is
 * flattened. Which Strata kinds answer which ctags kind is `STRATA_KINDS`.
 *
 * A ctags tag is found when a flattened Strata symbol of an answering kind has the same name and its
 * name starts within `--slack` lines of the tag's line (both name lines; the slack covers the rare
 * tag that ctags puts on another line of a multi-line signature). Matching is by existence, not
 * one to one. Precision: of Strata's function, struct, enum, typedef and constant symbols, the share
 * that some ctags tag (of any kind asked for, answering kind, same name, within the slack) confirms.
 *
 * Prints recall per ctags kind and precision per Strata kind; writes every miss and every
 * unconfirmed Strata symbol (`path:line kind name`, with the source line for misses) to `--out`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../server/src/index/seededRandom.js';
import { disposeQueries, outlineOf } from '../../server/src/syntax/analysis/index.js';
import { parserFor } from '../../server/src/syntax/parsers.js';
import { SymbolKind, type SyntaxSymbol } from '../../server/src/syntax/types.js';

/** ctags kinds in the report's order, and the Strata kinds that answer each. */
const STRATA_KINDS: Readonly<Record<string, readonly SymbolKind[]>> = {
  function: [SymbolKind.Function],
  struct: [SymbolKind.Struct],
  union: [SymbolKind.Struct],
  enum: [SymbolKind.Enum],
  typedef: [SymbolKind.TypeParameter],
  // An object-like macro is a constant in the C query; a function-like one a function, which the
  // outline turns into a method when it is defined inside a struct's braces.
  macro: [SymbolKind.Constant, SymbolKind.Function, SymbolKind.Method],
  prototype: [SymbolKind.Function],
};
const RECALL_KINDS = ['function', 'struct', 'union', 'enum', 'typedef', 'macro'];
const PRECISION_KINDS: readonly [SymbolKind, string][] = [
  [SymbolKind.Function, 'Function'], [SymbolKind.Struct, 'Struct'], [SymbolKind.Enum, 'Enum'],
  [SymbolKind.TypeParameter, 'TypeParameter (typedef)'], [SymbolKind.Constant, 'Constant (macro)'],
];
/** Strata has no time limit here: a cut pass would be counted as misses that are not the query's. */
const BUDGET_MS = 10 * 60 * 1000;

interface Tag { path: string; name: string; line: number; kind: string }
interface Flat { name: string; line: number; kind: SymbolKind }

interface Options { root: string; files: number; seed: number; slack: number; out: string }

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { root: '', files: 300, seed: 17, slack: 2, out: 'recall.txt' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--files') opts.files = Number(value());
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--slack') opts.slack = Number(value());
    else if (a === '--out') opts.out = value();
    else if (!a.startsWith('--') && opts.root === '') opts.root = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.root === '') throw new Error('usage: recall.js <tree> [--files N] [--seed S] [--slack L] [--out FILE]');
  return opts;
}

/** Every `.c` file under `root`, relative, sorted (code-unit order, so the same on every machine). */
function cFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.isFile() && e.name.endsWith('.c')) out.push(path);
    }
  };
  walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function sample(files: readonly string[], n: number, seed: number): string[] {
  const random = seededRandom(seed);
  const a = [...files];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

function ctagsTags(root: string, files: readonly string[]): Tag[] {
  const out = execFileSync(process.env.CTAGS ?? 'ctags', ['--output-format=json', '--fields=+n', '--kinds-C=fpsugtd',
    '--language-force=C', '-L', '-', '-o', '-'], { cwd: root, input: files.join('\n') + '\n',
    encoding: 'utf8', maxBuffer: 1 << 30 });
  const tags: Tag[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const t = JSON.parse(line) as { _type: string; name: string; path: string; line: number; kind: string };
    if (t._type !== 'tag' || /^__anon[0-9a-f]+$/.test(t.name)) continue;
    tags.push({ path: t.path, name: t.name, line: t.line, kind: t.kind });
  }
  return tags;
}

function flatten(symbols: readonly SyntaxSymbol[], out: Flat[] = []): Flat[] {
  for (const s of symbols) {
    out.push({ name: s.name, line: s.nameSpan[0] + 1, kind: s.kind });
    if (s.children) flatten(s.children, out);
  }
  return out;
}

async function strataSymbols(root: string, path: string): Promise<{ flat: Flat[]; cut: boolean }> {
  const text = readFileSync(join(root, path), 'utf8');
  const parser = await parserFor('c');
  const tree = parser.parse(text);
  if (!tree) throw new Error(`${path}: parse returned no tree`);
  try {
    const o = outlineOf(tree, 'c', BUDGET_MS, text);
    return { flat: flatten(o.symbols), cut: o.incomplete !== undefined };
  } finally {
    tree.delete();
  }
}

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const all = cFiles(opts.root);
  const files = sample(all, opts.files, opts.seed);
  const tags = ctagsTags(opts.root, files);
  const tagsByFile = new Map<string, Tag[]>();
  for (const t of tags) {
    let list = tagsByFile.get(t.path);
    if (!list) tagsByFile.set(t.path, (list = []));
    list.push(t);
  }

  const recall = new Map<string, { found: number; total: number }>(
    RECALL_KINDS.map((k) => [k, { found: 0, total: 0 }]));
  const precision = new Map<SymbolKind, { confirmed: number; total: number }>(
    PRECISION_KINDS.map(([k]) => [k, { confirmed: 0, total: 0 }]));
  const misses: string[] = [];
  const extras: string[] = [];
  let cut = 0;
  for (const path of files) {
    const strata = await strataSymbols(opts.root, path);
    if (strata.cut) cut++;
    const fileTags = tagsByFile.get(path) ?? [];
    const lines = readFileSync(join(opts.root, path), 'utf8').split(/\r\n|\r|\n/);
    const near = (a: number, b: number): boolean => Math.abs(a - b) <= opts.slack;
    for (const t of fileTags) {
      const r = recall.get(t.kind);
      if (!r) continue;
      r.total++;
      const answering = STRATA_KINDS[t.kind]!;
      if (strata.flat.some((s) => s.name === t.name && answering.includes(s.kind) && near(s.line, t.line))) r.found++;
      else misses.push(`${path}:${t.line} ${t.kind} ${t.name}\t| ${(lines[t.line - 1] ?? '').trim()}`);
    }
    for (const s of strata.flat) {
      const p = precision.get(s.kind);
      if (!p) continue;
      p.total++;
      const confirmed = fileTags.some((t) => t.name === s.name && near(s.line, t.line)
        && (STRATA_KINDS[t.kind] ?? []).includes(s.kind));
      if (confirmed) p.confirmed++;
      else extras.push(`${path}:${s.line} ${PRECISION_KINDS.find(([k]) => k === s.kind)![1]} ${s.name}`);
    }
  }
  disposeQueries();

  const report: string[] = [
    `tree ${opts.root}: ${files.length} of ${all.length} .c files, seed ${opts.seed}, line slack ±${opts.slack}`
    + (cut > 0 ? `, ${cut} outline passes cut` : ''),
    '', 'recall (ctags kind: found by Strata / listed by ctags)',
  ];
  let found = 0;
  let total = 0;
  for (const [kind, r] of recall) {
    report.push(`  ${kind.padEnd(10)} ${String(r.found).padStart(6)} / ${String(r.total).padEnd(6)} `
      + pct(r.found, r.total));
    found += r.found;
    total += r.total;
  }
  report.push(`  ${'all'.padEnd(10)} ${String(found).padStart(6)} / ${String(total).padEnd(6)} ${pct(found, total)}`);
  report.push('', 'precision (Strata kind: confirmed by a ctags tag / listed by Strata)');
  for (const [kind, name] of PRECISION_KINDS) {
    const p = precision.get(kind)!;
    report.push(`  ${name.padEnd(24)} ${String(p.confirmed).padStart(6)} / ${String(p.total).padEnd(6)} `
      + pct(p.confirmed, p.total));
  }
  console.log(report.join('\n'));
  writeFileSync(opts.out, [...report, '', `misses (${misses.length})`, ...misses,
    '', `unconfirmed Strata symbols (${extras.length})`, ...extras, ''].join('\n'));
  console.log(`\nmisses and unconfirmed symbols: ${opts.out}`);
}

await main();
