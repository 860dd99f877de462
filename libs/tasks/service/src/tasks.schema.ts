import { Pool } from 'pg';

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The tasks context's own tables: its read models, the team directory and what it learned of other contexts' records. */
export const tasksSchemaSql = (schema: string): string => {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.task_view (
  task_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  status text NOT NULL,
  assignee_id text,
  related_type text NOT NULL,
  related_id uuid NOT NULL,
  due_at timestamptz NOT NULL,
  priority text NOT NULL,
  title text NOT NULL,
  -- Reported overdue for its current due date: the scheduler skips it.
  overdue_flagged boolean NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS task_view_tenant_due_idx ON ${s}.task_view (tenant_id, due_at, task_id);
CREATE INDEX IF NOT EXISTS task_view_tenant_assignee_idx ON ${s}.task_view (tenant_id, assignee_id, status);
CREATE INDEX IF NOT EXISTS task_view_tenant_related_idx ON ${s}.task_view (tenant_id, related_type, related_id);
CREATE INDEX IF NOT EXISTS task_view_overdue_idx ON ${s}.task_view (due_at, task_id) WHERE status = 'open' AND NOT overdue_flagged;

CREATE TABLE IF NOT EXISTS ${s}.activity_view (
  activity_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  activity_type text NOT NULL,
  related_type text NOT NULL,
  related_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_view_related_idx ON ${s}.activity_view (tenant_id, related_type, related_id, occurred_at DESC, activity_id DESC);
CREATE INDEX IF NOT EXISTS activity_view_tenant_idx ON ${s}.activity_view (tenant_id, occurred_at DESC, activity_id DESC);

CREATE TABLE IF NOT EXISTS ${s}.team_members (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  role text NOT NULL,
  manager_id text,
  region text,
  product_lines text[] NOT NULL DEFAULT '{}',
  capacity integer,
  active boolean NOT NULL,
  since timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);
-- Added after team_members first shipped: CREATE TABLE IF NOT EXISTS leaves an existing table as it was.
ALTER TABLE ${s}.team_members ADD COLUMN IF NOT EXISTS team_id text;

-- Owners and assignment criteria of leads and opportunities, learned from their contexts' events.
CREATE TABLE IF NOT EXISTS ${s}.related_records (
  tenant_id text NOT NULL,
  record_type text NOT NULL,
  record_id uuid NOT NULL,
  owner_id text,
  facts jsonb NOT NULL,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, record_type, record_id)
);

-- Customers (issue #12): the account each lead, contact, opportunity and merged account belongs
-- to, and a copy of those records' events, for the account timeline and summary. Both are kept by
-- one subscription from the start of the log, so a replay rebuilds them exactly.
CREATE TABLE IF NOT EXISTS ${s}.customer_links (
  tenant_id text NOT NULL,
  record_type text NOT NULL,
  record_id uuid NOT NULL,
  account_id uuid NOT NULL,
  position bigint NOT NULL,
  PRIMARY KEY (tenant_id, record_type, record_id)
);
CREATE INDEX IF NOT EXISTS customer_links_account_idx ON ${s}.customer_links (tenant_id, account_id);
CREATE TABLE IF NOT EXISTS ${s}.record_events (
  event_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  record_type text NOT NULL,
  record_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  event jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS record_events_record_idx ON ${s}.record_events (tenant_id, record_type, record_id, occurred_at);
`;
};

/** Creates the tables under an advisory lock: concurrent CREATE IF NOT EXISTS can still collide. */
export const migrateTasksSchema = async (pool: Pool, schema: string): Promise<void> => {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`tasks-schema:${schema}`]);
    try {
      await client.query(tasksSchemaSql(schema));
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`tasks-schema:${schema}`]);
    }
  } finally {
    client.release();
  }
};
