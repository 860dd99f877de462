/** Quoted `schema.table` names of the service's own tables. */
export type OpportunityTables = { schema: string; view: string; activity: string; team: string };

export const opportunityTables = (schema: string): OpportunityTables => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`not a plain schema name: ${schema}`);
  return { schema, view: `${schema}.opportunity_view`, activity: `${schema}.opportunity_activity`, team: `${schema}.team_members` };
};

/**
 * The opportunities service's own tables: the deal read model and the last logged activity per
 * deal. Created at module start; the advisory lock keeps replicas starting together from racing.
 */
export const opportunitiesSchemaSql = ({ schema, view, activity, team }: OpportunityTables): string => `
SELECT pg_advisory_xact_lock(hashtextextended('${schema}.schema', 0));
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${view} (
  opportunity_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  status text NOT NULL,
  stage text NOT NULL,
  name text NOT NULL,
  account_name text NOT NULL,
  owner_id text NOT NULL,
  product_type text NOT NULL,
  amount_minor bigint NOT NULL,
  currency text NOT NULL,
  -- In major units, exact: what minAmount and the amount sort compare.
  amount numeric NOT NULL,
  expected_close_date date NOT NULL,
  lead_id uuid,
  opened_at timestamptz NOT NULL,
  stage_entered_at timestamptz NOT NULL,
  closed_at timestamptz,
  last_activity_at timestamptz,
  -- The current idle period began at the last stage change or logged activity.
  idle_since timestamptz GENERATED ALWAYS AS (GREATEST(stage_entered_at, last_activity_at)) STORED,
  -- The idle period already flagged stale; the deal is stale while it equals idle_since.
  stale_idle_since timestamptz,
  updated_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS opportunity_view_tenant_opened_idx ON ${view} (tenant_id, opened_at DESC, opportunity_id);
CREATE INDEX IF NOT EXISTS opportunity_view_tenant_closing_idx ON ${view} (tenant_id, expected_close_date, opportunity_id);
CREATE INDEX IF NOT EXISTS opportunity_view_tenant_stage_idx ON ${view} (tenant_id, status, lower(stage));
CREATE INDEX IF NOT EXISTS opportunity_view_tenant_owner_idx ON ${view} (tenant_id, owner_id, status);

-- Kept apart from the view because an activity may be logged before its deal is projected.
CREATE TABLE IF NOT EXISTS ${activity} (
  tenant_id text NOT NULL,
  opportunity_id uuid NOT NULL,
  last_activity_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, opportunity_id)
);

-- Who reports to whom, from the tasks context's TeamMemberUpserted: what record access needs.
CREATE TABLE IF NOT EXISTS ${team} (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  manager_id text,
  region text,
  PRIMARY KEY (tenant_id, member_id)
);
`;
