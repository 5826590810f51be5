/**
 * The settings table (server/src/index/settingsTable.ts) against what is made from it: the defaults,
 * the parser at every limit and past it, unknown keys, README.md's generated table, and random input
 * (never a throw, never a value outside its limits). The manifest's copy is checked in
 * test/e2e/manifest.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { defaultSettings, parseSettings, type StrataSettings } from '../../server/src/index/settings.js';
import {
  findReadmeSection, readmeSection, SETTINGS, type SettingSpec,
} from '../../server/src/index/settingsTable.js';
import { REPO } from '../e2e/support/env.js';

function valueAt(settings: StrataSettings, key: string): unknown {
  let node: unknown = settings;
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  return node;
}

/** `{a: {b: {c: v}}}` for the key `a.b.c`: the nested form VS Code sends. */
function nested(key: string, value: unknown): Record<string, unknown> {
  return key.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

/** Every leaf of a settings object under its dotted key. */
function flatten(o: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [kk, vv] of flatten(v as Record<string, unknown>, `${prefix}${k}.`)) out.set(kk, vv);
    } else {
      out.set(`${prefix}${k}`, v);
    }
  }
  return out;
}

/** Values each setting must accept as they are (its limits, every enum value). */
function acceptedValues(spec: SettingSpec): unknown[] {
  switch (spec.type) {
    case 'number': return [spec.minimum, spec.maximum, (spec.minimum + spec.maximum) / 2 + 0.25];
    case 'integer': return [spec.minimum, spec.maximum, Math.floor((spec.minimum + spec.maximum) / 2)];
    case 'boolean': return [true, false];
    case 'string': return ['', 'some value', 'off'];
    case 'enum': return [...spec.values];
    case 'string array': return spec.values ? [[], [...spec.values], ...spec.values.map((v) => [v])]
      : [[], ['**/a/**'], [...spec.default]];
  }
}

/** Values each setting must refuse whole (past its limits, of another type). */
function refusedValues(spec: SettingSpec): unknown[] {
  const wrongType = [{ nested: 1 }];
  switch (spec.type) {
    case 'number':
    case 'integer':
      return [spec.minimum - 1, spec.maximum + 1, Number.NaN, Infinity, '12', true, [1], ...wrongType];
    case 'boolean': return ['true', 1, ...wrongType];
    case 'string': return [5, false, ['x'], ...wrongType];
    case 'enum': return ['nope', spec.values[0]!.toUpperCase(), 1, ...wrongType];
    case 'string array': return ['**/x/**', [1], ['a', null], ...wrongType];
  }
}

/** Whether `value` is within the declared limits of `spec`. */
function withinLimits(spec: SettingSpec, value: unknown): boolean {
  switch (spec.type) {
    case 'number':
      return typeof value === 'number' && value >= spec.minimum && value <= spec.maximum;
    case 'integer':
      return Number.isInteger(value) && (value as number) >= spec.minimum && (value as number) <= spec.maximum;
    case 'boolean': return typeof value === 'boolean';
    case 'string': return typeof value === 'string';
    case 'enum': return spec.values.includes(value as string);
    case 'string array':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return false;
      return !spec.values || (value.every((v) => spec.values!.includes(v)) && new Set(value).size === value.length);
  }
}

test('the table declares each key once, and defaultSettings() is exactly its defaults', () => {
  const keys = SETTINGS.map((s) => s.key);
  assert.equal(new Set(keys).size, keys.length, 'a key declared twice');
  const defaults = flatten(defaultSettings() as unknown as Record<string, unknown>);
  assert.deepEqual([...defaults.keys()].sort(), [...keys].sort());
  for (const spec of SETTINGS) {
    assert.deepEqual(defaults.get(spec.key), spec.default, spec.key);
    assert.ok(withinLimits(spec, spec.default), `${spec.key}: the default is outside its own limits`);
  }
  // Each call is a fresh object: changing one changes neither the table nor the next default.
  const d = defaultSettings();
  d.exclude.push('x');
  d.languages.length = 0;
  assert.deepEqual(defaultSettings().exclude, SETTINGS.find((s) => s.key === 'exclude')!.default);
  assert.notEqual(defaultSettings().languages.length, 0);
});

test('every setting takes every value within its limits, nested and dotted, without a problem', () => {
  for (const spec of SETTINGS) {
    for (const value of acceptedValues(spec)) {
      for (const raw of [nested(spec.key, value), { [spec.key]: value }, { strata: nested(spec.key, value) }]) {
        const { settings, problems } = parseSettings(raw);
        assert.deepEqual(problems, [], `${spec.key} = ${JSON.stringify(value)}`);
        assert.deepEqual(valueAt(settings, spec.key), value, `${spec.key} = ${JSON.stringify(value)}`);
      }
    }
  }
});

test('a value outside its limits or of another type keeps the previous value, with one problem naming it', () => {
  for (const spec of SETTINGS) {
    // The previous value is not the default, so keeping it is told apart from resetting.
    const previousValue = acceptedValues(spec).find((v) => JSON.stringify(v) !== JSON.stringify(spec.default));
    const previous = parseSettings({ [spec.key]: previousValue }).settings;
    for (const value of refusedValues(spec)) {
      const { settings, problems } = parseSettings(nested(spec.key, value), previous);
      assert.deepEqual(settings, previous, `${spec.key} = ${String(value)} changed the settings`);
      assert.equal(problems.length, 1, `${spec.key} = ${String(value)}: ${problems.join('; ')}`);
      assert.ok(problems[0]!.startsWith(`setting strata.${spec.key} must be `), problems[0]);
    }
  }
});

test('integers are rounded down; unknown enum members of a list are dropped with a problem', () => {
  assert.equal(parseSettings({ journal: { maxEdits: 7.9 } }).settings.journal.maxEdits, 7);
  const r = parseSettings({ languages: ['go', 'cobol', 'go', 'rust'] });
  assert.deepEqual(r.settings.languages, ['go', 'rust']);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /strata\.languages: unknown value\(s\) cobol ignored/);
});

test('unknown keys and non-object groups are reported and change nothing; the client\'s trace is not', () => {
  const base = defaultSettings();
  const r = parseSettings({
    memory: { totlMB: 5, hotMB: 8 }, bogus: 1, 'trees.depth': 2, trace: { server: 'verbose' },
  });
  assert.deepEqual(r.problems.sort(), [
    'setting strata.bogus is unknown; ignored',
    'setting strata.memory.totlMB is unknown; ignored',
    'setting strata.trees.depth is unknown; ignored',
  ]);
  assert.deepEqual(r.settings, { ...base, memory: { ...base.memory, hotMB: 8 } });
  const g = parseSettings({ memory: 512 });
  assert.deepEqual(g.settings, base);
  assert.deepEqual(g.problems, ['setting strata.memory must be an object of settings; got 512, ignored']);
  // Other sections next to `strata` are not Strata's to judge.
  assert.deepEqual(parseSettings({ strata: { cacheDiskMB: 9 }, python: { x: 1 } }).problems, []);
});

test('keys such as __proto__ are only keys: nothing reaches Object.prototype', () => {
  const raws = [
    { '__proto__.polluted': 1 },
    { 'memory.__proto__.polluted': 1 },
    JSON.parse('{"__proto__": {"polluted": 1}, "memory": {"__proto__": {"polluted": 1}}}') as unknown,
    JSON.parse('{"strata": {"constructor": {"prototype": {"polluted": 1}}}}') as unknown,
  ];
  for (const raw of raws) {
    const { settings, problems } = parseSettings(raw);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(settings, defaultSettings());
    assert.ok(problems.length > 0 && problems.every((p) => / is unknown; ignored$/.test(p)), problems.join('; '));
  }
});

test('indexing.workers: 0 (automatic) by default, an integer up to 64; past its limits it is refused', () => {
  const spec = SETTINGS.find((s) => s.key === 'indexing.workers');
  assert.ok(spec, 'the table declares indexing.workers');
  assert.deepEqual([spec.type, spec.default, 'minimum' in spec && spec.minimum, 'maximum' in spec && spec.maximum],
    ['integer', 0, 0, 64]);
  assert.equal(defaultSettings().indexing.workers, 0);
  assert.equal(parseSettings({ 'indexing.workers': 3 }).settings.indexing.workers, 3);
  for (const bad of [-1, 65, 'four']) {
    const { settings, problems } = parseSettings({ indexing: { workers: bad } });
    assert.equal(settings.indexing.workers, 0, String(bad));
    assert.equal(problems.length, 1, String(bad));
  }
});

test('README.md\'s settings table is what the table generates (npm run settings:sync)', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = findReadmeSection(readme);
  assert.ok(section, 'README.md has no settings table markers');
  assert.equal(readme.slice(section.start, section.end), readmeSection(),
    'README.md\'s settings table is out of date: run npm run settings:sync');
  const rows = readmeSection().split('\n').filter((l) => l.startsWith('| `'));
  assert.deepEqual(rows.map((l) => /^\| `([^`]+)`/.exec(l)![1]), SETTINGS.map((s) => s.key));
});

/** Raw settings a client might send: real keys, near misses and hostile ones, with any values. */
const rawSettings = (() => {
  const keys = [
    ...SETTINGS.map((s) => s.key), 'memory', 'trees', 'journal', 'trace', 'strata', 'memory.', '.', '',
    '__proto__', 'constructor', '__proto__.x', 'memory.__proto__', 'memory.totalMB.x', 'Memory.totalMB',
  ];
  const limits = SETTINGS.flatMap((s) => ('minimum' in s ? [s.minimum, s.maximum] : []));
  const enumValues = SETTINGS.flatMap((s) => ('values' in s && s.values ? [...s.values] : []));
  const value: fc.Arbitrary<unknown> = fc.oneof(
    fc.anything(),
    fc.double(),
    fc.double({ min: -1, max: 1 << 25, noNaN: true }),
    fc.integer({ min: -10, max: 1 << 25 }),
    // At and near the limits, with and without a fraction.
    fc.constantFrom(...limits).chain((x) => fc.oneof(fc.constant(x), fc.double({ min: x - 2, max: x + 2 }))),
    fc.constantFrom(...enumValues),
    fc.array(fc.oneof(fc.constantFrom(...enumValues), fc.string(), fc.anything()), { maxLength: 6 }),
  );
  const flat = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string()), value, { maxKeys: 8 });
  const grouped = fc.record({ memory: flat, trees: flat, journal: flat }, { requiredKeys: [] });
  return fc.oneof(fc.anything(), flat, grouped, fc.record({ strata: fc.oneof(flat, grouped) }));
})();

test('random raw settings never throw and always leave every setting within its limits', () => {
  fc.assert(fc.property(fc.array(rawSettings, { minLength: 1, maxLength: 4 }), (raws) => {
    let settings = defaultSettings();
    for (const raw of raws) {
      const r = parseSettings(raw, settings);
      assert.ok(r.problems.every((p) => typeof p === 'string' && p.length <= 400), r.problems.join('\n'));
      settings = r.settings;
      const leaves = flatten(settings as unknown as Record<string, unknown>);
      assert.deepEqual([...leaves.keys()].sort(), SETTINGS.map((s) => s.key).sort());
      for (const spec of SETTINGS) {
        assert.ok(withinLimits(spec, leaves.get(spec.key)), `${spec.key} = ${String(leaves.get(spec.key))}`);
      }
    }
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  }), { numRuns: 500 });
});
