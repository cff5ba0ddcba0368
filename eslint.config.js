// Lint, and the architecture rule: a folder means one runtime. Each folder may
// import only what its runtime has; test/lint-boundaries.test.ts proves that a
// wrong import fails.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
/** npm packages that only work in Node (native code, sockets, files). */
const nodeOnlyPackages = ['keytar', 'ws', 'node-ssdp', 'onvif', 'commander', 'electron-builder'];

/** The web-platform globals both Node and the page have (as common/platform.d.ts declares them). */
const sharedWebGlobals = { URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', crypto: 'readonly' };

const folder = (name) => ({
  regex: `^(\\.\\./)+${name}(/|$)`,
  message: `This folder may not import from ${name}/ (a folder means one runtime; see DEVELOPERS.md).`,
});
const restrict = ({ paths = [], patterns = [] }) => ({
  'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message: `Not available in this folder's runtime (see DEVELOPERS.md).` })), patterns }],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tmp/**', 'test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // No globals by default: each runtime's folders get their own below (the
    // compiler enforces the same split for TypeScript: tsconfig.<runtime>.json).
    languageOptions: { globals: {} },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  // Globals per runtime. (typescript-eslint turns no-undef off for TypeScript,
  // where the compiler checks names; these govern the JavaScript files.)
  { files: ['common/**'], languageOptions: { globals: sharedWebGlobals } },
  { files: ['renderer/**', 'preload/**'], languageOptions: { globals: globals.browser } },
  {
    files: ['main/**', 'demo/**', 'sim/**', 'bench/**', 'scripts/**', 'test/**', 'e2e/**', 'bin/**', '*.config.{js,ts,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['common/**/*.{ts,tsx}'],
    rules: restrict({
      paths: [...nodeBuiltins, ...nodeOnlyPackages, 'electron', 'react', 'react-dom'],
      patterns: ['main', 'renderer', 'preload', 'sim', 'e2e', 'bench'].map(folder),
    }),
  },
  {
    // Unit tests of common/ code run in Vitest's Node: they may read fixtures from
    // disk; the code under test still may not.
    files: ['common/**/*.test.ts'],
    rules: restrict({
      paths: [...nodeOnlyPackages, 'electron', 'react', 'react-dom'],
      patterns: ['main', 'renderer', 'preload', 'sim', 'e2e', 'bench'].map(folder),
    }),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**', 'main/core/embedded-sim.ts'],
    rules: restrict({ paths: ['electron', 'react', 'react-dom'], patterns: ['renderer', 'preload', 'sim', 'e2e'].map(folder) }),
  },
  {
    // main's tests may start the simulated site: the client is tested against
    // simulators that behave like the field, not against itself.
    files: ['main/**/*.test.ts'],
    rules: restrict({ paths: ['electron', 'react', 'react-dom'], patterns: ['renderer', 'preload', 'e2e'].map(folder) }),
  },
  {
    // The demo's switch is the one place main may reach the simulator.
    files: ['main/core/embedded-sim.ts'],
    rules: restrict({ paths: ['electron', 'react', 'react-dom'], patterns: ['renderer', 'preload', 'e2e'].map(folder) }),
  },
  {
    files: ['main/electron/**/*.ts'],
    rules: restrict({ paths: ['react', 'react-dom'], patterns: ['renderer', 'preload', 'sim', 'e2e'].map(folder) }),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict({
      paths: [...nodeBuiltins, ...nodeOnlyPackages, 'react', 'react-dom'],
      patterns: ['main', 'renderer', 'sim', 'e2e', 'bench'].map(folder),
    }),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: restrict({
      paths: [...nodeBuiltins, ...nodeOnlyPackages, 'electron'],
      patterns: ['main', 'preload', 'sim', 'e2e', 'bench'].map(folder),
    }),
  },
  {
    files: ['sim/**/*.ts'],
    rules: restrict({ paths: ['electron', 'react', 'react-dom'], patterns: ['main', 'renderer', 'preload', 'e2e', 'bench'].map(folder) }),
  },
  {
    // Functions a newcomer reads in one screen (issue 20): the product's code in
    // every runtime. Tests are exempt: a table of cases reads better whole.
    files: ['main/**/*.{ts,tsx}', 'sim/**/*.{ts,tsx}', 'renderer/**/*.{ts,tsx}', 'common/**/*.{ts,tsx}', 'preload/**/*.ts'],
    ignores: ['**/*.test.{ts,tsx}', '**/*.spec.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
);
