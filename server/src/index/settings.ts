/**
 * Strata's settings (LSP section `strata`): their type, their defaults, and the one function that
 * turns whatever a client sent into a complete, valid `StrataSettings`. Every setting's key, type,
 * default, limits and description are declared once, in settingsTable.ts; this file reads by it.
 *
 * Settings arrive in `initializationOptions` and through `workspace/configuration`, and may change at
 * run time. A wrong value or an unknown key never stops the server: the previous value is kept and
 * the returned `problems` say why, which the caller logs. Memory is one total, split among the tiers
 * unless a tier's own value is given.
 */
import type { LanguageName } from '../syntax/languages.js';
import {
  CACHE_OFF, CLIENT_ONLY_KEYS, SETTINGS, TIER_SHARES, type SettingSpec, type TreePolicy,
} from './settingsTable.js';

export { DEFAULT_EXCLUDES } from './settingsTable.js';

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
    policy: TreePolicy;
    maxTrees: number;
  };
  indexing: {
    /**
     * Parser worker threads; 0 means automatic (parserPool.ts `defaultWorkerCount`). The server reads
     * it when an indexing run starts its workers.
     */
    workers: number;
  };
  exclude: string[];
  /**
   * Where the persistent cache lives: '' means the default ($XDG_CACHE_HOME/strata, else
   * ~/.cache/strata), 'off' turns persistence off, anything else is a folder (absolute, or relative
   * to the server's working directory).
   */
  cacheDir: string;
  /**
   * Disk budget of all persistent caches under the cache folder, in MiB (least recently used
   * workspaces go first).
   */
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

const SPEC_BY_KEY: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((spec) => [spec.key, spec]));

/** Dotted keys that hold settings rather than being one: `memory`, `journal`, `trees`. */
const GROUPS: ReadonlySet<string> = new Set(SETTINGS.flatMap((spec) => {
  const parts = spec.key.split('.');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
}));

/** Every setting at its default, as the table declares it. */
export function defaultSettings(): StrataSettings {
  const settings: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const parts = spec.key.split('.');
    let node = settings;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    const value: unknown = spec.default;
    node[parts[parts.length - 1]!] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return settings as unknown as StrataSettings;
}

const MiB = 1024 * 1024;

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

/**
 * Reads settings from a client's object (the `strata` section, or an object that has one). Accepts
 * both nested (`{memory: {totalMB}}`) and dotted (`{"memory.totalMB": 512}`) forms, since VS Code
 * sends the former and hand-written neovim configs often the latter. A key given as null or
 * undefined is not given.
 */
export function parseSettings(raw: unknown, base: StrataSettings = defaultSettings()):
  { settings: StrataSettings; problems: Problems } {
  const problems: Problems = [];
  const settings = structuredClone(base);
  if (raw === undefined || raw === null) return { settings, problems };
  if (!isRecord(raw)) {
    problems.push(`settings must be an object; got ${show(raw)}`);
    return { settings, problems };
  }
  const section = isRecord(raw['strata']) ? raw['strata'] : raw;
  readGroup(expandDotted(section), '', settings as unknown as Record<string, unknown>, problems);
  return { settings, problems };
}

function readGroup(src: Record<string, unknown>, prefix: string, into: Record<string, unknown>,
  problems: Problems): void {
  for (const [name, value] of Object.entries(src)) {
    if (value === undefined || value === null) continue;
    const key = prefix + name;
    const spec = SPEC_BY_KEY.get(key);
    if (spec) {
      const read = readValue(spec, value, into[name]);
      if (read.problem !== undefined) problems.push(read.problem);
      if (read.accepted) into[name] = read.value;
    } else if (GROUPS.has(key)) {
      if (isRecord(value)) readGroup(value, `${key}.`, into[name] as Record<string, unknown>, problems);
      else problems.push(`setting strata.${key} must be an object of settings; got ${show(value)}, ignored`);
    } else if (!(prefix === '' && CLIENT_ONLY_KEYS.has(name))) {
      problems.push(`setting strata.${key} is unknown; ignored`);
    }
  }
}

type Read = { accepted: true; value: unknown; problem?: string } | { accepted: false; problem: string };

/** A value checked against its declaration; a refused one names the setting and the value kept. */
function readValue(spec: SettingSpec, v: unknown, previous: unknown): Read {
  const refuse = (expected: string): Read => ({
    accepted: false,
    problem: `setting strata.${spec.key} must be ${expected}; got ${show(v)}, keeping ${show(previous)}`,
  });
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.minimum || v > spec.maximum) {
        return refuse(`a number from ${spec.minimum} to ${spec.maximum}`);
      }
      return { accepted: true, value: spec.type === 'integer' ? Math.floor(v) : v };
    }
    case 'boolean':
      return typeof v === 'boolean' ? { accepted: true, value: v } : refuse('true or false');
    case 'string':
      return typeof v === 'string' ? { accepted: true, value: v } : refuse('a string');
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v) ? { accepted: true, value: v }
        : refuse(`one of ${spec.values.map((x) => `'${x}'`).join(', ')}`);
    case 'string array': {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return refuse('an array of strings');
      if (!spec.values) return { accepted: true, value: [...v] };
      const allowed = new Set(spec.values);
      const unknown = v.filter((x) => !allowed.has(x));
      const value = [...new Set(v.filter((x) => allowed.has(x)))];
      if (unknown.length === 0) return { accepted: true, value };
      return { accepted: true, value,
        problem: `setting strata.${spec.key}: unknown value(s) ${unknown.join(', ')} ignored` };
    }
  }
}

/** A value as a problem line quotes it: JSON where possible, and short. */
function show(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    // BigInts and cycles have no JSON form.
  }
  text ??= String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * `{"memory.totalMB": 5}` → `{memory: {totalMB: 5}}`; nested keys win over dotted ones. The objects
 * made here have no prototype, so a key such as `__proto__` is only a key.
 */
function expandDotted(src: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(src)) {
    if (!key.includes('.')) continue;
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) {
      if (!isRecord(node[p])) node[p] = Object.create(null);
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  for (const [key, value] of Object.entries(src)) {
    if (key.includes('.')) continue;
    if (isRecord(value) && isRecord(out[key])) out[key] = Object.assign(Object.create(null), out[key], value);
    else out[key] = value;
  }
  return out;
}
