import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Layering, encoded as Nx tags (see README "Module boundaries"):
 * - type: contracts <- core <- domain; adapters and platform compose them; services and apps on top.
 *   Domain code may not import frameworks or drivers.
 * - scope: a context (leads, opportunities, tasks, analytics) imports only itself and shared libs,
 *   so analytics reads other contexts' contracts, never their domain code.
 */
const frameworkImports = ['@nestjs/*', 'typeorm', 'pg', 'pg-*', 'kafkajs', '@kurrent/*', 'express', 'fastify', '@fastify/*'];

const typeConstraints = (extra) => [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], bannedExternalImports: frameworkImports },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:contracts', ...extra], bannedExternalImports: frameworkImports },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', ...extra], bannedExternalImports: frameworkImports },
  { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', ...extra] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:adapter', ...extra] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:adapter', 'type:platform'] },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:domain', 'type:adapter', 'type:platform', ...extra] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:domain', 'type:adapter', 'type:platform', 'type:service', ...extra] },
];

const scopeConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:leads', onlyDependOnLibsWithTags: ['scope:leads', 'scope:shared'] },
  { sourceTag: 'scope:opportunities', onlyDependOnLibsWithTags: ['scope:opportunities', 'scope:shared'] },
  { sourceTag: 'scope:tasks', onlyDependOnLibsWithTags: ['scope:tasks', 'scope:shared'] },
  { sourceTag: 'scope:analytics', onlyDependOnLibsWithTags: ['scope:analytics', 'scope:shared'] },
  { sourceTag: 'scope:crm', onlyDependOnLibsWithTags: ['*'] },
];

const boundaries = (extra) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: [...typeConstraints(extra), ...scopeConstraints] },
];

const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.data', '**/tmp', '**/.nx', 'infra/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'warn',
      '@nx/enforce-module-boundaries': boundaries([]),
    },
  },
  // Tests may use the shared test support and compose real adapters (e.g. a relay over the PostgreSQL store).
  { files: testFiles, rules: { '@nx/enforce-module-boundaries': boundaries(['type:testing', 'type:adapter']) } },
];
