// typescript-eslint, strict and type-checked, over src/, test/ and scripts/ (the two build steps
// bundle-gate.mjs and build-gate-cache.cjs stay plain JS). The gate's import rule keeps yargs and
// execa (each roughly doubles Node's start) out of src/gate, src/zoneset and src/shared.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.bench/**',
      'build/**',
      'scripts/*.mjs',
      'scripts/*.cjs',
      'bin/**',
      'test/fixtures/**',
      '*.config.*',
    ],
  },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { project: ['./test/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: false }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/gate/**/*.ts', 'src/zoneset/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['yargs', 'execa'], patterns: ['yargs/*', 'execa/*', '../admin/*', '../../admin/*', '../../../admin/*'] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
