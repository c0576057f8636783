/** Jest runs TypeScript through ts-jest in transpile-only mode (tsconfig
 * `isolatedModules`); `npm test` type-checks separately with `tsc --noEmit`. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Prisma 7's generated client loads its query compiler with import(); Jest's CommonJS
    // sandbox cannot run import() without --experimental-vm-modules, so compile it to require().
    '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: { module: 'commonjs', moduleResolution: 'node10' } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // Integration suites share one PostgreSQL server and one redis-server, but each
  // file gets its own database and queue prefix, so files may run in parallel.
  maxWorkers: 2,
};
