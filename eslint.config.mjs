// Lint, including the layer boundaries of ARCHITECTURE.md ("Imports flow one way"): a wrong import fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** no-restricted-imports for one layer: `paths` are exact module names, `patterns` gitignore-style. */
function layer(files, { paths = [], patterns = [], message }) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message })), patterns: patterns.map((group) => ({ group: [group], message })) }],
    },
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'build/**', 'test/artifacts/**'] },
  // The renderer runs in a browser: DOM globals, not Node's.
  { files: ['apps/desktop/src/renderer/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.object.name='test'][callee.property.name='only']", message: 'no .only in committed tests' }],
    },
  },
  // shared/: pure TypeScript for both apps — no Node, no DOM, no app code.
  layer(['shared/**/*.ts'], {
    paths: nodeBuiltins,
    patterns: ['**/apps/**', '@cerebro/collector*', '@cerebro/desktop*', 'electron', 'react', 'react-dom'],
    message: 'shared/ is pure TypeScript used by both apps: no node: modules, no DOM, no app code (ARCHITECTURE.md).',
  }),
  // Tests of shared/ run under node's test runner (shared/tsconfig.test.json): node:test and node:assert
  // only; the code under test stays free of node: modules.
  layer(['shared/**/*.test.ts'], {
    paths: nodeBuiltins.filter((m) => !/^(node:)?(assert|assert\/strict|test)$/.test(m)),
    patterns: ['**/apps/**', '@cerebro/collector*', '@cerebro/desktop*', 'electron', 'react', 'react-dom'],
    message: 'tests of shared/ may import node:test and node:assert, nothing else from Node, and no app code.',
  }),
  // The collector sees shared only.
  layer(['apps/collector/**/*.ts'], {
    patterns: ['**/desktop/**', '@cerebro/desktop*', 'electron', 'lmdb', 'rxdb', 'rxdb/*', 'react'],
    message: 'the collector imports only shared/ and its own modules (ARCHITECTURE.md).',
  }),
  // The console core is plain Node: never Electron, never the UI, never the collector.
  layer(['apps/desktop/src/core/**/*.ts'], {
    patterns: ['electron', '**/main/**', '**/renderer/**', '**/preload/**', '**/collector/**', '@cerebro/collector*', 'react'],
    message: 'apps/desktop/src/core is plain Node: no electron, no main/renderer/preload, no collector code (ARCHITECTURE.md).',
  }),
  // Electron main: Electron, Node, the core (it starts it) and shared; never the UI or the preload's code
  // (the preload is loaded by path, into the page's process).
  layer(['apps/desktop/src/main/**/*.ts'], {
    patterns: ['**/renderer/**', '**/preload/**', '**/collector/**', '@cerebro/collector*', 'react', 'react-dom'],
    message: 'apps/desktop/src/main routes between the core and the window: it may import electron, node:, core and shared, never renderer or preload code (ARCHITECTURE.md).',
  }),
  // The preload runs sandboxed in the page's process: Electron's renderer module and shared only.
  layer(['apps/desktop/src/preload/**/*.ts'], {
    paths: [...nodeBuiltins, 'electron', 'electron/main', 'electron/common', 'electron/utility'],
    patterns: ['**/core/**', '**/main/**', '**/renderer/**', '**/collector/**', '@cerebro/collector*', 'react', 'react-dom', 'ws', 'lmdb', 'rxdb', 'rxdb/*'],
    message: "the preload is sandboxed: it imports 'electron/renderer' and shared/ only, never node:, core, main or the renderer (STYLE.md §3).",
  }),
  // The renderer sees shared and the preload API types only.
  layer(['apps/desktop/src/renderer/**/*.{ts,tsx}'], {
    paths: nodeBuiltins,
    patterns: ['electron', '**/core/**', '**/main/**', '@cerebro/collector*', 'lmdb', 'rxdb', 'rxdb/*'],
    message: 'the renderer reaches data only through the typed API: it imports shared/ and the preload types, never core, main, node: or electron.',
  }),
  // Tests beside renderer modules run under node's test runner: node:test and node:assert only.
  layer(['apps/desktop/src/renderer/**/*.test.ts'], {
    paths: nodeBuiltins.filter((m) => !/^(node:)?(assert|assert\/strict|test)$/.test(m)),
    patterns: ['electron', '**/core/**', '**/main/**', '@cerebro/collector*', 'lmdb', 'rxdb', 'rxdb/*'],
    message: 'tests of the renderer may import node:test and node:assert, nothing else from Node, and never core, main or electron.',
  }),
);
