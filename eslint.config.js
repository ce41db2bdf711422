import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Who may import whom (ARCHITECTURE.md). Static imports are checked by no-restricted-imports,
// dynamic `import()` by these selectors (esquery regexes cannot hold a slash: \u002F is one).
const UI_IMPORTS = { group: ['ink', 'ink-*', 'react', 'react/*', 'react-dom'], message: 'The core and CLI stay free of React/Ink; UI lives in src/console.' };
const CONSOLE_IMPORTS = { group: ['**/console/**'], message: 'The core does not depend on the console layer.' };
const OPS_IMPORTS = { group: ['**/ops/**', '../ops', './ops'], message: 'fleet, diff, remote, ssh, store and util do not depend on ops: ops uses them (ARCHITECTURE.md).' };
const UI_IMPORT_EXPRESSION = {
  selector: 'ImportExpression[source.value=/^(ink|react|react-dom)(\\u002F|$)|^ink-/]',
  message: 'The core and CLI stay free of React/Ink, dynamic import() included; UI lives in src/console.',
};
const CONSOLE_IMPORT_EXPRESSION = {
  selector: 'ImportExpression[source.value=/(^|\\u002F)console\\u002F/]',
  message: 'The core does not depend on the console layer, dynamic import() included.',
};
const OPS_IMPORT_EXPRESSION = {
  selector: 'ImportExpression[source.value=/(^|\\u002F)ops(\\u002F|$)/]',
  message: 'fleet, diff, remote, ssh, store and util do not depend on ops, dynamic import() included.',
};
const COMPUTED_IMPORT_EXPRESSION = {
  selector: 'ImportExpression[source.type!="Literal"]',
  message: 'import() of a computed name escapes the layer rules: name the module.',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'var/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The core never imports the UI layer: React and Ink belong to src/console only.
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts', 'src/testfleet/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [UI_IMPORTS, CONSOLE_IMPORTS] }],
      // …nor loads it later: `await import('ink')` counts too. (The CLI opens the console
      // with a dynamic import of src/console: that is its job.)
      'no-restricted-syntax': ['error', UI_IMPORT_EXPRESSION],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/testfleet/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', UI_IMPORT_EXPRESSION, CONSOLE_IMPORT_EXPRESSION, COMPUTED_IMPORT_EXPRESSION],
    },
  },
  {
    // Inside the core the arrows point one way: ops uses fleet, diff, remote, ssh and store, never the reverse.
    files: ['src/core/{fleet,diff,remote,ssh,store,util}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [UI_IMPORTS, CONSOLE_IMPORTS, OPS_IMPORTS] }],
      'no-restricted-syntax': ['error', UI_IMPORT_EXPRESSION, CONSOLE_IMPORT_EXPRESSION, COMPUTED_IMPORT_EXPRESSION, OPS_IMPORT_EXPRESSION],
    },
  },
  {
    // The console's reducers are pure: no React/Ink, and no dynamic import (a module that must
    // load later, like the diff engine, is an effect the Controller performs).
    files: ['src/console/state/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'Reducers are pure: load modules as an effect (src/console/controller.ts).' }],
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['ink', 'ink-*', 'react', 'react/*'], message: 'Reducers are pure: React/Ink belong to the components.' }],
      }],
    },
  },
);
