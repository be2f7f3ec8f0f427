// Jest runs the TypeScript sources as ES modules (ts-jest ESM preset), which the ESM-only
// dependencies (@kubernetes/client-node, execa) need. Each suite is a Jest project so that
// `--selectProjects` picks unit or integration tests.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // The built executable run as a child process; `npm test` builds dist/ first.
    { ...common, displayName: 'cli', testMatch: ['<rootDir>/test/cli/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // One environment (etcd, kube-apiserver, moto, EKS proxy) for the whole run; the first run
      // on a machine also builds the binaries and the moto virtualenv here.
      globalSetup: '<rootDir>/test/support/jest-global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/jest-global-teardown.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
