/**
 * Strata's settings (LSP section `strata`): their defaults, and the one function that turns whatever a
 * client sent into a complete, valid `StrataSettings`.
 *
 * Settings arrive in `initializationOptions` and through `workspace/configuration`, and may change at
 * run time. A wrong value never stops the server: it is replaced by the default and reported in the
 * returned `problems`, which the caller logs. Memory is one total, split among the tiers unless a
 * tier's own value is given.
 */
import { LANGUAGES, type LanguageName } from '../syntax/languages.js';

export interface StrataSettings {
  memory: {
    /** Total memory budget for the cache, in MiB. */
    totalMB: number;
    /** Per-tier budgets in MiB; 0 means "my share of totalMB". */
    hotMB: number;
    warmMB: number;
    coldMB: number;
  };
  journal: { maxEdits: number };
  trees: {
    maxFileSizeMB: number;
    /**
     * Which trees stay alive: 'budget' (Strata's tiers: the hot byte budget decides), 'all' (a tree
     * for every file, the common design) or 'count' (an LRU of `maxTrees` trees by count). The last
     * two exist to measure Strata against those designs in the same server (npm run bench).
     */
    policy: 'budget' | 'all' | 'count';
    maxTrees: number;
  };
  exclude: string[];
  /**
   * Where the persistent cache lives: '' means the default ($XDG_CACHE_HOME/strata, else
   * ~/.cache/strata), 'off' turns persistence off, anything else is a folder (absolute, or relative
   * to the server's working directory).
   */
  cacheDir: string;
  /** Disk budget of all persistent caches under the cache folder, in MiB (least recently used workspaces go first). */
  cacheDiskMB: number;
  languages: LanguageName[];
}

export interface TierBudgets {
  /** Wasm-heap bytes that live trees may take. */
  hotBytes: number;
  /** Stored (compressed) bytes of each tier. */
  warmBytes: number;
  coldBytes: number;
}

/** How a total is shared when a tier has no value of its own: trees are the dearest bytes. */
const TIER_SHARES = { hot: 0.25, warm: 0.25, cold: 0.5 } as const;

export const DEFAULT_EXCLUDES = ['**/.git/**', '**/node_modules/**', '**/.hg/**', '**/.svn/**'];

export function defaultSettings(): StrataSettings {
  return {
    memory: { totalMB: 1024, hotMB: 0, warmMB: 0, coldMB: 0 },
    journal: { maxEdits: 256 },
    trees: { maxFileSizeMB: 2, policy: 'budget', maxTrees: 128 },
    exclude: [...DEFAULT_EXCLUDES],
    cacheDir: '',
    cacheDiskMB: 2048,
    languages: LANGUAGES.map((l) => l.name),
  };
}

const MiB = 1024 * 1024;

/** The `cacheDir` value that turns the persistent cache off. */
export const CACHE_OFF = 'off';

export function persistenceEnabled(s: StrataSettings): boolean {
  return s.cacheDir.trim().toLowerCase() !== CACHE_OFF;
}

export function tierBudgets(s: StrataSettings): TierBudgets {
  const share = (own: number, part: number) => Math.round((own > 0 ? own : s.memory.totalMB * part) * MiB);
  return {
    hotBytes: share(s.memory.hotMB, TIER_SHARES.hot),
    warmBytes: share(s.memory.warmMB, TIER_SHARES.warm),
    coldBytes: share(s.memory.coldMB, TIER_SHARES.cold),
  };
}

type Problems = string[];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readNumber(src: Record<string, unknown>, key: string, path: string, fallback: number,
  min: number, max: number, problems: Problems): number {
  const v = src[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    problems.push(`setting strata.${path} must be a number from ${min} to ${max}; got ${JSON.stringify(v)}, using ${fallback}`);
    return fallback;
  }
  return v;
}

function readStrings(v: unknown, path: string, fallback: string[], problems: Problems): string[] {
  if (v === undefined || v === null) return fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    problems.push(`setting strata.${path} must be an array of strings; got ${JSON.stringify(v)}`);
    return fallback;
  }
  return v as string[];
}

/**
 * Reads settings from a client's object (the `strata` section, or an object that has one). Accepts
 * both nested (`{memory: {totalMB}}`) and dotted (`{"memory.totalMB": 512}`) forms, since VS Code
 * sends the former and hand-written neovim configs often the latter.
 */
export function parseSettings(raw: unknown, base: StrataSettings = defaultSettings()): { settings: StrataSettings; problems: Problems } {
  const problems: Problems = [];
  const s = structuredClone(base);
  if (raw === undefined || raw === null) return { settings: s, problems };
  if (!isRecord(raw)) {
    problems.push(`settings must be an object; got ${JSON.stringify(raw)}`);
    return { settings: s, problems };
  }
  const src = isRecord(raw['strata']) ? raw['strata'] : raw;
  const expanded = expandDotted(src);

  const memory = isRecord(expanded['memory']) ? expanded['memory'] : {};
  s.memory.totalMB = readNumber(memory, 'totalMB', 'memory.totalMB', s.memory.totalMB, 16, 1 << 20, problems);
  s.memory.hotMB = readNumber(memory, 'hotMB', 'memory.hotMB', s.memory.hotMB, 0, 1 << 20, problems);
  s.memory.warmMB = readNumber(memory, 'warmMB', 'memory.warmMB', s.memory.warmMB, 0, 1 << 20, problems);
  s.memory.coldMB = readNumber(memory, 'coldMB', 'memory.coldMB', s.memory.coldMB, 0, 1 << 20, problems);
  const journal = isRecord(expanded['journal']) ? expanded['journal'] : {};
  s.journal.maxEdits = Math.floor(readNumber(journal, 'maxEdits', 'journal.maxEdits', s.journal.maxEdits, 1, 100_000, problems));
  const trees = isRecord(expanded['trees']) ? expanded['trees'] : {};
  s.trees.maxFileSizeMB = readNumber(trees, 'maxFileSizeMB', 'trees.maxFileSizeMB', s.trees.maxFileSizeMB, 0, 1024, problems);
  s.trees.maxTrees = Math.floor(readNumber(trees, 'maxTrees', 'trees.maxTrees', s.trees.maxTrees, 1, 10_000_000, problems));
  if (trees['policy'] !== undefined && trees['policy'] !== null) {
    if (trees['policy'] === 'budget' || trees['policy'] === 'all' || trees['policy'] === 'count') s.trees.policy = trees['policy'];
    else problems.push(`setting strata.trees.policy must be 'budget', 'all' or 'count'; got ${JSON.stringify(trees['policy'])}`);
  }
  s.exclude = readStrings(expanded['exclude'], 'exclude', s.exclude, problems);
  if (expanded['cacheDir'] !== undefined && expanded['cacheDir'] !== null) {
    if (typeof expanded['cacheDir'] === 'string') s.cacheDir = expanded['cacheDir'];
    else problems.push(`setting strata.cacheDir must be a string (a folder, '' for the default, or 'off'); got ${JSON.stringify(expanded['cacheDir'])}`);
  }
  s.cacheDiskMB = readNumber(expanded, 'cacheDiskMB', 'cacheDiskMB', s.cacheDiskMB, 1, 1 << 24, problems);
  const langs = readStrings(expanded['languages'], 'languages', s.languages, problems);
  const known = new Set<string>(LANGUAGES.map((l) => l.name));
  const unknown = langs.filter((l) => !known.has(l));
  if (unknown.length > 0) problems.push(`setting strata.languages: unknown language(s) ${unknown.join(', ')} ignored`);
  s.languages = langs.filter((l): l is LanguageName => known.has(l));
  return { settings: s, problems };
}

/** `{"memory.totalMB": 5}` → `{memory: {totalMB: 5}}`; nested keys win over dotted ones. */
function expandDotted(src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (!key.includes('.')) continue;
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) {
      if (!isRecord(node[p])) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  for (const [key, value] of Object.entries(src)) {
    if (key.includes('.')) continue;
    if (isRecord(value) && isRecord(out[key])) out[key] = { ...(out[key] as Record<string, unknown>), ...value };
    else out[key] = value;
  }
  return out;
}
