/**
 * Shapes shared by the benchmark's parts: the corpus manifest written by the corpus builder, and the
 * section each part returns to the runner, which writes them as JSON, Markdown and SVG.
 */

/** One set of files in the corpus, extracted under `.corpus/`. */
export interface CorpusSet {
  /** Stable id, e.g. `npm/typescript@5.6.2` or `debian/golang-1.19-src`. */
  id: string;
  source: 'npm' | 'debian';
  name: string;
  version: string;
  /** Absolute path of the extracted tree. */
  dir: string;
  files: number;
  bytes: number;
  /** Files per language name (as in server/src/syntax/languages.ts), for the files Strata parses. */
  languages: Record<string, number>;
  /** Bytes per language name, for the same files as `languages`. */
  languageBytes?: Record<string, number>;
  /** For a set assembled from others (e.g. the shell corpus): the ids it was gathered from. */
  derivedFrom?: string[];
  /** How the set was made, when that is not obvious from its name (e.g. replicated copies). */
  note?: string;
}

/** Consecutive releases of one project, oldest first (for dedup across releases). */
export interface CorpusSeries {
  name: string;
  /** Ids of CorpusSet entries, oldest first. */
  sets: string[];
}

export interface CorpusManifest {
  root: string;
  sets: CorpusSet[];
  /** Pairs of patch releases (e.g. typescript 5.6.2 → 5.6.3) and the long series of releases. */
  series: CorpusSeries[];
  /** `full` or `small` (the quick plan). */
  plan?: 'full' | 'small';
  /** ISO date of the build, and how long it took (sets already extracted are not fetched again). */
  builtAt?: string;
  buildMs?: number;
  /** Id of the shell-script set used to compare with bash-language-server. */
  shellSet?: string;
  /** The Linux kernel tree, for the `kernel` section only (built when it runs; not one of `sets`). */
  kernel?: CorpusSet;
  /** Why the kernel tree was asked for but not built (e.g. its Debian package is not installed). */
  kernelError?: string;
}

export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** What the issue asks for; the report marks the metric met or missed. */
  target?: { op: '>=' | '<='; value: number };
  note?: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

/** A bar or line chart for the SVG report. */
export interface Chart {
  title: string;
  unit: string;
  kind: 'bar' | 'line';
  series: { name: string; points: { x: string | number; y: number }[] }[];
}

export interface BenchSection {
  id: string;
  title: string;
  metrics: Metric[];
  tables?: Table[];
  charts?: Chart[];
}
