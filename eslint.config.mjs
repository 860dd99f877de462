import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Nx tags encode the layering: see the README's "Module boundaries" section. */
const frameworkImports = ['@nestjs/*', 'typeorm', 'pg', 'pg-*', 'kafkajs', '@kurrent/*', 'express', 'fastify', '@fastify/*'];

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
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], bannedExternalImports: frameworkImports },
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: frameworkImports },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:core'], bannedExternalImports: frameworkImports },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:contracts', 'type:core'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:adapter'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:adapter', 'type:platform'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:domain', 'type:adapter', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:leads', onlyDependOnLibsWithTags: ['scope:leads', 'scope:shared'] },
            { sourceTag: 'scope:opportunities', onlyDependOnLibsWithTags: ['scope:opportunities', 'scope:shared'] },
            { sourceTag: 'scope:tasks', onlyDependOnLibsWithTags: ['scope:tasks', 'scope:shared'] },
            { sourceTag: 'scope:analytics', onlyDependOnLibsWithTags: ['scope:analytics', 'scope:shared'] },
            { sourceTag: 'scope:crm', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
];
