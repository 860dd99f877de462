/** The analytics read-model tables, in one PostgreSQL schema (default `analytics`). */
export const assertSchemaName = (schema: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`not a plain schema name: ${schema}`);
  return schema;
};

/** Every projected table, emptied by a rebuild (the event log copy is kept unless re-ingested). */
export const projectedTables = [
  'leads',
  'lead_scores',
  'deals',
  'deal_events',
  'tasks',
  'activities',
  'members',
  'marketing_costs',
  'targets',
  'activity_targets',
  'activity_ratios',
  'pipeline_stages',
  'forecast_snapshots',
] as const;

/**
 * Created at start-up; the advisory lock keeps replicas starting together from racing. `event_log`
 * is analytics' own copy of every context's events: the audit trail, and in distributed mode (where
 * each context keeps its own store) the log a rebuild replays.
 */
export const analyticsSchemaSql = (schema: string): string => {
  const s = assertSchemaName(schema);
  return `
SELECT pg_advisory_xact_lock(hashtextextended('${s}.schema', 0));
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.event_log (
  event_id uuid PRIMARY KEY,
  seq bigserial NOT NULL,
  tenant_id text NOT NULL,
  stream_id text NOT NULL,
  category text NOT NULL,
  type text NOT NULL,
  schema_version int NOT NULL,
  revision bigint NOT NULL,
  origin_position bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  actor_id text NOT NULL,
  actor_role text NOT NULL,
  correlation_id text NOT NULL,
  causation_id text NOT NULL,
  traceparent text,
  data jsonb NOT NULL
);
-- The audit trail pages in business-time order: (occurred_at, origin_position, event_id).
DROP INDEX IF EXISTS ${s}.event_log_tenant_recorded_idx;
DROP INDEX IF EXISTS ${s}.event_log_actor_idx;
CREATE INDEX IF NOT EXISTS event_log_tenant_occurred_idx ON ${s}.event_log (tenant_id, occurred_at, origin_position, event_id);
CREATE INDEX IF NOT EXISTS event_log_stream_idx ON ${s}.event_log (tenant_id, stream_id, revision);
CREATE INDEX IF NOT EXISTS event_log_actor_occurred_idx ON ${s}.event_log (tenant_id, actor_id, occurred_at);
CREATE INDEX IF NOT EXISTS event_log_type_occurred_idx ON ${s}.event_log (tenant_id, type, occurred_at);
CREATE INDEX IF NOT EXISTS event_log_seq_idx ON ${s}.event_log (seq);

CREATE TABLE IF NOT EXISTS ${s}.leads (
  tenant_id text NOT NULL,
  lead_id uuid NOT NULL,
  source text NOT NULL,
  owner_id text,
  region text,
  product_interest text,
  status text NOT NULL,
  captured_at timestamptz NOT NULL,
  working_at timestamptz,
  qualified_at timestamptz,
  converted_at timestamptz,
  disqualified_at timestamptz,
  merged_into uuid,
  opportunity_id uuid,
  revision bigint NOT NULL,
  PRIMARY KEY (tenant_id, lead_id)
);
CREATE INDEX IF NOT EXISTS leads_captured_idx ON ${s}.leads (tenant_id, captured_at);
-- Added for the focus list; a rebuild fills them for leads projected before.
ALTER TABLE ${s}.leads ADD COLUMN IF NOT EXISTS estimated_value_minor bigint;
ALTER TABLE ${s}.leads ADD COLUMN IF NOT EXISTS estimated_currency text;
CREATE INDEX IF NOT EXISTS leads_owner_idx ON ${s}.leads (tenant_id, owner_id);

CREATE TABLE IF NOT EXISTS ${s}.lead_scores (
  tenant_id text NOT NULL,
  lead_id uuid NOT NULL,
  revision bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  score int NOT NULL,
  probability numeric,
  PRIMARY KEY (tenant_id, lead_id, revision)
);

CREATE TABLE IF NOT EXISTS ${s}.deals (
  tenant_id text NOT NULL,
  opportunity_id uuid NOT NULL,
  lead_id uuid,
  name text NOT NULL,
  owner_id text NOT NULL,
  product_type text NOT NULL,
  status text NOT NULL,
  stage text NOT NULL,
  probability numeric NOT NULL,
  currency text NOT NULL,
  amount_minor bigint NOT NULL,
  expected_close_date date NOT NULL,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  revision bigint NOT NULL,
  PRIMARY KEY (tenant_id, opportunity_id)
);
-- Added after deals first shipped; a rebuild fills it for deals projected before.
ALTER TABLE ${s}.deals ADD COLUMN IF NOT EXISTS forecast_category text NOT NULL DEFAULT 'Pipeline';
CREATE INDEX IF NOT EXISTS deals_opened_idx ON ${s}.deals (tenant_id, opened_at);
CREATE INDEX IF NOT EXISTS deals_closed_idx ON ${s}.deals (tenant_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS deals_lead_idx ON ${s}.deals (tenant_id, lead_id);

CREATE TABLE IF NOT EXISTS ${s}.deal_events (
  tenant_id text NOT NULL,
  opportunity_id uuid NOT NULL,
  revision bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  kind text NOT NULL,
  stage text,
  probability numeric,
  status text,
  amount_minor bigint,
  currency text,
  owner_id text,
  expected_close_date date,
  from_stage text,
  amount_after_minor bigint NOT NULL,
  currency_after text NOT NULL,
  PRIMARY KEY (tenant_id, opportunity_id, revision)
);
CREATE INDEX IF NOT EXISTS deal_events_occurred_idx ON ${s}.deal_events (tenant_id, occurred_at);

CREATE TABLE IF NOT EXISTS ${s}.tasks (
  tenant_id text NOT NULL,
  task_id uuid NOT NULL,
  assignee_id text,
  status text NOT NULL,
  due_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  completed_at timestamptz,
  on_time boolean,
  related_type text NOT NULL,
  related_id text NOT NULL,
  automation_rule text,
  revision bigint NOT NULL,
  PRIMARY KEY (tenant_id, task_id)
);
CREATE INDEX IF NOT EXISTS tasks_completed_idx ON ${s}.tasks (tenant_id, completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ${s}.activities (
  tenant_id text NOT NULL,
  activity_id uuid NOT NULL,
  actor_id text NOT NULL,
  activity_type text NOT NULL,
  related_type text NOT NULL,
  related_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, activity_id)
);
CREATE INDEX IF NOT EXISTS activities_actor_idx ON ${s}.activities (tenant_id, actor_id, occurred_at);
CREATE INDEX IF NOT EXISTS activities_related_idx ON ${s}.activities (tenant_id, related_id, occurred_at);

CREATE TABLE IF NOT EXISTS ${s}.members (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  name text NOT NULL,
  manager_id text,
  team_id text,
  region text,
  active boolean NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);

CREATE TABLE IF NOT EXISTS ${s}.marketing_costs (
  tenant_id text NOT NULL,
  source text NOT NULL,
  period text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  currency text NOT NULL,
  amount_minor bigint NOT NULL,
  PRIMARY KEY (tenant_id, source, period)
);

CREATE TABLE IF NOT EXISTS ${s}.targets (
  tenant_id text NOT NULL,
  scope text NOT NULL,
  scope_id text NOT NULL,
  period text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  currency text NOT NULL,
  amount_minor bigint NOT NULL,
  PRIMARY KEY (tenant_id, scope, scope_id, period)
);

CREATE TABLE IF NOT EXISTS ${s}.activity_targets (
  tenant_id text NOT NULL,
  scope text NOT NULL,
  scope_id text NOT NULL,
  period text NOT NULL,
  metric text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  count int NOT NULL,
  PRIMARY KEY (tenant_id, scope, scope_id, period, metric)
);

CREATE TABLE IF NOT EXISTS ${s}.activity_ratios (
  tenant_id text NOT NULL,
  currency text NOT NULL,
  per_minor bigint NOT NULL,
  ratios jsonb NOT NULL,
  PRIMARY KEY (tenant_id, currency)
);

CREATE TABLE IF NOT EXISTS ${s}.forecast_snapshots (
  tenant_id text NOT NULL,
  period text NOT NULL,
  method text NOT NULL,
  recorded_on date NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  currency text NOT NULL,
  expected_minor bigint NOT NULL,
  p10_minor bigint,
  p90_minor bigint,
  as_of timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, period, method, recorded_on)
);

CREATE TABLE IF NOT EXISTS ${s}.pipeline_stages (
  tenant_id text NOT NULL,
  position int NOT NULL,
  name text NOT NULL,
  probability numeric NOT NULL,
  PRIMARY KEY (tenant_id, position)
);
`;
};
