// Lint runs in `npm test`. Besides the recommended rules it keeps the
// architecture visible: express only in src/http, bullmq only in src/queue and
// workers/ (plus tests and benchmarks, which drive them).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (names, message) => ({
  'no-restricted-imports': ['error', { paths: names.map((name) => ({ name, message })) }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'coverage/', '.data/', 'docs/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/queue/**'],
    rules: restrict(['express', 'bullmq'], 'express belongs in src/http; bullmq in src/queue and workers/.'),
  },
  { files: ['src/http/**/*.ts'], rules: restrict(['bullmq'], 'the API enqueues through src/queue.') },
  { files: ['src/queue/**/*.ts'], rules: restrict(['express'], 'express belongs in src/http.') },
);
