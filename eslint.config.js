import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['ink', 'ink-*', 'react', 'react/*', 'react-dom'], message: 'The core and CLI stay free of React/Ink; UI lives in src/console.' },
          { group: ['**/console/**'], message: 'The core does not depend on the console layer.' },
        ],
      }],
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
