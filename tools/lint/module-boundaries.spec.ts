import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

type LintResult = { filePath: string; messages: Array<{ ruleId: string | null; message: string }> };

const lint = (cases: Array<{ file: string; code: string }>): LintResult[] => {
  // The boundary rule reads Nx's cached project graph and silently skips without one: build it.
  execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: root, env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  const output = execFileSync('node', [join(root, 'tools/lint/lint-text.mjs')], {
    cwd: root,
    input: JSON.stringify(cases.map(({ file, code }) => ({ filePath: join(root, file), code }))),
    encoding: 'utf8',
  });
  return JSON.parse(output) as LintResult[];
};

const boundaryErrors = (result: LintResult) => result.messages.filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);

describe('module boundaries (lint)', () => {
  const cases = [
    { name: 'domain lib importing @nestjs/common', file: 'libs/leads/domain/src/violation.ts', code: "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n" },
    { name: 'domain lib importing typeorm', file: 'libs/opportunities/domain/src/violation.ts', code: "import { Entity } from 'typeorm';\nexport const x = Entity;\n" },
    { name: 'domain lib importing pg', file: 'libs/tasks/domain/src/violation.ts', code: "import { Pool } from 'pg';\nexport const x = Pool;\n" },
    { name: 'domain lib importing kafkajs', file: 'libs/leads/domain/src/violation.ts', code: "import { Kafka } from 'kafkajs';\nexport const x = Kafka;\n" },
    { name: 'analytics importing the leads domain', file: 'libs/analytics/domain/src/violation.ts', code: "import { leadStreamId } from '@crm/leads-domain';\nexport const x = leadStreamId;\n" },
    { name: 'leads service importing the opportunities domain', file: 'libs/leads/service/src/violation.ts', code: "import { opportunityStreamId } from '@crm/opportunities-domain';\nexport const x = opportunityStreamId;\n" },
    { name: 'contracts importing the event-sourcing core', file: 'libs/contracts/src/violation.ts', code: "import { foldEvents } from '@crm/event-sourcing';\nexport const x = foldEvents;\n" },
  ];
  const allowed = [
    { name: 'domain lib importing contracts and the core', file: 'libs/leads/domain/src/allowed.ts', code: "import { streamId } from '@crm/contracts';\nimport { foldEvents } from '@crm/event-sourcing';\nexport const x = [streamId, foldEvents];\n" },
    { name: 'analytics service importing contracts', file: 'libs/analytics/service/src/allowed.ts', code: "import { topics } from '@crm/contracts';\nexport const x = topics;\n" },
  ];
  let results: LintResult[];

  beforeAll(() => {
    results = lint([...cases, ...allowed]);
  }, 120_000);

  it.each(cases.map((c, index) => [c.name, index] as const))('rejects %s', (_name, index) => {
    expect(boundaryErrors(results[index]).length).toBeGreaterThan(0);
  });

  it.each(allowed.map((c, index) => [c.name, cases.length + index] as const))('accepts %s', (_name, index) => {
    expect(results[index].messages.filter((m) => m.ruleId !== null)).toEqual([]);
  });
});
