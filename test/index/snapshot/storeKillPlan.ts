/**
 * The rounds of the store kill -9 test, shared by the test and its child (killStore.ts): which files
 * round SEED puts (new or changed, each text a function of its version) and removes, given the keys
 * the store holds; and the record and text of a key at a version (its mtime).
 */
import { fastText, fileFor, prng, type Original } from './helpers.js';

export const KILL_ROOT = '/ws';
/** Bytes of each text: enough that a write takes long enough for the kills to land inside it. */
const TEXT_BYTES = 96_000;
const KEYS = 40;

export function recordOf(key: string, version: number): Original {
  const text = fastText(version, TEXT_BYTES);
  return { file: fileFor(key, text, { mtimeMs: version, symbols: [{ name: `v${version}`, kind: 12, span: [0, 0, 1, 0], nameSpan: [0, 0, 0, 3] }] }), text };
}

/** Round `seed`'s changes to a store holding `state` (key → version): 3–8 puts, up to 2 removals. */
export function planRound(seed: number, state: ReadonlyMap<string, number>): { puts: Map<string, number>; removals: string[] } {
  const next = prng(seed * 7919 + 17);
  for (let i = 0; i < 8; i++) next();
  const puts = new Map<string, number>();
  for (let i = 3 + (next() % 6); i > 0; i--) puts.set(`/ws/k${next() % KEYS}.ts`, seed * 100 + i);
  const held = [...state.keys()].filter((k) => !puts.has(k)).sort();
  const removals: string[] = [];
  for (let i = next() % 3; i > 0 && held.length > 0; i--) removals.push(...held.splice(next() % held.length, 1));
  return { puts, removals };
}

/** The state after round `seed` (what the store holds once its write is in place). */
export function applyRound(seed: number, state: ReadonlyMap<string, number>): Map<string, number> {
  const { puts, removals } = planRound(seed, state);
  const out = new Map(state);
  for (const [k, v] of puts) out.set(k, v);
  for (const k of removals) out.delete(k);
  return out;
}
