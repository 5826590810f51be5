/**
 * The pure parts of the `kernel` section (sections/kernel.ts): where requests are aimed, how their
 * latencies are summarised, how an RSS timeline becomes a chart, and which ctags languages match
 * Strata's. Nothing here starts a process or reads a clock, so kernelMeasure.test.ts pins it.
 *
 * Targets: a seeded generator picks a `.c` file, then one identifier token of it. Tokens come from a
 * plain scan of the text with comments, string and character literals and `#include` lines blanked
 * out (offsets kept), C keywords, preprocessor directive names and names under 3 characters left
 * out: what a person could click on in code. The same files, texts and seed give the same targets.
 * Positions are LSP's (UTF-16 units, which JavaScript string offsets are).
 */
import type { LanguageName } from '../../server/src/syntax/languages.js';
import { seededRandom } from '../../server/src/index/seededRandom.js';
import { percentile, positionAt } from './lspMeasure.js';
import type { Chart } from './types.js';

const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', '_Bool',
  '_Complex', '_Imaginary', '_Alignas', '_Alignof', '_Atomic', '_Generic', '_Noreturn', '_Static_assert',
  '_Thread_local', 'defined',
]);

/** The text with comments, string/char literals and `#include` lines turned to spaces; line breaks and offsets kept. */
export function maskCommentsAndStrings(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    let end = i + 1;
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      end = nl < 0 ? text.length : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < text.length && text[k] !== c && text[k] !== '\n') k += text[k] === '\\' ? 2 : 1;
      end = Math.min(text.length, k + 1);
    } else {
      i = end;
      continue;
    }
    blank(i, end);
    i = end;
  }
  return out.join('').replace(/^[ \t]*#[ \t]*include\b.*$/gm, (m) => ' '.repeat(m.length));
}

/** Offsets and names of the identifier tokens worth a request (see the header). */
export function identifierTokens(text: string): { offset: number; name: string }[] {
  const masked = maskCommentsAndStrings(text);
  const out: { offset: number; name: string }[] = [];
  for (const m of masked.matchAll(/\b[A-Za-z_]\w*/g)) {
    const name = m[0];
    if (name.length < 3 || C_KEYWORDS.has(name)) continue;
    // A directive's name (`#define`, `#ifdef`): not an identifier of the program.
    if (/#[ \t]*$/.test(masked.slice(Math.max(0, m.index - 8), m.index))) continue;
    out.push({ offset: m.index, name });
  }
  return out;
}

export interface Target {
  path: string;
  name: string;
  line: number;
  character: number;
  /** The workspace/symbol query for this target: a prefix of its name, 3–8 characters. */
  query: string;
}

/**
 * `count` targets from `files` (sorted by the caller) with seed `seed`; `read` gives a file's text.
 * A file without tokens is passed over; the draw gives up after `count` × 20 files.
 */
export function pickTargets(files: readonly string[], count: number, seed: number,
  read: (path: string) => string): Target[] {
  const rnd = seededRandom(seed);
  const out: Target[] = [];
  for (let tries = 0; out.length < count && tries < count * 20 && files.length > 0; tries++) {
    const path = files[Math.floor(rnd() * files.length)]!;
    const text = read(path);
    const tokens = identifierTokens(text);
    if (tokens.length === 0) continue;
    const t = tokens[Math.floor(rnd() * tokens.length)]!;
    const length = Math.min(t.name.length, 3 + Math.floor(rnd() * 6));
    out.push({ path, name: t.name, ...positionAt(text, t.offset), query: t.name.slice(0, length) });
  }
  return out;
}

/** One request's outcome: answered (with or without results), failed with an error, or timed out. */
export interface Sample {
  ms: number;
  outcome: 'hit' | 'empty' | 'error' | 'timeout';
}

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  hits: number;
  empty: number;
  errors: number;
  timeouts: number;
}

/** Nearest-rank percentiles; a timed-out request counts as `timeoutMs` (it was cancelled then). */
export function summarizeSamples(samples: readonly Sample[], timeoutMs: number): LatencySummary {
  const ms = samples.map((s) => (s.outcome === 'timeout' ? timeoutMs : s.ms));
  const count = (o: Sample['outcome']) => samples.filter((s) => s.outcome === o).length;
  return {
    n: samples.length, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99),
    max: ms.length > 0 ? Math.max(...ms) : NaN,
    hits: count('hit'), empty: count('empty'), errors: count('error'), timeouts: count('timeout'),
  };
}

/** Memory samples of one server run: seconds since it started, and bytes. */
export interface Timeline {
  name: string;
  samples: { t: number; bytes: number }[];
}

/**
 * A line chart of several timelines on one grid of at most `maxPoints` buckets: each bucket shows the
 * largest sample in it (peaks stay visible), a bucket without a sample repeats the previous value, and
 * every series covers the buckets from 0 to its last sample, so all share one ascending x axis.
 */
export function rssChart(title: string, timelines: readonly Timeline[], maxPoints = 240): Chart {
  const longest = Math.max(0, ...timelines.flatMap((tl) => tl.samples.map((s) => s.t)));
  const width = Math.max(1, Math.ceil(longest / maxPoints));
  const series = timelines.map((tl) => {
    const buckets: number[] = [];
    for (const s of tl.samples) {
      const b = Math.floor(s.t / width);
      buckets[b] = Math.max(buckets[b] ?? 0, s.bytes);
    }
    const points: { x: number; y: number }[] = [];
    let last = 0;
    for (let b = 0; b < buckets.length; b++) {
      last = buckets[b] ?? last;
      points.push({ x: b * width, y: last / 2 ** 20 });
    }
    return { name: tl.name, points };
  });
  return { title, unit: 'MB', kind: 'line', series };
}

/** ctags' name of each language Strata indexes (none: ctags has no parser of its own for it). */
const CTAGS_LANGUAGE: Readonly<Record<LanguageName, string | undefined>> = {
  javascript: 'JavaScript', typescript: 'TypeScript', tsx: undefined, python: 'Python', go: 'Go', rust: 'Rust',
  c: 'C', cpp: 'C++', java: 'Java', json: 'JSON', bash: 'Sh',
};

/**
 * universal-ctags' arguments for the languages Strata indexes, files matched as Strata matches them
 * where the maps differ (`.h` is C to Strata, C++ to ctags by default).
 */
export function ctagsArgs(root: string, tagsFile: string): string[] {
  const languages = Object.values(CTAGS_LANGUAGE).filter((l): l is string => l !== undefined);
  return ['-R', `--languages=${languages.join(',')}`, '--map-C=+.h', '--map-C++=-.h', '-f', tagsFile, root];
}
