/**
 * What the benchmark corpus is made of, as data: which registry packages, at which pinned versions,
 * and which of them form release series. Pinned (not "latest") so that every run and every machine
 * measures the same bytes; the builder only ever fetches what is listed here.
 *
 * Two plans: `full` (the real corpus, a few hundred MB, built in minutes) and `small` (a few MB, for
 * quick runs and CI smoke tests). Set ids are shared, so a small build reuses a full build's
 * extracted sets and vice versa.
 */

export interface NpmSpec {
  kind: 'npm';
  name: string;
  version: string;
  /** Extract only members matching these tar wildcards (relative to the package's top folder). */
  only?: string[];
}

export interface DebSpec {
  kind: 'debian';
  /** Binary package name as apt knows it; the version is whatever the configured suite serves. */
  name: string;
}

/** Shell scripts gathered from Debian packages into one folder, for the bash-language-server peer. */
export interface ShellCorpusSpec {
  /** Debian packages whose shell scripts are collected (extracted as ordinary sets too). */
  from: string[];
  /** Replicate the distinct scripts into copy folders until at least this many bytes (0: no copies). */
  minBytes: number;
}

export interface CorpusPlan {
  npm: NpmSpec[];
  debian: DebSpec[];
  /** Series of consecutive releases: [name, versions oldest first] of npm packages in `npm`. */
  series: { name: string; pkg: string; versions: string[] }[];
  shell: ShellCorpusSpec;
}

/**
 * Consecutive published releases of task-library, an npm package made mostly of bash (205 scripts).
 * At ~70 KB a release it is too small for the full plan's dedup series, so only the small plan uses it.
 */
const TASK_LIBRARY_RELEASES = [
  '0.3.20', '0.6.5', '0.6.10', '0.7.0', '0.161.0', '0.181.0', '0.189.0', '0.190.0', '0.194.0', '0.198.0',
  '0.209.0', '0.216.0', '0.226.0', '0.228.0', '0.233.0', '0.265.0', '0.268.0', '0.269.0', '0.272.0', '0.274.0',
];

/**
 * Twenty consecutive releases of axios (~2 MB, 86 files each: sources plus built bundles). No npm
 * package made mostly of shell has twenty releases of that size, so the long series is JavaScript.
 */
const AXIOS_RELEASES = [
  '1.6.0', '1.6.1', '1.6.2', '1.6.3', '1.6.4', '1.6.5', '1.6.6', '1.6.7', '1.6.8',
  '1.7.0', '1.7.1', '1.7.2', '1.7.3', '1.7.4', '1.7.5', '1.7.6', '1.7.7', '1.7.8', '1.7.9', '1.8.0',
];

const PAIRS: [string, string, string][] = [
  ['typescript', '5.6.2', '5.6.3'],
  ['lodash', '4.17.20', '4.17.21'],
  ['rxjs', '7.8.0', '7.8.1'],
  ['@types/node', '20.14.8', '20.14.9'],
];

/** Packages that hold bash/sh scripts (completions, init tooling, build helpers, test suites). */
const SHELL_PACKAGES = [
  'bash-completion', 'bash-doc', 'dracut-core', 'live-build', 'xdg-utils', 'byobu', 'debootstrap', 'libtool',
  'grub-common', 'initramfs-tools-core', 'devscripts', 'shunit2', 'bats', 'tlp', 'lxc-templates', 'dkms',
  'neofetch', 'gnulib', 'git', 'kdump-tools', 'fzf',
];

// Generated C: only the grammar sources, not the prebuilt binaries the packages also ship.
const GENERATED_C: NpmSpec[] = [
  { kind: 'npm', name: 'tree-sitter-javascript', version: '0.25.0', only: ['*/src/*'] },
  { kind: 'npm', name: 'tree-sitter-typescript', version: '0.23.2', only: ['*/src/*'] },
];

export const FULL_PLAN: CorpusPlan = {
  npm: [
    ...PAIRS.flatMap(([name, a, b]) => [{ kind: 'npm' as const, name, version: a }, { kind: 'npm' as const, name, version: b }]),
    ...GENERATED_C,
    ...AXIOS_RELEASES.map((version) => ({ kind: 'npm' as const, name: 'axios', version })),
  ],
  debian: [
    'golang-1.19-src', 'libpython3.11-stdlib', 'linux-libc-dev', 'librust-tokio-dev', 'librust-syn-dev',
    ...SHELL_PACKAGES,
  ].map((name) => ({ kind: 'debian' as const, name })),
  series: [
    ...PAIRS.map(([name, a, b]) => ({ name: `${name} ${a}→${b}`, pkg: name, versions: [a, b] })),
    { name: 'axios ×20', pkg: 'axios', versions: AXIOS_RELEASES },
  ],
  shell: { from: SHELL_PACKAGES, minBytes: 30 * 1024 * 1024 },
};

export const SMALL_PLAN: CorpusPlan = {
  npm: [
    { kind: 'npm', name: 'lodash', version: '4.17.20' },
    { kind: 'npm', name: 'lodash', version: '4.17.21' },
    GENERATED_C[0]!,
    ...TASK_LIBRARY_RELEASES.slice(-3).map((version) => ({ kind: 'npm' as const, name: 'task-library', version })),
  ],
  debian: [{ kind: 'debian', name: 'bash-completion' }],
  series: [
    { name: 'lodash 4.17.20→4.17.21', pkg: 'lodash', versions: ['4.17.20', '4.17.21'] },
    { name: 'task-library ×3', pkg: 'task-library', versions: TASK_LIBRARY_RELEASES.slice(-3) },
  ],
  shell: { from: ['bash-completion'], minBytes: 0 },
};

/** The set id of an npm package release, e.g. `npm/@types/node@20.14.9`. */
export function npmSetId(name: string, version: string): string {
  return `npm/${name}@${version}`;
}

/** Folder name under `.corpus/npm/` (scoped names flattened: `@types/node` → `@types__node`). */
export function npmDirName(name: string, version: string): string {
  return `${name.replace('/', '__')}@${version}`;
}
