/**
 * The benchmark runner (`npm run bench [-- --small] [-- --only <id>]`): builds or loads the corpus
 * (cached, see corpus.ts), then runs every section found in `sections/*.js` one after another — the
 * machine is small and shared, so sections never run concurrently; each compares its own variants
 * side by side within its run — and writes bench-out/report.{json,md,svg} (report.ts).
 *
 * Each section runs in a process of its own (this file with `--section <id>`, its result passed back
 * as JSON): a section that runs after others would otherwise carry their heaps — the pool of the
 * `syntax` section measured 1.28× after the other sections in one process and 1.57–1.65× alone,
 * since its main thread's collections grew with what they had left behind.
 *
 * The corpus is built for the sections that run: the `kernel` section reads only the kernel tree
 * (corpus/kernel.ts), every other section the general sets, so `--only kernel` needs no download.
 *
 * A section is a module exporting an async function named `<something>Section(corpus, context)`
 * that returns a BenchSection. Sections are loaded dynamically: ones that do not exist yet are
 * named in the report as missing, and one that throws is reported as failed without stopping others.
 */
import { readdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchSection, CorpusManifest, CorpusSet } from './types.js';
import { buildCorpus, findRepoRoot, summarize } from './corpus.js';
import { machineFacts, writeReport, type BenchReport } from './report.js';
import { errorMessage } from '../../server/src/base/errors.js';

/** Sections the report is expected to contain; absent ones are listed as missing. */
export const EXPECTED_SECTIONS = ['cache', 'syntax', 'peer-bash', 'lsp', 'persist', 'kernel'];

export interface SectionContext {
  small: boolean;
  root: string;
  /** Where the report goes (`--out`, default bench-out/), for a section's own extra files. */
  outDir: string;
  log: (line: string) => void;
}

/** The parts of the corpus that the given sections read (see the header). */
export function corpusParts(sectionIds: readonly string[]): { general: boolean; kernel: boolean } {
  return { general: sectionIds.some((id) => id !== 'kernel'), kernel: sectionIds.includes('kernel') };
}

export type SectionFn = (corpus: CorpusManifest, ctx: SectionContext) => Promise<BenchSection>;

export interface LoadedSection {
  id: string;
  file: string;
  fn: SectionFn;
}

/** Finds section modules in a folder and their `*Section` export. */
export async function loadSections(dir: string): Promise<{ sections: LoadedSection[]; broken: { id: string; message: string }[] }> {
  const sections: LoadedSection[] = [];
  const broken: { id: string; message: string }[] = [];
  if (!existsSync(dir)) return { sections, broken };
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js')).sort();
  for (const f of files) {
    const id = basename(f, '.js');
    try {
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
      const name = Object.keys(mod).find((k) => /Section$/.test(k) && typeof mod[k] === 'function');
      if (!name) {
        // A helper module beside the sections, not a section.
        continue;
      }
      sections.push({ id, file: join(dir, f), fn: mod[name] as SectionFn });
    } catch (err) {
      broken.push({ id, message: `could not load: ${errorMessage(err)}` });
    }
  }
  return { sections, broken };
}

export const USAGE = 'usage: npm run bench [-- --small] [-- --only <id>[,<id>…]] [-- --out <dir>]';

/**
 * The runner's flags; `help` for --help/-h. Any other word is an error: a mistyped flag must not start
 * the whole benchmark (an hour, and a kernel download).
 */
export function parseArgs(argv: string[]): {
  small: boolean; only: string[]; out?: string; section?: { id: string; out: string }; help?: true;
} {
  const only: string[] = [];
  let out: string | undefined;
  let section: { id: string; out: string } | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else if (argv[i]?.startsWith('--only=')) only.push(...argv[i]!.slice(7).split(',').filter(Boolean));
    else if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--section') section = { id: argv[++i] ?? '', out: argv[++i] ?? '' };
    else if (argv[i] === '--help' || argv[i] === '-h') return { small: false, only: [], help: true };
    else if (argv[i] !== '--small') throw new Error(`unknown argument ${JSON.stringify(argv[i])}; ${USAGE}`);
  }
  return { small: argv.includes('--small'), only, out, ...(section ? { section } : {}) };
}

/** The kernel tree in one line, for the report. */
function kernelLine(k: CorpusSet): string {
  const mb = (k.bytes / 2 ** 20).toFixed(1);
  return `${k.id} ${k.version}, ${k.files.toLocaleString('en-US')} files, ${mb} MB (${k.note ?? ''})`;
}

/** Runs one section in a child process (see header); its result, or the error it reported. */
function runSectionProcess(id: string, small: boolean, outDir: string): BenchSection {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-section-'));
  try {
    const out = join(dir, 'section.json');
    const args = ['--section', id, out, '--out', outDir, ...(small ? ['--small'] : [])];
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const written = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) as { result?: BenchSection; error?: string } : undefined;
    if (written?.result) return written.result;
    throw new Error(written?.error ?? `section process ended with ${child.signal ?? `exit ${child.status}`}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBench(argv: string[]): Promise<BenchReport> {
  const started = performance.now();
  const args = parseArgs(argv);
  const root = findRepoRoot();
  const outDir = resolve(root, args.out ?? 'bench-out');
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const { sections, broken } = await loadSections(join(dirname(fileURLToPath(import.meta.url)), 'sections'));
  const wanted = (id: string) => args.only.length === 0 || args.only.includes(id);
  const running = args.section ? [args.section.id]
    : [...new Set([...EXPECTED_SECTIONS, ...sections.map((s) => s.id), ...args.only])].filter(wanted);
  const corpus = await buildCorpus({
    small: args.small, root, log: args.section ? () => {} : log, ...corpusParts(running),
  });
  if (!args.section) log(summarize(corpus));
  const present = new Set([...sections.map((s) => s.id), ...broken.map((b) => b.id)]);
  const missing = EXPECTED_SECTIONS.filter((id) => !present.has(id) && wanted(id));
  for (const id of args.only) if (!present.has(id) && !missing.includes(id)) missing.push(id);
  if (missing.length > 0) log(`bench: sections not present: ${missing.join(', ')}`);

  if (args.section) {
    // A child of the runner: this one section, its result written as JSON.
    const s = sections.find((x) => x.id === args.section!.id);
    let written: { result?: BenchSection; error?: string };
    try {
      if (!s) throw new Error(`no section ${args.section.id}`);
      written = { result: await s.fn(corpus, { small: args.small, root, outDir, log }) };
    } catch (err) {
      log(`bench: section ${args.section.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      written = { error: errorMessage(err) };
    }
    writeFileSync(args.section.out, JSON.stringify(written));
    return { machine: machineFacts(), corpus: { plan: '', sets: 0, files: 0, bytes: 0, buildMs: 0 }, sections: [], missing: [], errors: [], elapsedMs: 0 };
  }

  const results: BenchSection[] = [];
  const errors = broken.filter((b) => wanted(b.id));
  for (const s of sections.filter((x) => wanted(x.id))) {
    log(`bench: section ${s.id}…`);
    const t = performance.now();
    try {
      results.push(runSectionProcess(s.id, args.small, outDir));
      log(`bench: section ${s.id} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`bench: section ${s.id} failed: ${message}`);
      errors.push({ id: s.id, message: errorMessage(err) });
    }
  }

  const report: BenchReport = {
    machine: machineFacts(),
    corpus: {
      plan: corpus.plan ?? (args.small ? 'small' : 'full'), sets: corpus.sets.length,
      files: corpus.sets.reduce((a, s) => a + s.files, 0), bytes: corpus.sets.reduce((a, s) => a + s.bytes, 0), buildMs: corpus.buildMs,
      ...(corpus.kernel ? { kernel: kernelLine(corpus.kernel) } : {}),
    },
    sections: results, missing, errors, elapsedMs: Math.round(performance.now() - started),
  };
  const files = await writeReport(report, outDir);
  log(`bench: wrote ${files.json}, ${files.md}, ${files.svg}`);
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const help = (() => { try { return parseArgs(process.argv.slice(2)).help; } catch { return undefined; } })();
  if (help) console.log(USAGE);
  else runBench(process.argv.slice(2)).then(
    (r) => { if (r.errors.length > 0) process.exitCode = 1; },
    (err) => { console.error(`bench: ${errorMessage(err)}`); process.exitCode = 1; },
  );
}
