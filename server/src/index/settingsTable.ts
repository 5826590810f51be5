/**
 * The one declaration of Strata's settings: key, type, default, limits and description of each.
 *
 * Everything else is made from this table: the parser and `defaultSettings()` (settings.ts), the VS
 * Code extension's `contributes.configuration` (client/package.json) and README.md's settings table,
 * both rewritten by `npm run settings:sync` and checked by tests. Descriptions are markdown as VS Code
 * shows them; `#strata.key#` is VS Code's link to another setting (the README shows the key).
 */
import { LANGUAGES } from '../syntax/languages.js';
import type { StrataSettings } from './settings.js';

/** How a total is shared when a tier has no value of its own: trees are the dearest bytes. */
export const TIER_SHARES = { hot: 0.25, warm: 0.25, cold: 0.5 } as const;

const TREE_POLICIES = ['budget', 'all', 'count'] as const;
export type TreePolicy = (typeof TREE_POLICIES)[number];

export const DEFAULT_EXCLUDES = ['**/.git/**', '**/node_modules/**', '**/.hg/**', '**/.svn/**'];

/**
 * The most parser workers a setting may ask for: each holds its own runtime and wasm heap, so the
 * bound keeps a mistyped value from starting threads by the thousand.
 */
export const MAX_WORKERS = 64;

/** The `cacheDir` value that turns the persistent cache off. */
export const CACHE_OFF = 'off';

/** Every setting's dotted key, from the shape of `StrataSettings` (arrays are single settings). */
type LeafKeys<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[] ? `${Prefix}${K}`
    : T[K] extends object ? LeafKeys<T[K], `${Prefix}${K}.`> : `${Prefix}${K}`;
}[keyof T & string];
type SettingKey = LeafKeys<StrataSettings>;

interface SpecBase {
  key: SettingKey;
  /** Markdown, as the VS Code settings editor shows it. */
  description: string;
}
interface NumberSpec extends SpecBase {
  /** An 'integer' value with a fraction is rounded down (hand-written configs), not refused. */
  type: 'number' | 'integer';
  default: number;
  minimum: number;
  maximum: number;
}
interface BooleanSpec extends SpecBase { type: 'boolean'; default: boolean }
interface StringSpec extends SpecBase { type: 'string'; default: string }
interface EnumSpec extends SpecBase {
  type: 'enum';
  values: readonly string[];
  /** One markdown line per value, in the order of `values`. */
  valueDescriptions: readonly string[];
  default: string;
}
interface StringArraySpec extends SpecBase {
  type: 'string array';
  default: readonly string[];
  /** When given, the only strings allowed (each at most once); others are dropped with a problem. */
  values?: readonly string[];
}
export type SettingSpec = NumberSpec | BooleanSpec | StringSpec | EnumSpec | StringArraySpec;

const percent = (share: number) => `${Math.round(share * 100)}%`;
const LANGUAGE_NAMES = LANGUAGES.map((l) => l.name);

const TABLE = [
  {
    key: 'memory.totalMB', type: 'number', default: 1024, minimum: 16, maximum: 1 << 20,
    description: 'Total memory budget of the source cache, in MiB. A tier without a budget of its own '
      + '(`#strata.memory.hotMB#`, `#strata.memory.warmMB#`, `#strata.memory.coldMB#`) gets its share: '
      + `hot ${percent(TIER_SHARES.hot)}, warm ${percent(TIER_SHARES.warm)}, cold ${percent(TIER_SHARES.cold)}.`,
  },
  {
    key: 'memory.hotMB', type: 'number', default: 0, minimum: 0, maximum: 1 << 20,
    description: 'Budget of the hot tier (live syntax trees and texts of open and recently used files), in MiB '
      + 'of wasm heap. `0` = its share of `#strata.memory.totalMB#`.',
  },
  {
    key: 'memory.warmMB', type: 'number', default: 0, minimum: 0, maximum: 1 << 20,
    description: 'Budget of the warm tier (LZ4-compressed chunks, no tree), in MiB of stored bytes. '
      + '`0` = its share of `#strata.memory.totalMB#`.',
  },
  {
    key: 'memory.coldMB', type: 'number', default: 0, minimum: 0, maximum: 1 << 20,
    description: 'Budget of the cold tier (Zstandard-compressed packs), in MiB of stored bytes. '
      + '`0` = its share of `#strata.memory.totalMB#`.',
  },
  {
    key: 'journal.maxEdits', type: 'integer', default: 256, minimum: 1, maximum: 100_000,
    description: 'Edits kept in a file\'s journal before it is folded into new chunks (a longer journal also '
      + 'means a full parse instead of a replay).',
  },
  {
    key: 'trees.maxFileSizeMB', type: 'number', default: 2, minimum: 0, maximum: 1024,
    description: 'Files larger than this (MiB) are stored and searchable, but get no syntax tree.',
  },
  {
    key: 'trees.policy', type: 'enum', values: TREE_POLICIES, default: 'budget',
    valueDescriptions: [
      'Strata\'s tiers: the hot memory budget decides which files keep a tree.',
      'A tree for every file (the common design; for comparison).',
      'At most `#strata.trees.maxTrees#` trees, least recently used out (for comparison).',
    ],
    description: 'Which syntax trees stay alive. `budget` is Strata\'s design; `all` and `count` exist to '
      + 'compare it with other servers\' designs in the same server.',
  },
  {
    key: 'trees.maxTrees', type: 'integer', default: 128, minimum: 1, maximum: 10_000_000,
    description: 'With `#strata.trees.policy#` `count`: how many trees stay alive.',
  },
  {
    key: 'indexing.workers', type: 'integer', default: 0, minimum: 0, maximum: MAX_WORKERS,
    description: 'Parser worker threads that index files in parallel. `0` = automatic: every core on a machine '
      + 'with two or fewer, else one fewer than the cores, leaving one for the editor\'s requests. Each worker '
      + 'holds its own memory (a runtime and the syntax trees it is building). A change needs no restart but '
      + 'does not stop running workers: it holds for the workers started from then on (they end when idle, '
      + `at the latest after each indexing run). At most ${MAX_WORKERS}.`,
  },
  {
    key: 'exclude', type: 'string array', default: DEFAULT_EXCLUDES,
    description: 'Glob patterns of files and folders never indexed, everywhere; on top of `.ignore` files '
      + 'and, inside a git work tree, `.gitignore`.',
  },
  {
    key: 'cacheDir', type: 'string', default: '',
    description: 'Folder of the persistent cache (the index saved between runs, one snapshot per workspace '
      + 'folder). Empty = `$XDG_CACHE_HOME/strata` (else `~/.cache/strata`); '
      + `\`${CACHE_OFF}\` = no persistent cache.`,
  },
  {
    key: 'cacheDiskMB', type: 'number', default: 2048, minimum: 1, maximum: 1 << 24,
    description: 'Disk budget (MiB) of all persistent caches in the cache folder; the least recently used '
      + 'workspaces\' caches are deleted first.',
  },
  {
    key: 'languages', type: 'string array', default: LANGUAGE_NAMES, values: LANGUAGE_NAMES,
    description: 'Languages the server parses and indexes; files of other languages are ignored.',
  },
] as const satisfies readonly SettingSpec[];

/** In the order the settings editor and the README list them. */
export const SETTINGS: readonly SettingSpec[] = TABLE;

type Covers<Declared, All extends Declared> = All;
/**
 * Builds only while the table has a row for every key of `StrataSettings` (rows name only its
 * keys). A compile-time check that nothing imports.
 * @public
 */
export type DeclaredKey = Covers<(typeof TABLE)[number]['key'], SettingKey>;

/**
 * Keys a client may send in the `strata` section that are not server settings: `trace.server` is
 * the language client's own (VS Code reads `<client id>.trace.server`).
 */
export const CLIENT_ONLY_KEYS: ReadonlySet<string> = new Set(['trace']);

/** The VS Code settings section; manifest keys are `strata.<key>`. */
const SECTION = 'strata';

/** `contributes.configuration.properties` of the extension manifest. */
export function vscodeProperties(): Record<string, Record<string, unknown>> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const spec of SETTINGS) properties[`${SECTION}.${spec.key}`] = vscodeProperty(spec);
  return properties;
}

function vscodeProperty(spec: SettingSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'number':
    case 'integer':
      return { type: spec.type, default: spec.default, minimum: spec.minimum, maximum: spec.maximum,
        markdownDescription: spec.description };
    case 'boolean':
    case 'string':
      return { type: spec.type, default: spec.default, markdownDescription: spec.description };
    case 'enum':
      return { type: 'string', enum: [...spec.values], default: spec.default,
        markdownEnumDescriptions: [...spec.valueDescriptions], markdownDescription: spec.description };
    case 'string array':
      return {
        type: 'array',
        items: spec.values ? { type: 'string', enum: [...spec.values] } : { type: 'string' },
        ...(spec.values ? { uniqueItems: true } : {}),
        default: [...spec.default],
        markdownDescription: spec.description,
      };
  }
}

/** README.md's settings table (markdown, one row per setting, ending in a newline). */
function readmeTable(): string {
  const rows = ['| setting | default | allowed | meaning |', '|---|---|---|---|'];
  for (const spec of SETTINGS) {
    rows.push(`| \`${spec.key}\` | ${readmeDefault(spec)} | ${readmeAllowed(spec)} | ${readmeMeaning(spec)} |`);
  }
  return rows.join('\n') + '\n';
}

const code = (s: string) => `\`${s}\``;
const codeList = (values: readonly string[]) => values.map(code).join(', ');

function readmeDefault(spec: SettingSpec): string {
  switch (spec.type) {
    case 'number':
    case 'integer':
    case 'boolean':
      return code(String(spec.default));
    case 'string':
      return code(JSON.stringify(spec.default));
    case 'enum':
      return code(spec.default);
    case 'string array':
      if (spec.values && sameStrings(spec.default, spec.values)) return 'all';
      return spec.default.length === 0 ? 'none' : codeList(spec.default);
  }
}

function readmeAllowed(spec: SettingSpec): string {
  switch (spec.type) {
    case 'number': return `${spec.minimum} – ${spec.maximum}`;
    case 'integer': return `integer, ${spec.minimum} – ${spec.maximum}`;
    case 'boolean': return '`true`, `false`';
    case 'string': return 'a string';
    case 'enum': return codeList(spec.values);
    case 'string array': return spec.values ? `any of ${codeList(spec.values)}` : 'strings';
  }
}

function readmeMeaning(spec: SettingSpec): string {
  let text = spec.description;
  if (spec.type === 'enum') {
    text += ' ' + spec.values.map((v, i) => `${code(v)} — ${spec.valueDescriptions[i]}`).join(' ');
  }
  // The README has no setting links: a link shows as the key; a pipe would end the cell.
  return text.replace(/`#strata\.([\w.]+)#`/g, '`$1`').replace(/\|/g, '\\|');
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The lines around README.md's generated settings table. */
const README_MARKERS = {
  begin: '<!-- settings table: generated from server/src/index/settingsTable.ts by `npm run settings:sync` -->',
  end: '<!-- end of settings table -->',
} as const;

/** README.md's settings section from its first marker to the end of its last (blank lines keep the table a table). */
export function readmeSection(): string {
  return `${README_MARKERS.begin}\n\n${readmeTable()}\n${README_MARKERS.end}`;
}

/** The settings section in a README's text, or undefined when its markers are missing. */
export function findReadmeSection(text: string): { start: number; end: number } | undefined {
  const start = text.indexOf(README_MARKERS.begin);
  const last = start < 0 ? -1 : text.indexOf(README_MARKERS.end, start);
  return last < 0 ? undefined : { start, end: last + README_MARKERS.end.length };
}
