// ESLint (flat config) for the server, the extension, the tests and the scripts: `npm run lint`.
// Two parts: the recommended rules of ESLint and typescript-eslint (the few turned off say why), and
// the layer rule (ARCHITECTURE.md): imports go one way, lsp → index → syntax → cache; cli.ts on top;
// protocol.ts and base/ at the bottom; web-tree-sitter only in syntax/, vscode-languageserver only in
// lsp/, and the extension takes nothing of the server but protocol.ts. test/lint/layers.test.ts
// checks that the layer rule fires.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// ---- The layer rule ----------------------------------------------------------------------------
// Built on `no-restricted-imports` (import/export declarations, `import x = require()`) and
// `no-restricted-syntax` (what that rule does not see: `import('…')` calls and inline type imports
// `import('…').T`), with the same regular expressions. A relative import is matched by the folder
// names it goes through, not by its depth: `../lsp/x.js` and `../../lsp/x.js` both name `lsp`, and
// any path that reaches a folder must name it. (`index` is a layer folder only as `index/`, never
// the file `index.js`.)

/** A relative import through the server folder `name` (a directory segment). */
const through = (name) => String.raw`^\.\.?/(.*/)?${name}/`;
const LAYER = {
  lsp: { regex: through('lsp'), message: 'lsp/ is the top layer: nothing below it imports it.' },
  index: { regex: through('index'), message: 'index/ is above syntax/ and cache/: they must not import it.' },
  syntax: { regex: through('syntax'), message: 'syntax/ is above cache/: cache/ must not import it.' },
  cache: { regex: through('cache'), message: 'cli.ts reaches cache/ only through index/.' },
  cli: { regex: String.raw`^\.\.?/(.*/)?cli(\.[jt]s)?$`, message: 'cli.ts is the top: nothing imports it.' },
  protocol: { regex: String.raw`^\.\.?/(.*/)?protocol(\.[jt]s)?$`, message: 'base/ imports only base/.' },
};
const TREE_SITTER = {
  regex: String.raw`^web-tree-sitter(/|$)`,
  message: 'web-tree-sitter is imported only in server/src/syntax/ (tree-sitter objects never leave it).',
};
const LANGUAGE_SERVER = {
  regex: String.raw`^vscode-languageserver`,
  message: 'vscode-languageserver* is imported only in server/src/lsp/.',
};

/** One config object per scope: a later object's options would replace, not add to, an earlier one's. */
function layer(files, forbidden, ignores = []) {
  const selectors = (type) =>
    forbidden.map(({ regex, message }) => ({
      // esquery's regular expressions end at an unescaped `/`.
      selector: `${type}[source.value=/${regex.replaceAll('/', '\\/')}/]`,
      message,
    }));
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns: forbidden.map(({ regex, message }) => ({ regex, message })) }],
      'no-restricted-syntax': ['error', ...selectors('ImportExpression'), ...selectors('TSImportType')],
    },
  };
}

const layers = [
  // Everything linted that is not the server's syntax/ or lsp/ (or a test): neither library.
  layer(['**/*.{ts,js,mjs}'], [TREE_SITTER, LANGUAGE_SERVER]),
  layer(['server/src/protocol.ts'], [{ regex: '.', message: 'protocol.ts imports nothing: every layer and the extension import it.' }]),
  layer(['server/src/base/**'], [LAYER.lsp, LAYER.index, LAYER.syntax, LAYER.cache, LAYER.cli, LAYER.protocol, TREE_SITTER, LANGUAGE_SERVER]),
  layer(['server/src/cache/**'], [LAYER.lsp, LAYER.index, LAYER.syntax, LAYER.cli, TREE_SITTER, LANGUAGE_SERVER]),
  layer(['server/src/syntax/**'], [LAYER.lsp, LAYER.index, LAYER.cli, LANGUAGE_SERVER]),
  layer(['server/src/index/**'], [LAYER.lsp, LAYER.cli, TREE_SITTER, LANGUAGE_SERVER]),
  layer(['server/src/lsp/**'], [LAYER.cli, TREE_SITTER]),
  // cli.ts: lsp/ and index/ (and the bottom). Its one import of syntax/ is v8Heap.js, for its side
  // effect: it must run before any other module loads (see the comment there).
  layer(['server/src/cli.ts'], [
    LAYER.cache,
    { regex: String.raw`^\./syntax/(?!v8Heap\.js$)`, message: 'cli.ts reaches syntax/ only through index/ (v8Heap.js aside).' },
    TREE_SITTER,
    LANGUAGE_SERVER,
  ]),
  // The extension bundles protocol.ts and nothing else of the server.
  layer(['client/src/**'], [
    {
      regex: String.raw`^\.\.?/(.*/)?server/(?!src/protocol\.[jt]s$)`,
      message: 'The extension imports nothing of the server but server/src/protocol.ts.',
    },
    TREE_SITTER,
    LANGUAGE_SERVER,
  ]),
  // Tests drive every layer and both libraries.
  { files: ['test/**'], rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' } },
];

const typed = ['server/src/**/*.ts', 'client/src/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'client/dist/**', 'client/out/**', '.corpus/**', 'bench-out/**', 'soak-report/**', 'examples/**'] },
  {
    files: ['**/*.{ts,js,mjs}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // tsc's own convention (noUnusedLocals): `_` names and the keys dropped beside a `...rest` are unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // The shipped code is linted with its types too (≈5 s more on 2 cores); the tests without them.
  {
    files: typed,
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // The code writes `x[i]!` after every indexed read, as if noUncheckedIndexedAccess were on (≈300).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    files: ['server/src/**', 'client/src/**', 'client/scripts/**'],
    rules: {
      // Lines of at most 120 characters, so two files read side by side (the issue asked for it).
      'max-len': ['error', { code: 120, ignoreUrls: true }],
    },
  },
  {
    files: ['test/**'],
    rules: {
      // Tests read untyped JSON-RPC answers and poke at internals; `any` is what those are.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  ...layers,
);
