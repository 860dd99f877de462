/** DDL for the store. Idempotent; run under an advisory lock so concurrent starts don't race. */
export const schemaSql = (schema: string): string => {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE SEQUENCE IF NOT EXISTS ${s}.global_position_seq;
CREATE TABLE IF NOT EXISTS ${s}.streams (
  stream_id text PRIMARY KEY,
  category text NOT NULL,
  revision bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${s}.events (
  global_position bigint PRIMARY KEY,
  event_id uuid NOT NULL,
  stream_id text NOT NULL,
  category text NOT NULL,
  revision bigint NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  tenant_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  transaction_id xid8 NOT NULL,
  CONSTRAINT events_event_id_key UNIQUE (event_id),
  CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision)
);
-- Tamper evidence: hex SHA-256 of the previous event's hash in the stream (64 zeros for the first)
-- followed by the event's canonical JSON. NULL for events stored before the column existed.
ALTER TABLE ${s}.events ADD COLUMN IF NOT EXISTS hash text;
CREATE INDEX IF NOT EXISTS events_category_position_idx ON ${s}.events (category, global_position);
CREATE TABLE IF NOT EXISTS ${s}.subscription_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Assigns the calling transaction's id and its global positions together, under a short lock, so
-- that positions increase with transaction ids. The lock is a session lock released before the
-- function returns (never held until commit), so appends to different streams commit in parallel.
CREATE OR REPLACE FUNCTION ${s}.allocate_positions(n integer) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  lock_key constant bigint := hashtextextended(${literal(schema)} || '.allocate_positions', 0);
  last_position bigint;
BEGIN
  PERFORM pg_advisory_lock(lock_key);
  BEGIN
    PERFORM pg_current_xact_id();
    last_position := nextval('${s}.global_position_seq') + n - 1;
    IF n > 1 THEN
      PERFORM setval('${s}.global_position_seq', last_position);
    END IF;
  EXCEPTION WHEN query_canceled OR others THEN
    PERFORM pg_advisory_unlock(lock_key);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(lock_key);
  RETURN last_position;
END
$fn$;

-- One append = one statement = one transaction. Returns the stored rows of the append; when every
-- event id was already stored in this stream (a repeated append), returns those rows unchanged.
-- p_hash_before/p_hash_after hold each event's canonical JSON split where its revision goes: only
-- here, under the stream lock, are the revision and the predecessor's hash known, so the chain is
-- extended here. Callers that pass neither store unhashed events (as before the chain existed).
DROP FUNCTION IF EXISTS ${s}.append_events(text, text, text, uuid[], text[], integer[], jsonb[], jsonb[], text[], timestamptz[]);
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream_id text,
  p_category text,
  p_expected text,
  p_ids uuid[],
  p_types text[],
  p_versions integer[],
  p_data jsonb[],
  p_metadata jsonb[],
  p_tenants text[],
  p_occurred timestamptz[],
  p_hash_before text[] DEFAULT NULL,
  p_hash_after text[] DEFAULT NULL
) RETURNS TABLE (event_id uuid, revision bigint, global_position bigint, recorded_at timestamptz, hash text)
LANGUAGE plpgsql
-- PL/pgSQL keeps a session's generic plan of each statement, chosen when the plan was first made:
-- a pooled session that first appended to an empty log kept sequential scans of events for its
-- lookups by event id and by stream revision, so an append cost O(log size) until an ANALYZE
-- (which autovacuum may never run) replaced the plans. Planned per call, they use the indexes.
SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
  n integer := cardinality(p_ids);
  current_revision bigint;
  known integer;
  known_here integer;
  last_position bigint;
  previous_hash text;
  hashes text[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(${literal(schema)} || '/' || p_stream_id, 0));

  SELECT count(*), count(*) FILTER (WHERE e.stream_id = p_stream_id)
    INTO known, known_here
    FROM ${s}.events e WHERE e.event_id = ANY (p_ids);
  IF known > 0 THEN
    IF known = n AND known_here = n THEN
      RETURN QUERY SELECT e.event_id, e.revision, e.global_position, e.recorded_at, e.hash
        FROM ${s}.events e WHERE e.event_id = ANY (p_ids) ORDER BY e.global_position;
      RETURN;
    END IF;
    RAISE EXCEPTION 'duplicate_event_id' USING ERRCODE = 'ES002',
      DETAIL = (SELECT string_agg(e.event_id::text, ',') FROM ${s}.events e WHERE e.event_id = ANY (p_ids));
  END IF;

  SELECT st.revision INTO current_revision FROM ${s}.streams st WHERE st.stream_id = p_stream_id;
  current_revision := coalesce(current_revision, -1);
  IF NOT (p_expected = 'any'
          OR (p_expected = 'no_stream' AND current_revision = -1)
          OR (p_expected = 'stream_exists' AND current_revision >= 0)
          OR (p_expected ~ '^-?[0-9]+$' AND p_expected::bigint = current_revision)) THEN
    RAISE EXCEPTION 'wrong_expected_revision' USING ERRCODE = 'ES001', DETAIL = current_revision::text;
  END IF;

  IF p_hash_before IS NOT NULL THEN
    IF cardinality(p_hash_before) <> n OR cardinality(p_hash_after) IS DISTINCT FROM n THEN
      RAISE EXCEPTION 'hash parts do not match the events' USING ERRCODE = '22023';
    END IF;
    SELECT e.hash INTO previous_hash FROM ${s}.events e WHERE e.stream_id = p_stream_id AND e.revision = current_revision;
    previous_hash := coalesce(previous_hash, repeat('0', 64));
    FOR i IN 1..n LOOP
      previous_hash := encode(sha256(convert_to(previous_hash || p_hash_before[i] || (current_revision + i)::text || p_hash_after[i], 'UTF8')), 'hex');
      hashes[i] := previous_hash;
    END LOOP;
  END IF;

  last_position := ${s}.allocate_positions(n);

  RETURN QUERY
  INSERT INTO ${s}.events AS e (global_position, event_id, stream_id, category, revision, type, schema_version,
                                data, metadata, tenant_id, occurred_at, transaction_id, hash)
  SELECT last_position - n + i, p_ids[i], p_stream_id, p_category, current_revision + i, p_types[i], p_versions[i],
         p_data[i], p_metadata[i], p_tenants[i], p_occurred[i], pg_current_xact_id(), hashes[i]
    FROM generate_series(1, n) AS i
  RETURNING e.event_id, e.revision, e.global_position, e.recorded_at, e.hash;

  INSERT INTO ${s}.streams AS st (stream_id, category, revision) VALUES (p_stream_id, p_category, current_revision + n)
  ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision, updated_at = now();
END
$fn$;
`;
};

export const quoteIdent = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
};

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;
