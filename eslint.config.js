// ESLint (flat config): typescript-eslint's recommended rules for the product, the tests, the benches and the
// scripts, plus the architecture rules (no import circles, imports run down the floors). `npm run lint` runs
// it with Prettier's check; CI runs `npm run lint`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import architecture from './scripts/eslint/architecture-plugin.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/pipeline/contracts/generated/', 'test-output/', 'scratch/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    plugins: { evochora: architecture },
    rules: { 'evochora/no-import-cycle': 'error', 'evochora/imports-run-down': 'error' },
  },
  { files: ['src/web/static/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests may use `any` for decoded JSON and loose fixtures.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
