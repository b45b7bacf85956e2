/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // No test or hook may fail because the machine is slow: on a loaded machine a training run
  // can take minutes where it takes seconds idle. Ten minutes only catches a test that hangs.
  testTimeout: 600_000,
  // Most tests wait on a child process (the built CLI, a browser, npm pack): two workers keep
  // both cores busy where jest's default (cores − 1) would use one.
  maxWorkers: 2,
  // The CLI tests run bin/nnt → dist/: rebuild it first when the sources are newer.
  globalSetup: '<rootDir>/test/global-setup.js',
  // ts-jest, plus local bindings of Math, the typed arrays, … in each module: jest's vm context
  // makes every global read slow (see test/jest-transform.js).
  transform: {
    '^.+\\.ts$': ['<rootDir>/test/jest-transform.js', { tsconfig: 'tsconfig.jest.json', diagnostics: { ignoreCodes: [151002] } }],
  },
};
