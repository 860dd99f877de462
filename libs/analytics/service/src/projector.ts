import { categoryOf, EventEnvelope, idOf, isUuid } from '@crm/contracts';
import {
  activityFact,
  activityRatiosFact,
  activityTargetFact,
  costFact,
  DealEventFact,
  DealFact,
  evolveDealFact,
  evolveLeadFact,
  evolveTaskFact,
  forecastSnapshotFact,
  LeadFact,
  leadScoreFact,
  memberFact,
  pipelineFact,
  TaskFact,
  targetFact,
} from '@crm/analytics-domain';
import { EntityManager } from 'typeorm';

// Applies a batch of events to the read models inside the caller's transaction. `event_log` is both
// the audit copy and the ledger of what was applied: an event already in it is skipped, so any
// redelivery (a crash before the checkpoint, Kafka's at-least-once, a live batch after a rebuild)
// changes nothing.

type ColumnType = 'text' | 'uuid' | 'timestamptz' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'int' | 'jsonb';
type Table = { name: string; key: string[]; columns: Array<[string, ColumnType]> };

const table = (name: string, key: string[], columns: Array<[string, ColumnType]>): Table => ({ name, key, columns });

const tables = {
  eventLog: table('event_log', ['event_id'], [
    ['event_id', 'uuid'], ['tenant_id', 'text'], ['stream_id', 'text'], ['category', 'text'], ['type', 'text'], ['schema_version', 'int'], ['revision', 'bigint'],
    ['origin_position', 'bigint'], ['occurred_at', 'timestamptz'], ['recorded_at', 'timestamptz'], ['actor_id', 'text'], ['actor_role', 'text'],
    ['correlation_id', 'text'], ['causation_id', 'text'], ['traceparent', 'text'], ['data', 'jsonb'],
  ]),
  leads: table('leads', ['tenant_id', 'lead_id'], [
    ['tenant_id', 'text'], ['lead_id', 'uuid'], ['source', 'text'], ['owner_id', 'text'], ['region', 'text'], ['product_interest', 'text'], ['status', 'text'],
    ['captured_at', 'timestamptz'], ['working_at', 'timestamptz'], ['qualified_at', 'timestamptz'], ['converted_at', 'timestamptz'], ['disqualified_at', 'timestamptz'],
    ['merged_into', 'uuid'], ['opportunity_id', 'uuid'], ['revision', 'bigint'], ['estimated_value_minor', 'bigint'], ['estimated_currency', 'text'],
  ]),
  leadScores: table('lead_scores', ['tenant_id', 'lead_id', 'revision'], [
    ['tenant_id', 'text'], ['lead_id', 'uuid'], ['revision', 'bigint'], ['occurred_at', 'timestamptz'], ['score', 'int'], ['probability', 'numeric'],
  ]),
  deals: table('deals', ['tenant_id', 'opportunity_id'], [
    ['tenant_id', 'text'], ['opportunity_id', 'uuid'], ['lead_id', 'uuid'], ['name', 'text'], ['owner_id', 'text'], ['product_type', 'text'], ['status', 'text'],
    ['stage', 'text'], ['probability', 'numeric'], ['forecast_category', 'text'], ['currency', 'text'], ['amount_minor', 'bigint'], ['expected_close_date', 'date'],
    ['opened_at', 'timestamptz'], ['closed_at', 'timestamptz'], ['revision', 'bigint'],
  ]),
  dealEvents: table('deal_events', ['tenant_id', 'opportunity_id', 'revision'], [
    ['tenant_id', 'text'], ['opportunity_id', 'uuid'], ['revision', 'bigint'], ['occurred_at', 'timestamptz'], ['kind', 'text'], ['stage', 'text'], ['probability', 'numeric'],
    ['status', 'text'], ['amount_minor', 'bigint'], ['currency', 'text'], ['owner_id', 'text'], ['expected_close_date', 'date'], ['from_stage', 'text'],
    ['amount_after_minor', 'bigint'], ['currency_after', 'text'],
  ]),
  tasks: table('tasks', ['tenant_id', 'task_id'], [
    ['tenant_id', 'text'], ['task_id', 'uuid'], ['assignee_id', 'text'], ['status', 'text'], ['due_at', 'timestamptz'], ['created_at', 'timestamptz'],
    ['completed_at', 'timestamptz'], ['on_time', 'boolean'], ['related_type', 'text'], ['related_id', 'text'], ['automation_rule', 'text'], ['revision', 'bigint'],
  ]),
  activities: table('activities', ['tenant_id', 'activity_id'], [
    ['tenant_id', 'text'], ['activity_id', 'uuid'], ['actor_id', 'text'], ['activity_type', 'text'], ['related_type', 'text'], ['related_id', 'text'], ['occurred_at', 'timestamptz'],
  ]),
  members: table('members', ['tenant_id', 'member_id'], [
    ['tenant_id', 'text'], ['member_id', 'text'], ['name', 'text'], ['manager_id', 'text'], ['team_id', 'text'], ['region', 'text'], ['active', 'boolean'],
  ]),
  costs: table('marketing_costs', ['tenant_id', 'source', 'period'], [
    ['tenant_id', 'text'], ['source', 'text'], ['period', 'text'], ['period_start', 'timestamptz'], ['period_end', 'timestamptz'], ['currency', 'text'], ['amount_minor', 'bigint'],
  ]),
  targets: table('targets', ['tenant_id', 'scope', 'scope_id', 'period'], [
    ['tenant_id', 'text'], ['scope', 'text'], ['scope_id', 'text'], ['period', 'text'], ['period_start', 'timestamptz'], ['period_end', 'timestamptz'], ['currency', 'text'], ['amount_minor', 'bigint'],
  ]),
  activityTargets: table('activity_targets', ['tenant_id', 'scope', 'scope_id', 'period', 'metric'], [
    ['tenant_id', 'text'], ['scope', 'text'], ['scope_id', 'text'], ['period', 'text'], ['metric', 'text'], ['period_start', 'timestamptz'], ['period_end', 'timestamptz'], ['count', 'int'],
  ]),
  activityRatios: table('activity_ratios', ['tenant_id', 'currency'], [['tenant_id', 'text'], ['currency', 'text'], ['per_minor', 'bigint'], ['ratios', 'jsonb']]),
  forecasts: table('forecast_snapshots', ['tenant_id', 'period', 'method', 'recorded_on'], [
    ['tenant_id', 'text'], ['period', 'text'], ['method', 'text'], ['recorded_on', 'date'], ['period_start', 'timestamptz'], ['period_end', 'timestamptz'], ['currency', 'text'],
    ['expected_minor', 'bigint'], ['p10_minor', 'bigint'], ['p90_minor', 'bigint'], ['as_of', 'timestamptz'],
  ]),
  pipelineStages: table('pipeline_stages', ['tenant_id', 'position'], [['tenant_id', 'text'], ['position', 'int'], ['name', 'text'], ['probability', 'numeric']]),
};

const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const camel = (key: string) => key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

const toRow = (fact: object): Record<string, unknown> => Object.fromEntries(Object.entries(fact).map(([key, value]) => [snake(key), value]));

/** Reads rows back into facts: instants as ISO strings, numbers as numbers, as the folds make them. */
const toFact = <Fact>(spec: Table, row: Record<string, unknown>): Fact => {
  const fact: Record<string, unknown> = {};
  for (const [column, type] of spec.columns) {
    const value = row[column];
    fact[camel(column)] =
      value === null || value === undefined ? null : type === 'timestamptz' ? new Date(value as string).toISOString() : type === 'bigint' || type === 'numeric' || type === 'int' ? Number(value) : value;
  }
  return fact as Fact;
};

/** Writes many rows in one statement; `update` false keeps the first row written for a key. */
const upsert = async (manager: EntityManager, schema: string, spec: Table, rows: Array<Record<string, unknown>>, update = true): Promise<string[]> => {
  if (rows.length === 0) return [];
  const names = spec.columns.map(([name]) => name);
  const definition = spec.columns.map(([name, type]) => `${name} ${type}`).join(', ');
  const updates = names.filter((name) => !spec.key.includes(name)).map((name) => `${name} = EXCLUDED.${name}`);
  const conflict = update && updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
  const returning = spec.key.length === 1 ? ` RETURNING ${spec.key[0]}::text AS key` : '';
  const result = (await manager.query(
    `INSERT INTO ${schema}.${spec.name} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${definition})
     ON CONFLICT (${spec.key.join(', ')}) ${conflict}${returning}`,
    [JSON.stringify(rows)],
  )) as Array<{ key: string }>;
  return returning ? result.map((row) => row.key) : [];
};

const load = async <Fact>(manager: EntityManager, schema: string, spec: Table, idColumn: string, ids: string[]): Promise<Map<string, Fact>> => {
  if (ids.length === 0) return new Map();
  const rows = (await manager.query(`SELECT row_to_json(t) AS row FROM ${schema}.${spec.name} t WHERE ${idColumn} = ANY($1::uuid[]) FOR UPDATE`, [ids])) as Array<{ row: Record<string, unknown> }>;
  return new Map(rows.map(({ row }) => [String(row[idColumn]), toFact<Fact>(spec, row)]));
};

const logRow = (event: EventEnvelope) => ({
  event_id: event.id,
  tenant_id: event.metadata.tenantId,
  stream_id: event.streamId,
  category: categoryOf(event.streamId),
  type: event.type,
  schema_version: event.schemaVersion,
  revision: event.revision,
  origin_position: event.globalPosition,
  occurred_at: event.occurredAt,
  recorded_at: event.recordedAt,
  actor_id: event.metadata.actor.id,
  actor_role: event.metadata.actor.role,
  correlation_id: event.metadata.correlationId,
  causation_id: event.metadata.causationId,
  traceparent: event.metadata.traceparent ?? null,
  data: event.data,
});

export type ProjectOptions = {
  /** False when replaying `event_log` itself: the events are in it already and all get applied. */
  record?: boolean;
};

/** The projection lock: live batches share it, a rebuild holds it alone. */
export const projectionLockSql = (schema: string, mode: 'shared' | 'exclusive') =>
  `SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtextextended('${schema}.projection', 0))`;

/** Applies the events not applied before; returns how many were new. */
export const projectEvents = async (manager: EntityManager, schema: string, batch: EventEnvelope[], options: ProjectOptions = {}): Promise<number> => {
  let events = batch;
  if (options.record !== false) {
    const unique = [...new Map(batch.map((event) => [event.id, event])).values()];
    const inserted = new Set(await upsert(manager, schema, tables.eventLog, unique.map(logRow), false));
    events = unique.filter((event) => inserted.has(event.id));
  }
  if (events.length === 0) return 0;

  const byCategory = new Map<string, EventEnvelope[]>();
  for (const event of events) {
    const category = categoryOf(event.streamId);
    const list = byCategory.get(category);
    if (list) list.push(event);
    else byCategory.set(category, [event]);
  }
  const streamIds = (category: string) => [...new Set((byCategory.get(category) ?? []).map((event) => idOf(event.streamId).toLowerCase()).filter(isUuid))];

  const leadEvents = byCategory.get('lead') ?? [];
  if (leadEvents.length) {
    const leads = await load<LeadFact>(manager, schema, tables.leads, 'lead_id', streamIds('lead'));
    for (const event of leadEvents) {
      const id = idOf(event.streamId).toLowerCase();
      const next = evolveLeadFact(leads.get(id), event);
      if (next) leads.set(id, next);
    }
    await upsert(manager, schema, tables.leads, [...leads.values()].map(toRow));
  }

  const dealEvents = byCategory.get('opportunity') ?? [];
  if (dealEvents.length) {
    const deals = await load<DealFact>(manager, schema, tables.deals, 'opportunity_id', streamIds('opportunity'));
    const history: DealEventFact[] = [];
    for (const event of dealEvents) {
      const id = idOf(event.streamId).toLowerCase();
      const { fact, history: row } = evolveDealFact(deals.get(id), event);
      if (fact) deals.set(id, fact);
      if (row) history.push(row);
    }
    await upsert(manager, schema, tables.deals, [...deals.values()].map(toRow));
    await upsert(manager, schema, tables.dealEvents, history.map(toRow), false);
  }

  const taskEvents = byCategory.get('task') ?? [];
  if (taskEvents.length) {
    const tasks = await load<TaskFact>(manager, schema, tables.tasks, 'task_id', streamIds('task'));
    for (const event of taskEvents) {
      const id = idOf(event.streamId).toLowerCase();
      const next = evolveTaskFact(tasks.get(id), event);
      if (next) tasks.set(id, next);
    }
    await upsert(manager, schema, tables.tasks, [...tasks.values()].map(toRow));
  }

  const last = <Fact>(facts: Array<Fact | undefined>, key: (fact: Fact) => string) => [...new Map(facts.filter((fact): fact is Fact => fact !== undefined).map((fact) => [key(fact), fact])).values()];
  await upsert(manager, schema, tables.activities, events.map(activityFact).filter((fact) => fact !== undefined).map(toRow), false);
  await upsert(manager, schema, tables.members, last(events.map(memberFact), (fact) => `${fact.tenantId}/${fact.memberId}`).map(toRow));
  await upsert(manager, schema, tables.costs, last(events.map(costFact), (fact) => `${fact.tenantId}/${fact.source}/${fact.period}`).map(toRow));
  await upsert(manager, schema, tables.targets, last(events.map(targetFact), (fact) => `${fact.tenantId}/${fact.scope}/${fact.scopeId}/${fact.period}`).map(toRow));
  await upsert(manager, schema, tables.activityTargets, last(events.map(activityTargetFact), (fact) => `${fact.tenantId}/${fact.scope}/${fact.scopeId}/${fact.period}/${fact.metric}`).map(toRow));
  await upsert(manager, schema, tables.activityRatios, last(events.map(activityRatiosFact), (fact) => `${fact.tenantId}/${fact.currency}`).map(toRow));
  await upsert(manager, schema, tables.leadScores, events.map(leadScoreFact).filter((fact) => fact !== undefined).map(toRow), false);
  await upsert(manager, schema, tables.forecasts, last(events.map(forecastSnapshotFact), (fact) => `${fact.tenantId}/${fact.period}/${fact.method}/${fact.recordedOn}`).map(toRow));
  for (const pipeline of last(events.map(pipelineFact), (fact) => fact.tenantId)) {
    await manager.query(`DELETE FROM ${schema}.pipeline_stages WHERE tenant_id = $1`, [pipeline.tenantId]);
    await upsert(manager, schema, tables.pipelineStages, pipeline.stages.map((stage, position) => ({ tenant_id: pipeline.tenantId, position, name: stage.name, probability: stage.probability })));
  }
  return events.length;
};
