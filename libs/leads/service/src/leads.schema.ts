import { Pool } from 'pg';

const ensured = new WeakMap<Pool, Promise<void>>();

/**
 * Creates the leads schema (leads and customers) once per pool: the leads and customers services
 * start concurrently and both need it, and concurrent CREATE ... IF NOT EXISTS can collide.
 */
export const ensureLeadsSchema = (pool: Pool): Promise<void> => {
  let done = ensured.get(pool);
  if (!done) {
    done = pool.query(leadsSchemaSql).then(() => pool.query(customersSchemaSql)).then(() => undefined);
    done.catch(() => ensured.delete(pool));
    ensured.set(pool, done);
  }
  return done;
};

/** The leads service's own tables (schema `leads`): its read model, dedupe keys, personal-data keys and team directory. */
export const leadsSchemaSql = `
CREATE SCHEMA IF NOT EXISTS leads;
CREATE TABLE IF NOT EXISTS leads.lead_view (
  lead_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  status text NOT NULL,
  name text,
  email text,
  phone text,
  company text,
  owner_id text,
  source text NOT NULL,
  score integer,
  region text,
  product_interest text,
  possible_duplicate_of uuid,
  merged_into uuid,
  captured_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL,
  erased boolean NOT NULL DEFAULT false
);
-- Erasure nulls the personal columns (name was NOT NULL in tables made before erasure existed). Checked first, so
-- that a start does not take the table's exclusive lock when there is nothing to change.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'leads' AND table_name = 'lead_view' AND column_name = 'erased') THEN
    ALTER TABLE leads.lead_view ALTER COLUMN name DROP NOT NULL;
    ALTER TABLE leads.lead_view ADD COLUMN erased boolean NOT NULL DEFAULT false;
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS lead_view_tenant_captured_idx ON leads.lead_view (tenant_id, captured_at DESC, lead_id);
CREATE INDEX IF NOT EXISTS lead_view_tenant_score_idx ON leads.lead_view (tenant_id, score DESC, lead_id);
CREATE INDEX IF NOT EXISTS lead_view_tenant_owner_idx ON leads.lead_view (tenant_id, owner_id, status);

-- Reserved before a capture is appended, so that two concurrent captures of the same e-mail or
-- phone cannot both succeed (the read model lags; this does not). \`value\` is a keyed hash (HMAC
-- under the tenant's contact_key_secret), not the address; erasing a lead deletes its rows.
CREATE TABLE IF NOT EXISTS leads.contact_keys (
  tenant_id text NOT NULL,
  kind text NOT NULL,
  value text NOT NULL,
  lead_id uuid NOT NULL,
  reserved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, value)
);

CREATE TABLE IF NOT EXISTS leads.tenant_secrets (
  tenant_id text PRIMARY KEY,
  contact_key_secret bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- GDPR crypto-shredding: one AES-256 key per lead (subject), kept out of the event log. Erasure
-- sets key to NULL and keeps the row as a tombstone, so the subject never gets a key again.
CREATE TABLE IF NOT EXISTS leads.person_keys (
  tenant_id text NOT NULL,
  subject_id text NOT NULL,
  key bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz,
  PRIMARY KEY (tenant_id, subject_id),
  CHECK ((key IS NULL) = (erased_at IS NOT NULL))
);

CREATE TABLE IF NOT EXISTS leads.team_members (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  name text NOT NULL,
  role text NOT NULL,
  manager_id text,
  region text,
  product_lines text[] NOT NULL DEFAULT '{}',
  capacity integer,
  active boolean NOT NULL,
  last_assigned_at timestamptz,
  PRIMARY KEY (tenant_id, member_id)
);
`;

/** Customers (accounts and contacts): their dedupe reservations and read models, in the same schema. */
export const customersSchemaSql = `
-- As leads.contact_keys: reserved before a create is appended, values HMAC'd under the tenant's secret.
CREATE TABLE IF NOT EXISTS leads.account_keys (
  tenant_id text NOT NULL,
  kind text NOT NULL,
  value text NOT NULL,
  account_id uuid NOT NULL,
  reserved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, value)
);
CREATE TABLE IF NOT EXISTS leads.contact_person_keys (
  tenant_id text NOT NULL,
  kind text NOT NULL,
  value text NOT NULL,
  contact_id uuid NOT NULL,
  reserved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, value)
);
CREATE TABLE IF NOT EXISTS leads.account_view (
  account_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  name text NOT NULL,
  domain text,
  industry text,
  region text,
  owner_id text,
  merged_into uuid,
  created_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS account_view_tenant_name_idx ON leads.account_view (tenant_id, lower(name), account_id);
CREATE TABLE IF NOT EXISTS leads.contact_view (
  contact_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  account_id uuid,
  name text,
  email text,
  phone text,
  owner_id text,
  merged_into uuid,
  erased boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS contact_view_tenant_account_idx ON leads.contact_view (tenant_id, account_id, created_at, contact_id);
`;
