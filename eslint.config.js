// Type-aware lint: the rules that catch real bugs in async, typed code (floating promises,
// exhaustive switches, type-only imports) are errors; none is switched off.
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Salesforce code outside this TypeScript project: the Lightning web components (decorators,
    // `c/` and `@salesforce/` imports, compiled by LWC) with their Jest tests, and Jest's CommonJS config.
    ignores: ['node_modules/', 'dist/', 'coverage/', '.ferry/', 'console/dist/', 'bench/results/', 'salesforce/force-app/**/lwc/', 'salesforce/jest.config.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The console: the same rules, plus the rules of hooks and the static accessibility checks
    // (labels, roles, keyboard handlers); axe-core checks the rendered pages in the browser tests.
    files: ['console/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  { files: ['console/**/*.tsx'], ...jsxA11y.flatConfigs.strict },
  {
    // Tests read JSON responses whose shape is the thing under test: `any` there is deliberate,
    // and the assertions are what check it.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
