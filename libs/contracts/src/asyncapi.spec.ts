import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { asyncApiDocument, deadLetterHeaders, envelopeSchema, eventDataSchemas, eventHeadersSchema, JsonSchema } from './asyncapi';
import { CrmEvent, CrmEventType, eventCatalogue } from './catalogue';
import { deadLetterTopic, eventHeaders, topics } from './topics';

const root = join(__dirname, '..', '..', '..');

type DataOf<T extends CrmEventType> = Extract<CrmEvent, { type: T }>['data'];

// One hand-made payload per event type, typed by the contracts: a sample the schema refuses means
// the schema and the TypeScript type disagree.
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const samples: { [T in CrmEventType]: DataOf<T> } = {
  LeadCaptured: {
    leadId: uuid(1),
    name: 'enc:v1:AAECAwQFBgcICQoLDA0ODw==',
    email: 'ada@example.com',
    phone: '+442079460958',
    company: 'Analytical Engines Ltd',
    title: 'CTO',
    companySize: 40,
    industry: 'Software',
    country: 'GB',
    region: 'EMEA',
    productInterest: 'crm',
    estimatedValue: eur(2_500_000),
    attributes: { plan: 'enterprise', seats: 40, trial: true },
    source: 'web',
    ownerId: 'rep-1',
    possibleDuplicateOf: uuid(2),
  },
  LeadUpdated: { leadId: uuid(1), changes: { email: 'enc:v1:ZW1haWw=', companySize: 50 } },
  LeadEngagementRecorded: { leadId: uuid(1), engagementType: 'email_click', count: 2, durationSeconds: 30 },
  LeadScored: { leadId: uuid(1), score: 72, probability: 0.41, modelVersion: 'lead-conversion-2025.07', contributions: { title: 20, engagement: 12.5 } },
  LeadAssigned: { leadId: uuid(1), ownerId: 'rep-2', previousOwnerId: 'rep-1', routedBy: 'rules' },
  LeadStatusChanged: { leadId: uuid(1), from: 'new', to: 'working' },
  LeadQualified: { leadId: uuid(1) },
  LeadDisqualified: { leadId: uuid(1), reason: 'No budget' },
  LeadReopened: { leadId: uuid(1) },
  LeadConverted: {
    leadId: uuid(1),
    opportunityId: uuid(3),
    opportunityName: 'Analytical Engines: crm',
    accountName: 'Analytical Engines Ltd',
    amount: eur(2_500_000),
    productType: 'crm',
    expectedCloseDate: '2026-12-31',
    ownerId: 'rep-2',
    source: 'web',
    region: 'EMEA',
    accountId: uuid(4),
    contactId: uuid(5),
  },
  LeadMerged: { leadId: uuid(1), duplicateId: uuid(2) },
  LeadMergedInto: { leadId: uuid(2), survivorId: uuid(1) },
  LeadErased: { leadId: uuid(1) },
  AccountCreated: {
    accountId: uuid(4),
    name: 'Analytical Engines Ltd',
    domain: 'analytical-engines.example',
    industry: 'Software',
    companySize: 40,
    annualRevenue: eur(1_200_000_00),
    country: 'GB',
    region: 'EMEA',
    attributes: { tier: 'gold' },
    ownerId: 'rep-2',
    leadId: uuid(1),
  },
  AccountUpdated: { accountId: uuid(4), changes: { industry: 'Hardware', ownerId: 'rep-3' } },
  AccountMerged: { accountId: uuid(4), duplicateId: uuid(6) },
  AccountMergedInto: { accountId: uuid(6), survivorId: uuid(4) },
  ContactCreated: { contactId: uuid(5), name: 'enc:v1:AAECAwQFBgcICQoLDA0ODw==', email: 'enc:v1:ZW1haWw=', title: 'CTO', accountId: uuid(4), ownerId: 'rep-2', leadId: uuid(1) },
  ContactUpdated: { contactId: uuid(5), changes: { phone: 'enc:v1:cGhvbmU=', accountId: uuid(4) } },
  ContactMerged: { contactId: uuid(5), duplicateId: uuid(7) },
  ContactMergedInto: { contactId: uuid(7), survivorId: uuid(5) },
  ContactErased: { contactId: uuid(5) },
  ScoringRulesDefined: {
    version: 2,
    rules: {
      titleSeniority: { cto: 20, vp: 15 },
      companySize: [{ min: 50, points: 10 }],
      industry: { software: 10 },
      country: { GB: 5 },
      estimatedValue: [{ minMinor: 1_000_000, points: 10 }],
      engagement: { website_visit: 1, page_view: 1, email_open: 2, email_click: 3, content_download: 5, form_submit: 8, event_attended: 10, call_answered: 10 },
      engagementHalfLifeDays: 14,
      engagementCap: 30,
      attributes: [{ key: 'plan', equals: 'enterprise', points: 5 }],
    },
  },
  ScoringModelTrained: {
    modelVersion: 'lead-conversion-2025.07',
    encoder: { numeric: ['companySize'], categories: { industry: ['software'] } },
    coef: [0.4, -0.2],
    intercept: -1.1,
    featureNames: ['companySize', 'industry=software'],
    metrics: { auc: 0.81, accuracy: 0.77, logLoss: 0.48, trainingRows: 900, holdoutRows: 300 },
    l2Penalty: 1,
  },
  PipelineStagesDefined: { stages: [{ name: 'Discovery', probability: 15, forecastCategory: 'Pipeline', idleDays: 14 }] },
  OpportunityOpened: {
    opportunityId: uuid(3),
    name: 'Analytical Engines: crm',
    accountName: 'Analytical Engines Ltd',
    amount: eur(2_500_000),
    productType: 'crm',
    ownerId: 'rep-2',
    stage: 'Prospecting',
    probability: 10,
    forecastCategory: 'Pipeline',
    expectedCloseDate: '2026-12-31',
    leadId: uuid(1),
    accountId: uuid(4),
  },
  OpportunityStageChanged: { opportunityId: uuid(3), from: 'Prospecting', to: 'Proposal', direction: 'forward', probability: 50, forecastCategory: 'Best Case' },
  OpportunityUpdated: { opportunityId: uuid(3), changes: { amount: { amountMinor: 300_000, currency: 'JPY' }, forecastCategory: 'Commit' } },
  OpportunityWon: { opportunityId: uuid(3), amount: eur(2_400_000), fromStage: 'Negotiation' },
  OpportunityLost: { opportunityId: uuid(3), reason: 'Price', competitor: 'Acme', fromStage: 'Proposal' },
  OpportunityReopened: { opportunityId: uuid(3), previousStatus: 'lost', stage: 'Proposal', probability: 50, forecastCategory: 'Best Case' },
  DealWentStale: { opportunityId: uuid(3), stage: 'Proposal', idleSince: '2026-03-01T09:30:00.000Z', idleDays: 21 },
  TeamMemberUpserted: {
    memberId: 'rep-2',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    role: 'rep',
    managerId: 'mgr-1',
    region: 'EMEA',
    teamId: 'team.emea',
    productLines: ['crm'],
    capacity: 25,
    active: true,
  },
  TaskCreated: {
    taskId: uuid(4),
    title: 'Call back',
    taskType: 'call',
    assigneeId: 'rep-2',
    assignedBy: 'record-owner',
    related: { type: 'lead', id: uuid(1) },
    dueAt: '2026-03-02T10:00:00.000Z',
    priority: 'high',
    notes: 'Asked about pricing',
    triggeredBy: uuid(5),
    automationRule: 'lead-assigned',
  },
  TaskReassigned: { taskId: uuid(4), assigneeId: 'rep-3', previousAssigneeId: 'rep-2' },
  TaskUpdated: { taskId: uuid(4), changes: { dueAt: '2026-03-03T10:00:00Z', priority: 'normal' } },
  TaskCompleted: { taskId: uuid(4), outcome: 'Booked a demo', onTime: true, assigneeId: 'rep-3', dueAt: '2026-03-03T10:00:00Z' },
  TaskCancelled: { taskId: uuid(4), reason: 'Lead disqualified' },
  TaskBecameOverdue: { taskId: uuid(4), dueAt: '2026-03-03T10:00:00Z', assigneeId: 'rep-3' },
  ActivityLogged: { activityId: uuid(6), activityType: 'call', related: { type: 'opportunity', id: uuid(3) }, summary: 'Discovery call', direction: 'outbound', durationMinutes: 25 },
  AutomationRulesDefined: {
    version: 1,
    rules: {
      leadAssigned: { enabled: true, title: 'First contact', taskType: 'call', priority: 'high', slaHours: 4 },
      stagePlaybooks: { Proposal: [{ title: 'Send proposal', taskType: 'email', priority: 'normal', dueInHours: 48 }] },
      dealWentStale: { enabled: true, title: 'Revive the deal', taskType: 'call', priority: 'high', dueInHours: 24 },
      assignment: { valueBands: [{ name: 'enterprise', minAmount: eur(10_000_000), memberIds: ['rep-2', 'rep-3'] }] },
    },
  },
  MarketingCostRecorded: { source: 'advertising', period: '2026-03', amount: eur(1_200_000) },
  TargetSet: { scope: 'team', scopeId: 'team.emea', period: '2026-Q2', amount: eur(50_000_000) },
  ActivityRatiosSet: { per: eur(100_000), ratios: { calls: 4, meetings: 1.5 } },
  ForecastRecorded: { period: '2026-Q2', method: 'revenue:holt', expected: eur(40_000_000), p10: eur(30_000_000), p90: eur(52_000_000), asOf: '2026-04-01T00:00:00.000Z' },
};

/**
 * Checks a value against the JSON Schema subset the contracts use; every problem as a path and a
 * message. Stricter than the schemas on one point: a property the schema does not name is an
 * error here, so a sample cannot carry a field the schema forgot.
 */
const check = (schema: JsonSchema, value: unknown, path = '$'): string[] => {
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((option) => check(option, value, path).length === 0).length;
    return matching === 1 ? [] : [`${path}: matches ${matching} of the oneOf schemas`];
  }
  const problems: string[] = [];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const typeOf = (v: unknown): string =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
  if (types.length && !types.some((type) => type === typeOf(value) || (type === 'number' && typeOf(value) === 'integer'))) {
    return [`${path}: ${JSON.stringify(value)} is not ${types.join(' or ')}`];
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${path}: is not ${String(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value as string)) problems.push(`${path}: ${String(value)} is not one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: ${value} does not match ${schema.pattern}`);
    const formats: Record<string, RegExp> = {
      'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
      date: /^\d{4}-\d{2}-\d{2}$/,
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    };
    if (schema.format && !formats[schema.format].test(value)) problems.push(`${path}: ${value} is not a ${schema.format}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, index) => problems.push(...check(schema.items as JsonSchema, item, `${path}[${index}]`)));
  if (typeOf(value) === 'object' && (schema.properties || schema.additionalProperties)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${path}.${key}: missing`);
    for (const [key, item] of Object.entries(object)) {
      const property = schema.properties?.[key] ?? schema.additionalProperties;
      if (property) problems.push(...check(property, item, `${path}.${key}`));
      else problems.push(`${path}.${key}: not in the schema`);
    }
  }
  return problems;
};

type Diagnostic = { code: string; message: string; path: Array<string | number>; severity: number };

/**
 * Validates documents with @asyncapi/parser in a child process: the parser (Spectral, AJV) is
 * large and its modules are not meant for Jest's module registry.
 */
const validateWithParser = (documents: object[]): Promise<Diagnostic[][]> => {
  const script = `
    const { Parser } = require('@asyncapi/parser');
    let input = '';
    process.stdin.on('data', (chunk) => (input += chunk)).on('end', async () => {
      const parser = new Parser();
      const results = [];
      for (const document of JSON.parse(input)) {
        const diagnostics = await parser.validate(document);
        results.push(diagnostics.map(({ code, message, path, severity }) => ({ code, message, path, severity })));
      }
      process.stdout.write(JSON.stringify(results));
    });`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', script], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Diagnostic[][]),
    );
    child.stdin?.end(JSON.stringify(documents));
  });
};

type Ref = { $ref: string };
type Doc = {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, Ref> }>;
  operations: Record<string, { action: string; channel: Ref; messages: Ref[] }>;
  components: { messages: Record<string, { name: string; title: string; headers: JsonSchema; payload: Ref }>; schemas: Record<string, JsonSchema> };
};

describe('AsyncAPI document', () => {
  const document = asyncApiDocument() as Doc;
  const types = Object.keys(eventCatalogue) as CrmEventType[];
  const channelOf = (address: string) => Object.entries(document.channels).find(([, channel]) => channel.address === address);

  it('is valid AsyncAPI 3.0 by @asyncapi/parser, which does report errors', async () => {
    const broken = { ...document, operations: { receiveNothing: { action: 'receive', channel: { $ref: '#/channels/nowhere' } } } };
    const [diagnostics, brokenDiagnostics] = await validateWithParser([document, broken]);
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 0)).toEqual([]);
    expect(brokenDiagnostics.filter((diagnostic) => diagnostic.severity === 0)).not.toEqual([]);
    expect(document.asyncapi).toBe('3.0.0');
  }, 60_000);

  it('describes the data of every type in the catalogue, so an event cannot be added undocumented', () => {
    expect(Object.keys(eventDataSchemas).sort()).toEqual([...types].sort());
    for (const type of types) expect([type, eventDataSchemas[type].data.type, eventDataSchemas[type].summary.length > 0]).toEqual([type, 'object', true]);
  });

  it('has a channel per topic and dead-letter topic, each event type a message on its topic with a receive operation', () => {
    for (const topic of Object.values(topics)) {
      expect(channelOf(topic)).toBeDefined();
      expect(channelOf(deadLetterTopic(topic))).toBeDefined();
    }
    for (const type of types) {
      const [channelId, channel] = channelOf(eventCatalogue[type].topic) ?? [];
      expect([type, channel?.messages[type]]).toEqual([type, { $ref: `#/components/messages/${type}` }]);
      // No other channel carries it (dead-letter channels carry their topic's dead letters).
      const elsewhere = Object.entries(document.channels).filter(([id, other]) => id !== channelId && other.messages[type]);
      expect([type, elsewhere]).toEqual([type, []]);
      const receivers = Object.values(document.operations).filter(
        (operation) => operation.action === 'receive' && operation.channel.$ref === `#/channels/${channelId}` && operation.messages.some((message) => message.$ref === `#/channels/${channelId}/messages/${type}`),
      );
      expect([type, receivers.length]).toEqual([type, 1]);
      const message = document.components.messages[type];
      expect(message).toMatchObject({ name: type, payload: { $ref: `#/components/schemas/${type}Event` } });
      expect(message.title).toEqual(expect.any(String));
    }
    for (const operation of Object.values(document.operations)) expect(['receive', 'send']).toContain(operation.action);
  });

  it('gives each message the Kafka headers, and the envelope with type, version and data fixed', () => {
    for (const type of types) {
      const { headers } = document.components.messages[type];
      expect(Object.keys(headers.properties ?? {}).sort()).toEqual(Object.values(eventHeaders).sort());
      expect(headers.properties?.[eventHeaders.type]).toMatchObject({ const: type });
      expect(headers.properties?.[eventHeaders.schemaVersion]).toMatchObject({ const: String(eventCatalogue[type].version) });
      expect(headers.required).not.toContain(eventHeaders.traceparent);

      const envelope = document.components.schemas[`${type}Event`];
      expect(envelope.required).toEqual(['id', 'type', 'schemaVersion', 'streamId', 'revision', 'globalPosition', 'occurredAt', 'recordedAt', 'metadata', 'data']);
      expect(envelope.properties?.type).toEqual({ type: 'string', const: type });
      expect(envelope.properties?.schemaVersion).toMatchObject({ type: 'integer', const: eventCatalogue[type].version });
      expect(envelope.properties?.data).toEqual(eventDataSchemas[type].data);
    }
  });

  it('accepts a sample of every event type, as a whole Kafka message', () => {
    for (const type of types) {
      expect([type, check(eventDataSchemas[type].data, samples[type])]).toEqual([type, []]);
      const topic = eventCatalogue[type].topic;
      const streamId = `${topic === topics.leads ? 'lead' : topic === topics.opportunities ? 'opportunity' : topic === topics.tasks ? 'task' : 'analytics'}-${uuid(9)}`;
      const envelope = {
        id: uuid(7),
        type,
        schemaVersion: eventCatalogue[type].version,
        streamId,
        revision: 0,
        globalPosition: 42,
        occurredAt: '2026-03-01T09:30:00.000Z',
        recordedAt: '2026-03-01T09:30:00.125Z',
        metadata: { tenantId: 'default', actor: { id: 'rep-1', role: 'rep' }, correlationId: uuid(8), causationId: uuid(8) },
        data: samples[type],
      };
      const pattern = (document.components.schemas[`${type}Event`].properties?.streamId as JsonSchema).pattern ?? '';
      expect([type, check(envelopeSchema(type, eventCatalogue[type].version, pattern), envelope)]).toEqual([type, []]);
      const headers = {
        [eventHeaders.type]: type,
        [eventHeaders.schemaVersion]: String(eventCatalogue[type].version),
        [eventHeaders.eventId]: envelope.id,
        [eventHeaders.correlationId]: envelope.metadata.correlationId,
        [eventHeaders.causationId]: envelope.metadata.causationId,
        [eventHeaders.tenantId]: envelope.metadata.tenantId,
      };
      expect([type, check(eventHeadersSchema(type, eventCatalogue[type].version), headers)]).toEqual([type, []]);
    }
  });

  it('refuses payloads that break the contract', () => {
    const lead = eventDataSchemas.LeadCaptured.data;
    expect(check(lead, { ...samples.LeadCaptured, leadId: undefined })).not.toEqual([]);
    expect(check(lead, { ...samples.LeadCaptured, source: 'carrier-pigeon' })).not.toEqual([]);
    expect(check(lead, { ...samples.LeadCaptured, estimatedValue: { amountMinor: 12.5, currency: 'EUR' } })).toEqual(['$.estimatedValue.amountMinor: 12.5 is not integer']);
    expect(check(lead, { ...samples.LeadCaptured, estimatedValue: { amountMinor: 1250, currency: 'eur' } })).not.toEqual([]);
    expect(check(eventDataSchemas.LeadConverted.data, { ...samples.LeadConverted, expectedCloseDate: '31/12/2026' })).not.toEqual([]);
    expect(check(eventDataSchemas.TaskCreated.data, { ...samples.TaskCreated, dueAt: 'tomorrow' })).not.toEqual([]);
    expect(check(eventDataSchemas.TargetSet.data, { ...samples.TargetSet, period: '2026-13' })).not.toEqual([]);
    // An activity target carries a count instead of an amount; a TargetSet without metric (as every one before) stays valid.
    expect(check(eventDataSchemas.TargetSet.data, { scope: 'owner', scopeId: 'rep-1', period: '2026-03', metric: 'calls', count: 40 })).toEqual([]);
    expect(check(eventDataSchemas.TargetSet.data, { ...samples.TargetSet, metric: 'lunches' })).not.toEqual([]);
    expect(check(eventDataSchemas.ActivityRatiosSet.data, { ...samples.ActivityRatiosSet, ratios: { calls: -1 } })).not.toEqual([]);
  });

  it('documents the dead-letter headers on the dead-letter messages', () => {
    for (const topic of Object.values(topics)) {
      const [, channel] = channelOf(deadLetterTopic(topic)) ?? [];
      const [ref] = Object.values(channel?.messages ?? {});
      const message = document.components.messages[ref.$ref.split('/').pop() as string];
      expect(message.headers.required).toEqual(expect.arrayContaining([deadLetterHeaders.error, deadLetterHeaders.originalOffset, eventHeaders.type]));
    }
  });

  it('is what docs/asyncapi.yaml holds', () => {
    const committed = parse(readFileSync(join(root, 'docs/asyncapi.yaml'), 'utf8')) as unknown;
    try {
      expect(committed).toEqual(document);
    } catch (error) {
      throw new Error(`docs/asyncapi.yaml is stale: run npm run asyncapi\n${(error as Error).message}`);
    }
  });
});
