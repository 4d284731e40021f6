// Nest 12 is ESM-only, so Jest runs TypeScript as native ESM (see README, "Tests").
// @fastify/static and light-my-request are CommonJS but require() two ESM-only packages;
// on Node < 24.9 that only works if ts-jest turns those two into CommonJS first.
const esmOnlyDependencies = ['content-disposition', 'cookie'];

/** @type {import('jest').Config} */
export const baseConfig = {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      // 151002: ts-jest's advice to use isolatedModules with NodeNext; we keep type checks.
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
    [`node_modules/(${esmOnlyDependencies.join('|')})/.+\\.js$`]: [
      'ts-jest',
      { useESM: false, tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true } },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnlyDependencies.join('|')})/)`],
};

/** @type {import('jest').Config} */
export default {
  ...baseConfig,
  roots: ['<rootDir>/src'],
  testRegex: '\\.spec\\.ts$',
};
