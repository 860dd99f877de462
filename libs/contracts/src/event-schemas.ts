import { ActivityMetric, activityMetrics, periodPattern, targetMetrics, targetScopes } from './analytics/analytics-events';
import type { CrmEvent, CrmEventType } from './catalogue';
import { ActorRole, EventEnvelope, EventMetadata } from './envelope';
import { AccountProfile, ContactProfile } from './leads/customer-events';
import { EngagementType, engagementTypes, LeadProfile, leadSources, leadStatuses, ScoringRules } from './leads/lead-events';
import { Money } from './money';
import { forecastCategories, PipelineStage } from './opportunities/opportunity-events';
import { memberIdPattern } from './streams';
import { eventHeaders } from './topics';
import {
  activityDirections,
  activityTypes,
  AutomationRuleName,
  AutomationRules,
  DealValueBand,
  PlaybookTask,
  RelatedRecord,
  relatedRecordTypes,
  TaskAssignmentSource,
  taskPriorities,
  taskTypes,
  teamRoles,
} from './tasks/task-events';

/** The subset of JSON Schema (draft 7, as AsyncAPI 3 embeds it) the event contracts use. */
export type JsonSchema = {
  $ref?: string;
  type?: JsonType | JsonType[];
  description?: string;
  format?: 'date-time' | 'date' | 'uuid';
  pattern?: string;
  enum?: readonly string[];
  const?: string | number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  oneOf?: JsonSchema[];
};

export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A property the TypeScript type marks optional (`?`): left out of `required`. */
type Optional = { optional: JsonSchema };
type OptionalKeys<T> = { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? K : never }[keyof T];

/**
 * One schema per property of `T`, optional ones wrapped in `optional(...)`: the compiler refuses a
 * missing, surplus or wrongly optional property, so a schema cannot drift from its TypeScript type.
 */
type Fields<T> = { [K in keyof T]-?: K extends OptionalKeys<T> ? Optional : JsonSchema };

const optional = (schema: JsonSchema): Optional => ({ optional: schema });

type AnyFields = Record<string, JsonSchema | Optional>;

const object = <T>(fields: Fields<T>, description?: string): JsonSchema => objectOf(fields as AnyFields, description);

const objectOf = (fields: AnyFields, description?: string): JsonSchema => {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(fields)) {
    if ('optional' in field) {
      properties[key] = field.optional;
    } else {
      properties[key] = field;
      required.push(key);
    }
  }
  return { type: 'object', ...(description ? { description } : {}), properties, ...(required.length ? { required } : {}) };
};

/** The same properties, every one optional (a `changes` object). */
const allOptional = <T>(fields: Fields<T>): Fields<Partial<T>> =>
  Object.fromEntries(Object.entries(fields as AnyFields).map(([key, field]) => [key, 'optional' in field ? field : optional(field)])) as Fields<Partial<T>>;

/** Lists every member of a string union: the compiler refuses a missing or unknown one. */
const membersOf = <T extends string>(members: Record<T, true>): T[] => Object.keys(members) as T[];

const oneOf = (values: readonly string[], description?: string): JsonSchema => ({ type: 'string', enum: values, ...(description ? { description } : {}) });
const string = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
const integer = (minimum?: number, maximum?: number, description?: string): JsonSchema => ({
  type: 'integer',
  ...(minimum !== undefined ? { minimum } : {}),
  ...(maximum !== undefined ? { maximum } : {}),
  ...(description ? { description } : {}),
});
const number = (description?: string): JsonSchema => ({ type: 'number', ...(description ? { description } : {}) });
const boolean = (description?: string): JsonSchema => ({ type: 'boolean', ...(description ? { description } : {}) });
const arrayOf = (items: JsonSchema, description?: string): JsonSchema => ({ type: 'array', items, ...(description ? { description } : {}) });
const recordOf = (values: JsonSchema, description?: string): JsonSchema => ({ type: 'object', additionalProperties: values, ...(description ? { description } : {}) });

const id = (what: string): JsonSchema => ({ type: 'string', format: 'uuid', description: `Id of the ${what} (a UUID; its stream is \`<category>-<id>\`)` });
const memberId = (description: string): JsonSchema => ({ type: 'string', pattern: memberIdPattern.source, description: `${description} (a team member id)` });
const instant = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description: `${description} (ISO-8601 instant)` });
const calendarDate = (description: string): JsonSchema => ({ type: 'string', format: 'date', description: `${description} (YYYY-MM-DD)` });
const period = (description: string): JsonSchema => ({ type: 'string', pattern: periodPattern.source, description: `${description}: a UTC month (2026-03) or quarter (2026-Q1)` });

/** Lead fields that may hold personal data, sealed by the leads service (crypto-shredding). */
const personal = (description: string): JsonSchema =>
  string(`${description}. Personal data: plain text, or \`enc:v1:\` ciphertext that only the leads service can open and nobody can once the lead is erased; treat as opaque`);

export const moneySchema: JsonSchema = object<Money>(
  {
    amountMinor: integer(undefined, undefined, 'Amount in minor units of the currency (cents for EUR), never a float'),
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO-4217 currency code' },
  },
  'Money: integer minor units with a currency',
);


const attributeValue: JsonSchema = { type: ['string', 'number', 'boolean'] };

const leadProfile: Fields<LeadProfile> = {
  name: personal('Name of the person'),
  email: optional(personal('E-mail address')),
  phone: optional(personal('Phone number, E.164 once normalised')),
  company: optional(string('Company name')),
  title: optional(string('Job title')),
  companySize: optional(integer(1, undefined, 'Employees')),
  industry: optional(string()),
  country: optional(string()),
  region: optional(string()),
  productInterest: optional(string()),
  estimatedValue: optional(moneySchema),
  attributes: optional(recordOf(attributeValue, 'Custom fields: string, number or boolean values')),
};

const accountProfile: Fields<AccountProfile> = {
  name: string('Company name'),
  domain: optional(string('Web domain, normalised: lower case, no scheme, path or `www.`')),
  industry: optional(string()),
  companySize: optional(integer(1, undefined, 'Employees')),
  annualRevenue: optional(moneySchema),
  country: optional(string()),
  region: optional(string()),
  attributes: optional(recordOf(attributeValue, 'Custom fields: string, number or boolean values')),
};

const contactProfile: Fields<ContactProfile> = {
  name: personal('Name of the person'),
  email: optional(personal('E-mail address')),
  phone: optional(personal('Phone number, E.164')),
  title: optional(string('Job title')),
};

const optionalId = (description: string): Optional => optional({ type: 'string', format: 'uuid', description });

const scoringRules = object<ScoringRules>(
  {
    titleSeniority: recordOf(number(), 'Points per title keyword'),
    companySize: arrayOf(object<ScoringRules['companySize'][number]>({ min: integer(0), points: number() }), 'Points from a company size up'),
    industry: recordOf(number(), 'Points per industry'),
    country: recordOf(number(), 'Points per country'),
    estimatedValue: arrayOf(object<ScoringRules['estimatedValue'][number]>({ minMinor: integer(), points: number() }), 'Points from an estimated value (minor units) up'),
    engagement: object<Record<EngagementType, number>>(
      Object.fromEntries(engagementTypes.map((type) => [type, number()])) as Fields<Record<EngagementType, number>>,
      'Points per engagement of each type',
    ),
    engagementHalfLifeDays: number('Half-life of an engagement\'s points, in days'),
    engagementCap: number('Most points engagement can add'),
    attributes: arrayOf(object<ScoringRules['attributes'][number]>({ key: string(), equals: attributeValue, points: number() }), 'Points when a custom attribute equals a value'),
  },
  'Weighted scoring rules',
);

const pipelineStage = object<PipelineStage>({
  name: string(),
  probability: { type: 'number', minimum: 0, maximum: 100, description: 'Default win probability, percent' },
  forecastCategory: oneOf(forecastCategories),
  idleDays: integer(1, undefined, 'Days without a stage change or activity after which a deal counts as stale'),
});

const stageProbability: JsonSchema = { type: 'number', minimum: 0, maximum: 100, description: "The stage's default win probability (percent) when the event happened" };
const stageForecastCategory = oneOf(forecastCategories, "The stage's forecast category when the event happened");

const relatedRecord = object<RelatedRecord>({ type: oneOf(relatedRecordTypes), id: { type: 'string', format: 'uuid' } }, 'The lead, opportunity, account or contact the task or activity is about');

const taskType = oneOf(taskTypes);
const taskPriority = oneOf(taskPriorities);
const playbookTaskFields: Fields<PlaybookTask> = {
  title: string(),
  taskType,
  priority: taskPriority,
  dueInHours: number('Due this many hours after the triggering event occurred'),
};
const dealValueBand = object<DealValueBand>({ name: string(), minAmount: moneySchema, memberIds: arrayOf(memberId('Member')) });
const automationRules = object<AutomationRules>({
  leadAssigned: object<AutomationRules['leadAssigned']>({ enabled: boolean(), title: string(), taskType, priority: taskPriority, slaHours: number() }),
  stagePlaybooks: recordOf(arrayOf(object<PlaybookTask>(playbookTaskFields)), 'Stage name to the tasks entering that stage creates'),
  dealWentStale: object<AutomationRules['dealWentStale']>({ enabled: boolean(), ...playbookTaskFields }),
  assignment: object<AutomationRules['assignment']>({ valueBands: arrayOf(dealValueBand) }),
});

type DataOf<T extends CrmEventType> = Extract<CrmEvent, { type: T }>['data'];

/**
 * Every event type's meaning and `data` shape, written by hand beside the TypeScript types (which
 * the compiler holds them to property by property). A new event type does not compile until it
 * is described here, and the AsyncAPI document is built from this.
 */
const eventDescriptions: { [T in CrmEventType]: { summary: string; data: Fields<DataOf<T>> } } = {
  LeadCaptured: {
    summary: 'A lead was captured (form, import, integration or by hand).',
    data: {
      ...leadProfile,
      leadId: id('lead'),
      source: oneOf(leadSources),
      ownerId: optional(memberId('Owner named at capture; absent: routed by the assignment rules')),
      possibleDuplicateOf: optional({ type: 'string', format: 'uuid', description: 'Lead with the same normalised e-mail or phone, captured anyway' }),
    },
  },
  LeadUpdated: {
    summary: "A lead's profile changed; only the changed fields are present.",
    data: { leadId: id('lead'), changes: object<Partial<LeadProfile>>(allOptional(leadProfile)) },
  },
  LeadEngagementRecorded: {
    summary: 'The lead engaged (visit, e-mail open, download, call...).',
    data: { leadId: id('lead'), engagementType: oneOf(engagementTypes), count: integer(1), durationSeconds: optional(integer(0)) },
  },
  LeadScored: {
    summary: "The lead's score changed.",
    data: {
      leadId: id('lead'),
      score: integer(0, 100),
      probability: optional({ type: 'number', minimum: 0, maximum: 1, description: 'Conversion probability from the trained model' }),
      modelVersion: optional(string('The trained model that scored, when one did')),
      contributions: recordOf(number(), "Each feature's points"),
    },
  },
  LeadAssigned: {
    summary: 'The lead got an owner.',
    data: { leadId: id('lead'), ownerId: memberId('New owner'), previousOwnerId: optional(memberId('Owner before')), routedBy: oneOf(['manual', 'rules']) },
  },
  LeadStatusChanged: {
    summary: "The lead's status changed.",
    data: { leadId: id('lead'), from: oneOf(leadStatuses), to: oneOf(leadStatuses) },
  },
  LeadQualified: { summary: 'The lead was qualified.', data: { leadId: id('lead') } },
  LeadDisqualified: { summary: 'The lead was disqualified.', data: { leadId: id('lead'), reason: personal('Why') } },
  LeadReopened: { summary: 'A disqualified lead was reopened.', data: { leadId: id('lead') } },
  LeadConverted: {
    summary: 'The lead was converted into an opportunity (the opportunities service opens it).',
    data: {
      leadId: id('lead'),
      opportunityId: id('opportunity to open'),
      opportunityName: string("The deal's name (a business name, never the person's)"),
      accountName: string(),
      amount: moneySchema,
      productType: string(),
      expectedCloseDate: calendarDate('Expected close'),
      ownerId: optional(memberId('Owner of the deal')),
      source: oneOf(leadSources),
      region: optional(string()),
      accountId: optional({ type: 'string', format: 'uuid', description: 'The account created or linked (absent in conversions recorded before accounts existed)' }),
      contactId: optional({ type: 'string', format: 'uuid', description: 'The contact created from the lead (absent before contacts existed)' }),
    },
  },
  LeadMerged: { summary: 'A duplicate lead was merged into this one.', data: { leadId: id('surviving lead'), duplicateId: id('duplicate lead') } },
  LeadMergedInto: { summary: 'This lead was merged into another and is closed.', data: { leadId: id('duplicate lead'), survivorId: id('surviving lead') } },
  LeadErased: {
    summary: "The person behind the lead was erased (GDPR): the lead's personal fields are unreadable from now on, in every copy.",
    data: { leadId: id('lead') },
  },
  AccountCreated: {
    summary: 'A customer account (a company) was created, by hand or by a lead conversion.',
    data: {
      ...accountProfile,
      accountId: id('account'),
      ownerId: optional(memberId('Owner')),
      leadId: optional({ type: 'string', format: 'uuid', description: 'The converted lead that created the account' }),
    },
  },
  AccountUpdated: {
    summary: "An account's fields changed; only the changed fields are present.",
    data: { accountId: id('account'), changes: object<DataOf<'AccountUpdated'>['changes']>({ ...allOptional(accountProfile), ownerId: optional(memberId('Owner')) }) },
  },
  AccountMerged: { summary: 'A duplicate account was merged into this one.', data: { accountId: id('surviving account'), duplicateId: id('duplicate account') } },
  AccountMergedInto: { summary: 'This account was merged into another and is closed.', data: { accountId: id('duplicate account'), survivorId: id('surviving account') } },
  ContactCreated: {
    summary: 'A contact (a person at a customer) was created, by hand or by a lead conversion.',
    data: {
      ...contactProfile,
      contactId: id('contact'),
      accountId: optionalId('The account the person works for'),
      ownerId: optional(memberId('Owner')),
      leadId: optionalId('The converted lead the contact came from'),
    },
  },
  ContactUpdated: {
    summary: "A contact's fields changed; only the changed fields are present.",
    data: {
      contactId: id('contact'),
      changes: object<DataOf<'ContactUpdated'>['changes']>({ ...allOptional(contactProfile), accountId: optionalId('New account'), ownerId: optional(memberId('Owner')) }),
    },
  },
  ContactMerged: { summary: 'A duplicate contact was merged into this one.', data: { contactId: id('surviving contact'), duplicateId: id('duplicate contact') } },
  ContactMergedInto: { summary: 'This contact was merged into another and is closed.', data: { contactId: id('duplicate contact'), survivorId: id('surviving contact') } },
  ContactErased: {
    summary: "The person behind the contact was erased (GDPR): the contact's personal fields are unreadable from now on, in every copy.",
    data: { contactId: id('contact') },
  },
  ScoringRulesDefined: {
    summary: "The tenant's scoring rules were replaced.",
    data: { version: integer(1, undefined, 'Version of the rules, counting up'), rules: scoringRules },
  },
  ScoringModelTrained: {
    summary: 'A lead-conversion model was trained; any replica can score with it.',
    data: {
      modelVersion: string(),
      encoder: { type: 'object', description: 'The fitted feature encoder, as @crm/leads-domain serialises it' },
      coef: arrayOf(number(), 'Logistic regression coefficients, one per feature name'),
      intercept: number(),
      featureNames: arrayOf(string()),
      metrics: object<DataOf<'ScoringModelTrained'>['metrics']>(
        { auc: number(), accuracy: number(), logLoss: number(), trainingRows: integer(0), holdoutRows: integer(0) },
        'Measured on the holdout',
      ),
      l2Penalty: number(),
    },
  },
  PipelineStagesDefined: {
    summary: "The tenant's ordered open stages were replaced (Won and Lost are outcomes, not stages).",
    data: { stages: arrayOf(pipelineStage) },
  },
  OpportunityOpened: {
    summary: 'An opportunity was opened, by hand or from a converted lead.',
    data: {
      opportunityId: id('opportunity'),
      name: string(),
      accountName: string(),
      amount: moneySchema,
      productType: string(),
      ownerId: memberId('Owner'),
      stage: string('Stage entered'),
      probability: stageProbability,
      forecastCategory: stageForecastCategory,
      expectedCloseDate: calendarDate('Expected close'),
      leadId: optional({ type: 'string', format: 'uuid', description: 'The converted lead, if any' }),
      accountId: optional({ type: 'string', format: 'uuid', description: 'The customer account (leads context), when known; `accountName` stays readable' }),
    },
  },
  OpportunityStageChanged: {
    summary: 'The opportunity moved to another stage (back is allowed).',
    data: {
      opportunityId: id('opportunity'),
      from: string(),
      to: string(),
      direction: oneOf(['forward', 'backward'], "Relative to the pipeline's order when the change was made"),
      probability: stageProbability,
      forecastCategory: stageForecastCategory,
    },
  },
  OpportunityUpdated: {
    summary: 'Fields of the opportunity changed; only the changed fields are present.',
    data: {
      opportunityId: id('opportunity'),
      changes: object<DataOf<'OpportunityUpdated'>['changes']>({
        amount: optional(moneySchema),
        expectedCloseDate: optional(calendarDate('Expected close')),
        ownerId: optional(memberId('Owner')),
        forecastCategory: optional(oneOf(forecastCategories, "The owner's override of the stage default, until the next stage change")),
        name: optional(string()),
      }),
    },
  },
  OpportunityWon: { summary: 'The opportunity was won.', data: { opportunityId: id('opportunity'), amount: moneySchema, fromStage: string() } },
  OpportunityLost: {
    summary: 'The opportunity was lost.',
    data: { opportunityId: id('opportunity'), reason: string(), competitor: optional(string()), fromStage: string() },
  },
  OpportunityReopened: {
    summary: 'A won or lost opportunity was reopened.',
    data: {
      opportunityId: id('opportunity'),
      previousStatus: oneOf(['won', 'lost']),
      stage: string('Stage re-entered'),
      probability: stageProbability,
      forecastCategory: stageForecastCategory,
    },
  },
  DealWentStale: {
    summary: 'The opportunity sat idle past its stage limit; once per idle period.',
    data: {
      opportunityId: id('opportunity'),
      stage: string(),
      idleSince: instant('Last stage change or logged activity'),
      idleDays: integer(0),
    },
  },
  TeamMemberUpserted: {
    summary: 'A team member was created or replaced.',
    data: {
      memberId: memberId('The member'),
      name: string(),
      email: string(),
      role: oneOf(teamRoles),
      managerId: optional(memberId('Manager')),
      region: optional(string()),
      teamId: optional({ type: 'string', pattern: memberIdPattern.source, description: "The member's team; absent: no team" }),
      productLines: arrayOf(string()),
      capacity: optional(integer(0, undefined, 'Most open tasks the member should hold')),
      active: boolean(),
    },
  },
  TaskCreated: {
    summary: 'A task was created, by hand or by an automation rule.',
    data: {
      taskId: id('task'),
      title: string(),
      taskType,
      assigneeId: optional(memberId('Assignee; absent: nobody was eligible')),
      assignedBy: optional(oneOf(membersOf<TaskAssignmentSource>({ explicit: true, 'record-owner': true, rules: true }))),
      related: relatedRecord,
      dueAt: instant('Due'),
      priority: taskPriority,
      notes: optional(string()),
      triggeredBy: optional({ type: 'string', format: 'uuid', description: 'Id of the event that made an automation rule create the task' }),
      automationRule: optional(oneOf(membersOf<AutomationRuleName>({ 'lead-assigned': true, 'stage-playbook': true, 'deal-went-stale': true }))),
    },
  },
  TaskReassigned: {
    summary: 'The task got another assignee.',
    data: { taskId: id('task'), assigneeId: memberId('New assignee'), previousAssigneeId: optional(memberId('Assignee before')) },
  },
  TaskUpdated: {
    summary: 'Fields of the task changed; only the changed fields are present.',
    data: {
      taskId: id('task'),
      changes: object<DataOf<'TaskUpdated'>['changes']>({ dueAt: optional(instant('Due')), priority: optional(taskPriority), title: optional(string()) }),
    },
  },
  TaskCompleted: {
    summary: 'The task was completed.',
    data: {
      taskId: id('task'),
      outcome: optional(string()),
      onTime: boolean('Completed (the event\'s occurredAt) no later than dueAt'),
      assigneeId: optional(memberId('Assignee')),
      dueAt: instant('Due'),
    },
  },
  TaskCancelled: { summary: 'The task was cancelled.', data: { taskId: id('task'), reason: string() } },
  TaskBecameOverdue: {
    summary: 'An open task passed its due time; once per due time.',
    data: { taskId: id('task'), dueAt: instant('Due'), assigneeId: optional(memberId('Assignee')) },
  },
  ActivityLogged: {
    summary: 'A call, e-mail, meeting or note was logged against a lead or opportunity.',
    data: {
      activityId: id('activity'),
      activityType: oneOf(activityTypes),
      related: relatedRecord,
      summary: string(),
      direction: optional(oneOf(activityDirections)),
      durationMinutes: optional(integer(0)),
    },
  },
  AutomationRulesDefined: {
    summary: "The tenant's automation rules (tasks created on events, assignment) were replaced.",
    data: { version: integer(1, undefined, 'Version of the rules, counting up'), rules: automationRules },
  },
  MarketingCostRecorded: {
    summary: "A lead source's marketing spend for a period, replacing what was recorded for it before.",
    data: { source: string('Lead source'), period: period('Period'), amount: moneySchema },
  },
  TargetSet: {
    summary: "A won-revenue or activity-count target for an owner, a team or a manager's reports in a period, replacing the earlier one of the same metric.",
    data: {
      scope: oneOf(targetScopes),
      scopeId: memberId('Owner, team or manager'),
      period: period('Period'),
      amount: optional({ ...moneySchema, description: 'Won revenue to reach: present exactly when the metric is revenue' }),
      metric: optional(oneOf(targetMetrics, 'What the target counts; absent (every target recorded before activity targets): revenue')),
      count: optional(integer(0, undefined, 'Activities of the metric to log in the period: present exactly when the metric is not revenue')),
    },
  },
  ActivityRatiosSet: {
    summary: "The activity plan's ratios in one currency (activities planned per amount of revenue target), replacing the earlier ones.",
    data: {
      per: moneySchema,
      ratios: object<Partial<Record<ActivityMetric, number>>>(
        Object.fromEntries(activityMetrics.map((metric) => [metric, optional({ type: 'number', minimum: 0, description: `${metric} planned per \`per\` of revenue target` })])) as Fields<Partial<Record<ActivityMetric, number>>>,
      ),
    },
  },
  ForecastRecorded: {
    summary: "A forecast of a period's won revenue as it stood, kept to measure its accuracy later.",
    data: {
      period: period('Period forecast'),
      method: { type: 'string', pattern: '^(pipeline|revenue:.+)$', description: '`pipeline` (probability-weighted) or `revenue:<model>` (time-series model)' },
      expected: moneySchema,
      p10: optional(moneySchema),
      p90: optional(moneySchema),
      asOf: instant('When the forecast was made'),
    },
  },
};

export type EventDescription = { summary: string; data: JsonSchema };

/** Each event type's one-line summary and the JSON Schema of its `data`. */
export const eventDataSchemas = Object.fromEntries(
  Object.entries(eventDescriptions as Record<string, { summary: string; data: AnyFields }>).map(([type, { summary, data }]) => [type, { summary, data: objectOf(data) }]),
) as { [T in CrmEventType]: EventDescription };

const traceparentPattern = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

export const eventMetadataSchema: JsonSchema = object<EventMetadata>(
  {
    tenantId: string('The tenant; every record and event belongs to exactly one'),
    actor: object<EventMetadata['actor']>(
      {
        id: string('User id (the token\'s subject), or the name of the automation'),
        role: oneOf(membersOf<ActorRole>({ admin: true, manager: true, rep: true, integration: true, system: true }), 'The role the actor acted in'),
      },
      'Who caused the event',
    ),
    correlationId: string('Ties together everything done on behalf of one request or workflow'),
    causationId: string('Id of the event or request that directly caused this event'),
    traceparent: optional({ type: 'string', pattern: traceparentPattern, description: 'W3C trace context, when tracing is on' }),
  },
  'Metadata every event carries besides its payload',
);

/**
 * The Kafka message value: the envelope as JSON, with `type` and `schemaVersion` fixed and `data`
 * as the event type describes it. `streamPattern` matches the stream ids (= message keys) of the
 * topic.
 */
export const envelopeSchema = (type: CrmEventType, schemaVersion: number, streamPattern: string, metadata: JsonSchema = eventMetadataSchema): JsonSchema =>
  object<EventEnvelope>(
    {
      id: { type: 'string', format: 'uuid', description: `Event id, also in the \`${eventHeaders.eventId}\` header: consumers deduplicate on it` },
      type: { type: 'string', const: type },
      schemaVersion: { type: 'integer', const: schemaVersion, description: 'A change of shape adds a version; older versions are upcast on read' },
      streamId: { type: 'string', pattern: streamPattern, description: 'The stream (`<category>-<id>`), also the message key' },
      revision: integer(0, undefined, '0-based position of the event within its stream'),
      globalPosition: integer(0, undefined, "Position in the producing service's event log; not comparable across services"),
      occurredAt: instant('When it happened in the business (imports may backdate it)'),
      recordedAt: instant('When the event store accepted it'),
      metadata,
      data: eventDataSchemas[type].data,
      hash: optional({
        type: 'string',
        pattern: '^[0-9a-f]{64}$',
        description: "Tamper evidence where the store keeps it: hex SHA-256 over the previous event's hash in the stream and this event's canonical JSON",
      }),
    },
    `${type} v${schemaVersion}: ${eventDataSchemas[type].summary}`,
  );

/** The Kafka headers of an event, `crm-event-type` and `crm-schema-version` fixed. */
export const eventHeadersSchema = (type: string | readonly string[], schemaVersion?: number): JsonSchema => {
  const headers: { [K in keyof typeof eventHeaders]: JsonSchema | Optional } = {
    type: typeof type === 'string' ? { type: 'string', const: type, description: 'Event type' } : oneOf(type, 'Event type'),
    schemaVersion:
      schemaVersion === undefined
        ? { type: 'string', pattern: '^[1-9][0-9]*$', description: 'Schema version, decimal' }
        : { type: 'string', const: String(schemaVersion), description: 'Schema version, decimal' },
    eventId: { type: 'string', format: 'uuid', description: 'The envelope\'s `id`' },
    correlationId: string('`metadata.correlationId`'),
    causationId: string('`metadata.causationId`'),
    tenantId: string('`metadata.tenantId`'),
    traceparent: optional({ type: 'string', pattern: traceparentPattern, description: '`metadata.traceparent`: W3C trace context, when tracing is on' }),
  };
  return objectOf(Object.fromEntries(Object.entries(headers).map(([key, field]) => [eventHeaders[key as keyof typeof eventHeaders], field])), 'Kafka headers (UTF-8 strings)');
};
