/**
 * The outline of each demo file, per language, equals the expected hierarchy (kinds, names,
 * nesting, details), and chosen ranges are exact: the whole definition and its name.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { compiledQueryCount, disposeQueries, outline } from '../../../server/src/syntax/analysis/index.js';
import type { LanguageName } from '../../../server/src/syntax/languages.js';
import type { Span, SyntaxSymbol } from '../../../server/src/syntax/types.js';
import fc from 'fast-check';
import { buildOutline } from '../../../server/src/syntax/analysis/outline.js';
import type { RawDefinition } from '../../../server/src/syntax/analysis/tags.js';
import { SymbolKind } from '../../../server/src/syntax/types.js';
import { find, releaseAll, shape, withDemoTree, withTree } from './demo.js';

after(releaseAll);

const EXPECTED: [LanguageName, string, string[]][] = [
  ['javascript', 'web/cart.js', [
    'Constant TAX_RATE',
    'Class Cart',
    '  Constructor constructor',
    '  Method add',
    '  Method total',
    '  Method describe',
    'Function applyTax',
    'Function emptyCart',
  ]],
  ['typescript', 'web/api.ts', [
    'Interface Product',
    '  Property id',
    '  Property name',
    '  Property price',
    '  Method fetchStock',
    'TypeParameter ProductId',
    'Enum Status',
    '  EnumMember Active',
    '  EnumMember Discontinued',
    'Namespace Api',
    '  Constant BASE_URL',
    'Class InventoryClient',
    '  Property cache',
    '  Constructor constructor',
    '  Method product',
    '  Method fillCart',
    'Function fetchJson',
  ]],
  ['tsx', 'web/CartView.tsx', [
    'Interface CartViewProps',
    '  Property cart',
    '  Property onCheckout',
    'Function CartView',
    'Function Total',
  ]],
  ['python', 'python/inventory.py', [
    'Constant LOW_STOCK',
    'Class Item',
    '  Field sku',
    '  Field quantity',
    'Class Warehouse',
    '  Method __init__',
    '  Method receive',
    '  Method low_stock',
    '  Class Audit',
    '    Method run',
    'Function is_low',
    'Function main',
  ]],
  ['go', 'go/store.go', [
    'Package store',
    'Variable ErrNotFound',
    'Constant DefaultCapacity',
    'Struct Product',
    '  Field ID',
    '  Field Price',
    'Interface Repository',
    '  Method Get',
    '  Method Put',
    'Struct Store',
    '  Field mu',
    '  Field products',
    'Function NewStore',
    'Method Get (*Store)',
    'Method Put (*Store)',
  ]],
  ['rust', 'rust/lib.rs', [
    'Constant MAX_JOBS',
    'Enum Priority',
    '  EnumMember Low',
    '  EnumMember High',
    'Struct Job',
    '  Field name',
    '  Field priority',
    'Interface Schedule',
    '  Method next_job',
    'Struct Queue',
    '  Field jobs',
    'Object impl Queue',
    '  Method new',
    '  Method push',
    'Object impl Schedule for Queue',
    '  Method next_job',
    'Object impl fmt::Display for Job',
    '  Method fmt',
    'Module util',
    '  Function drain',
    'Function job',
  ]],
  ['c', 'c/ring.h', [
    'Constant RING_H',
    'Constant RING_CAPACITY',
    'TypeParameter ring_t',
    '  Struct ring',
    '    Field data',
    '    Field head',
    '    Field count',
    'Enum ring_status',
    '  EnumMember RING_OK',
    '  EnumMember RING_FULL',
    '  EnumMember RING_EMPTY',
    'Function ring_init',
    'Function ring_push',
    'Function ring_pop',
  ]],
  ['c', 'c/ring.c', [
    'Function ring_index',
    'Function ring_init',
    'Function ring_push',
    'Function ring_pop',
  ]],
  ['cpp', 'cpp/scheduler.cpp', [
    'Namespace demo',
    '  Struct Task',
    '    Field name',
    '    Field priority',
    '  Class Scheduler',
    '    Constructor Scheduler',
    '    Method submit',
    '    Method run',
    '    Field tasks_',
    '    Field limit_',
    '  Method run (Scheduler)',
    '  Function clamp_priority',
    'Function main',
  ]],
  ['java', 'java/Inventory.java', [
    'Package demo.inventory',
    'Class Inventory',
    '  Field LOW_STOCK',
    '  Field stock',
    '  Constructor Inventory',
    '  Method receive',
    '  Method isLow',
    '  Method count',
    '  Enum Unit',
    '    EnumMember PIECE',
    '    EnumMember BOX',
    'Interface Countable',
    '  Method count',
  ]],
  ['json', 'config/settings.json', [
    'String name',
    'Number version',
    'Object server',
    '  Number port',
    '  Boolean tls',
    '  Array routes',
    'Object cache',
    '  Object tiers',
    '    Object hot',
    '      Number megabytes',
    '    Object warm',
    '      Number megabytes',
    '  Null compress',
  ]],
  ['bash', 'scripts/deploy.sh', [
    'Variable DEPLOY_ENV',
    'Constant ROOT_DIR',
    'Variable RETRIES',
    'Function log',
    'Function build_all',
    'Function deploy',
  ]],
  ['bash', 'scripts/release', [
    'Variable VERSION',
    'Function tag_release',
  ]],
];

describe('outline of the demo workspace', () => {
  for (const [lang, path, expected] of EXPECTED) {
    test(`${lang}: ${path}`, async () => {
      const symbols = await withDemoTree(lang, path, (tree) => outline(tree, lang));
      assert.deepEqual(shape(symbols), expected);
      assertWellFormed(symbols);
    });
  }
});

/** LSP requires the name inside the whole range, and children inside their parent. */
function assertWellFormed(symbols: readonly SyntaxSymbol[], parent?: SyntaxSymbol): void {
  const inside = (a: Span, b: Span): boolean =>
    (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1])) && (a[2] < b[2] || (a[2] === b[2] && a[3] <= b[3]));
  for (const s of symbols) {
    assert.ok(inside(s.nameSpan, s.span), `${s.name}: name outside its span`);
    if (parent) assert.ok(inside(s.span, parent.span), `${s.name}: outside ${parent.name}`);
    if (s.children) assertWellFormed(s.children, s);
  }
}

describe('outline ranges', () => {
  test('javascript: a class and a method span their bodies; names are exact', async () => {
    const symbols = await withDemoTree('javascript', 'web/cart.js', (tree) => outline(tree, 'javascript'));
    const cart = find(symbols, 'Cart');
    assert.deepEqual(cart.span, [5, 7, 24, 1]);
    assert.deepEqual(cart.nameSpan, [5, 13, 5, 17]);
    assert.deepEqual(find(symbols, 'Cart', 'total').span, [16, 2, 19, 3]);
    // An arrow function bound to a const spans its declarator.
    assert.deepEqual(find(symbols, 'emptyCart').span, [30, 6, 30, 44]);
  });

  test('python: a decorated definition spans its decorator, its name is the def name', async () => {
    const symbols = await withDemoTree('python', 'python/inventory.py', (tree) => outline(tree, 'python'));
    const low = find(symbols, 'Warehouse', 'low_stock');
    assert.deepEqual(low.span, [24, 4, 26, 69]);
    assert.deepEqual(low.nameSpan, [25, 8, 25, 17]);
    assert.deepEqual(find(symbols, 'Item').span, [6, 0, 9, 21]);
  });

  test('go: methods stay top-level with their receiver as detail', async () => {
    const symbols = await withDemoTree('go', 'go/store.go', (tree) => outline(tree, 'go'));
    const get = symbols.find((s) => s.name === 'Get' && s.detail === '*Store');
    assert.ok(get);
    assert.deepEqual(get.span, [36, 0, 44, 1]);
    assert.deepEqual(get.nameSpan, [36, 16, 36, 19]);
  });

  test('rust: an impl block is named after its trait and type and holds its fns', async () => {
    const symbols = await withDemoTree('rust', 'rust/lib.rs', (tree) => outline(tree, 'rust'));
    const impl = find(symbols, 'impl Schedule for Queue');
    assert.deepEqual(impl.span, [43, 0, 47, 1]);
    assert.deepEqual(impl.nameSpan, [43, 18, 43, 23]);
    assert.deepEqual(find(symbols, 'impl Schedule for Queue', 'next_job').span, [44, 4, 46, 5]);
  });

  test('c++: an out-of-class method carries its scope; a class constructor is recognised', async () => {
    const symbols = await withDemoTree('cpp', 'cpp/scheduler.cpp', (tree) => outline(tree, 'cpp'));
    const run = find(symbols, 'demo').children!.find((s) => s.name === 'run' && s.detail === 'Scheduler');
    assert.ok(run);
    assert.deepEqual(run.span, [32, 0, 40, 1]);
    assert.deepEqual(find(symbols, 'demo', 'Scheduler', 'Scheduler').span, [15, 4, 15, 52]);
  });

  test('json: nested keys, named without quotes', async () => {
    const symbols = await withDemoTree('json', 'config/settings.json', (tree) => outline(tree, 'json'));
    const hot = find(symbols, 'cache', 'tiers', 'hot');
    assert.deepEqual(hot.span, [10, 6, 10, 32]);
    assert.deepEqual(hot.nameSpan, [10, 7, 10, 10]);
  });

  test('bash: only top-level variables; functions span their body', async () => {
    const symbols = await withDemoTree('bash', 'scripts/deploy.sh', (tree) => outline(tree, 'bash'));
    assert.deepEqual(find(symbols, 'deploy').span, [19, 0, 26, 1]);
    assert.ok(!JSON.stringify(symbols).includes('"attempt"'), 'a `local` is not an outline entry');
  });

  test('equal spans are siblings, not parent and child (`int a, b;` style)', async () => {
    const symbols = await withTree('go', 'package p\ntype P struct {\n\tX, Y int\n}\n', (tree) => outline(tree, 'go'));
    assert.deepEqual(shape(symbols), ['Package p', 'Struct P', '  Field X', '  Field Y']);
  });

  test('an unknown language is an error, and so is a tree of another grammar', async () => {
    await withDemoTree('json', 'config/settings.json', (tree) => {
      assert.throws(() => outline(tree, 'cobol' as LanguageName), /unknown language/);
      outline(tree, 'json');
      return undefined;
    });
    await withDemoTree('go', 'go/store.go', (tree) => {
      assert.throws(() => outline(tree, 'json'), /cannot be analysed as json/);
      // Also when the other language's query is not compiled yet: nothing wrong gets cached.
      disposeQueries();
      assert.throws(() => outline(tree, 'python'), /cannot be analysed as python/);
      assert.equal(compiledQueryCount(), 0);
      return undefined;
    });
  });
});

/**
 * The nesting rules as objects, one definition at a time (the model the packed outline must equal):
 * sorted by start, longest first; a definition is the child of the innermost open one that strictly
 * contains it; a function in a class, struct, interface, enum or object is a method, a constructor
 * when named like it.
 */
function modelOutline(definitions: readonly RawDefinition[]): SyntaxSymbol[] {
  const containers = new Set([SymbolKind.Class, SymbolKind.Struct, SymbolKind.Interface, SymbolKind.Enum, SymbolKind.Object]);
  const sorted = [...definitions].sort((a, b) => a.start - b.start || b.end - a.end || a.pattern - b.pattern);
  const roots: SyntaxSymbol[] = [];
  const open: { def: RawDefinition; sym: SyntaxSymbol }[] = [];
  for (const def of sorted) {
    while (open.length > 0) {
      const top = open[open.length - 1]!.def;
      if (top.start <= def.start && def.end <= top.end && !(top.start === def.start && top.end === def.end)) break;
      open.pop();
    }
    const parent = open[open.length - 1];
    const sym: SyntaxSymbol = { name: def.name, kind: def.kind, span: def.span, nameSpan: def.nameSpan };
    if (def.detail !== undefined) sym.detail = def.detail;
    if (parent && sym.kind === SymbolKind.Function && containers.has(parent.sym.kind)) sym.kind = sym.name === parent.sym.name ? SymbolKind.Constructor : SymbolKind.Method;
    if (parent) (parent.sym.children ??= []).push(sym);
    else roots.push(sym);
    open.push({ def, sym });
  }
  return roots;
}

test('the packed outline nests any definitions as the rules say, overlaps and equal spans included', () => {
  const kinds = [SymbolKind.Function, SymbolKind.Class, SymbolKind.Struct, SymbolKind.Variable, SymbolKind.Object, SymbolKind.Namespace];
  const definition = fc.record({
    start: fc.nat(40), length: fc.nat(25), kind: fc.constantFrom(...kinds), name: fc.constantFrom('A', 'b', 'ç', '😀', ''),
    detail: fc.option(fc.constantFrom('recv', ''), { nil: undefined }), pattern: fc.nat(3),
  }).map(({ start, length, kind, name, detail, pattern }): RawDefinition => ({
    name, kind, definitionKind: 'x', span: [start, 0, start + length, 1], nameSpan: [start, 0, start, name.length],
    start, end: start + length, pattern, ...(detail !== undefined ? { detail } : {}),
  }));
  fc.assert(fc.property(fc.array(definition, { maxLength: 30 }), (defs) => {
    const before = structuredClone(defs);
    const packed = buildOutline(defs);
    assert.deepStrictEqual(packed.symbols(), modelOutline(defs));
    assert.deepStrictEqual(defs, before, 'the definitions are left as they were');
  }), { numRuns: 1000 });
});
