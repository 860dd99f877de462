// Shared Jest settings for every project: SWC transform (with decorator metadata for Nest),
// tsconfig path aliases, and the global set-up that provides PostgreSQL and Kafka.
const path = require('node:path');
const fs = require('node:fs');

const root = __dirname;
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace(/[/\\^$*+?.()|[\]{}-]/g, '\\$&')}$`] = path.join(root, target);
}

/** @param {string} projectDir absolute directory of the project */
function projectConfig(projectDir, overrides = {}) {
  return {
    rootDir: projectDir,
    displayName: path.relative(root, projectDir),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts', '<rootDir>/**/*.e2e-spec.ts'],
    transform: { '^.+\\.(t|j)s$': ['@swc/jest', { ...swcrc, swcrc: false }] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper,
    globalSetup: path.join(root, 'tools/jest/global-setup.ts'),
    globalTeardown: path.join(root, 'tools/jest/global-teardown.ts'),
    reporters: ['default', path.join(root, 'tools/jest/summary-reporter.js')],
    testTimeout: 60_000,
    maxWorkers: 2,
    ...overrides,
  };
}

module.exports = { projectConfig, workspaceRoot: root };
