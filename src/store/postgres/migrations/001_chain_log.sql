-- The chain-event log: one schema for PGlite and PostgreSQL 15+ (core features only, no extensions).
-- Every statement is idempotent so a half-applied file can simply be run again.

CREATE SCHEMA IF NOT EXISTS opstate;

-- The vocabulary is data: adding a literal is one INSERT in a new migration, and the foreign key below
-- makes the database itself refuse anything else.
CREATE TABLE IF NOT EXISTS opstate.event_types (
  event_type text PRIMARY KEY CHECK (event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  added_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO opstate.event_types (event_type) VALUES
  ('kora.operational_state.transitioned'),
  ('kora.boot.ready'),
  ('kora.boot.failed'),
  ('kora.paused.cost_limit')
ON CONFLICT (event_type) DO NOTHING;

-- One row per workspace, locked FOR UPDATE by every append: the lock that serializes writers, so seq is
-- gap-free and the chain never forks. It also remembers the head, which lets verify detect a cut tail.
CREATE TABLE IF NOT EXISTS opstate.chain_head (
  workspace_id text PRIMARY KEY CHECK (length(workspace_id) BETWEEN 1 AND 256),
  seq bigint NOT NULL CHECK (seq >= 0),
  head_hash bytea NOT NULL CHECK (octet_length(head_hash) = 32),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS opstate.event_log (
  workspace_id text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  event_id uuid NOT NULL DEFAULT gen_random_uuid(),
  event_type text NOT NULL REFERENCES opstate.event_types (event_type),
  -- The exact RFC 8785 text that was hashed; jsonb would reorder keys and break verification.
  payload_canonical text NOT NULL,
  payload jsonb GENERATED ALWAYS AS (payload_canonical::jsonb) STORED,
  correlation_id text,
  idempotency_key text,
  prev_hash bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
  hash bytea NOT NULL CHECK (octet_length(hash) = 32),
  hash_version smallint NOT NULL DEFAULT 1,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (workspace_id, seq),
  UNIQUE (workspace_id, idempotency_key),
  -- A fork is two events on one predecessor: refused outright, behind the head-row lock.
  UNIQUE (workspace_id, prev_hash),
  UNIQUE (event_id)
);

CREATE INDEX IF NOT EXISTS event_log_type_idx ON opstate.event_log (workspace_id, event_type, seq);

-- Append-only: rows are never changed or removed. A superuser can disable this trigger, which is why
-- verify recomputes every hash instead of trusting the table.
CREATE OR REPLACE FUNCTION opstate.refuse_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'opstate.event_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE TRIGGER event_log_append_only
  BEFORE UPDATE OR DELETE ON opstate.event_log
  FOR EACH ROW EXECUTE FUNCTION opstate.refuse_log_change();

CREATE OR REPLACE TRIGGER event_log_no_truncate
  BEFORE TRUNCATE ON opstate.event_log
  FOR EACH STATEMENT EXECUTE FUNCTION opstate.refuse_log_change();

-- Appends a batch to one workspace's chain in one call (one round trip), all or nothing. The hash is
-- byte-identical to the TypeScript chainHash():
--   sha256(prev_hash ‖ int8send(seq) ‖ utf8(event_type) ‖ 0x00 ‖ utf8(payload_canonical)).
-- An idempotency key already in the chain (or earlier in this batch) returns the original row with
-- r_duplicate = true and writes nothing. Concurrent writers wait on the head-row lock, so by the time
-- one inserts, any earlier writer's rows are committed and visible to the ON CONFLICT check.
CREATE OR REPLACE FUNCTION opstate.chain_append(
  p_workspace_id text,
  p_event_types text[],
  p_payloads text[],
  p_correlation_ids text[],
  p_idempotency_keys text[]
) RETURNS TABLE (
  r_seq bigint,
  r_event_id uuid,
  r_event_type text,
  r_payload_canonical text,
  r_correlation_id text,
  r_idempotency_key text,
  r_prev_hash text,
  r_hash text,
  r_recorded_at timestamptz,
  r_duplicate boolean
)
LANGUAGE plpgsql AS $$
DECLARE
  v_n integer := coalesce(array_length(p_event_types, 1), 0);
  v_seq bigint;
  v_head bytea;
  v_hash bytea;
  v_row opstate.event_log%ROWTYPE;
  v_in record;
BEGIN
  IF coalesce(array_length(p_payloads, 1), 0) <> v_n
     OR coalesce(array_length(p_correlation_ids, 1), 0) <> v_n
     OR coalesce(array_length(p_idempotency_keys, 1), 0) <> v_n THEN
    RAISE EXCEPTION 'chain_append: argument arrays differ in length' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO opstate.chain_head AS h (workspace_id, seq, head_hash)
    VALUES (p_workspace_id, 0, sha256(convert_to('genesis:' || p_workspace_id, 'UTF8')))
    ON CONFLICT (workspace_id) DO NOTHING;
  SELECT h.seq, h.head_hash INTO v_seq, v_head
    FROM opstate.chain_head h WHERE h.workspace_id = p_workspace_id FOR UPDATE;

  -- unnest, not v_in.payload: subscripting an array argument detoasts the whole array on every access,
  -- which made large batches quadratic.
  FOR v_in IN
    SELECT u.event_type, u.payload, u.correlation_id, u.idempotency_key
      FROM unnest(p_event_types, p_payloads, p_correlation_ids, p_idempotency_keys) WITH ORDINALITY
           AS u(event_type, payload, correlation_id, idempotency_key, ord)
     ORDER BY u.ord
  LOOP
    -- Insert first and let the unique key find a known idempotency key (ON CONFLICT): one index probe
    -- per event instead of a lookup plus an insert. A NULL key never conflicts.
    v_hash := sha256(v_head || int8send(v_seq + 1) || convert_to(v_in.event_type, 'UTF8') || '\x00'::bytea
                     || convert_to(v_in.payload, 'UTF8'));
    INSERT INTO opstate.event_log AS l (workspace_id, seq, event_type, payload_canonical, correlation_id,
                                        idempotency_key, prev_hash, hash, hash_version)
      VALUES (p_workspace_id, v_seq + 1, v_in.event_type, v_in.payload, v_in.correlation_id,
              v_in.idempotency_key, v_head, v_hash, 1)
      ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
      RETURNING l.event_id, l.recorded_at INTO r_event_id, r_recorded_at;
    IF NOT FOUND THEN
      SELECT * INTO STRICT v_row FROM opstate.event_log l
        WHERE l.workspace_id = p_workspace_id AND l.idempotency_key = v_in.idempotency_key;
      r_seq := v_row.seq; r_event_id := v_row.event_id; r_event_type := v_row.event_type;
      r_payload_canonical := v_row.payload_canonical; r_correlation_id := v_row.correlation_id;
      r_idempotency_key := v_row.idempotency_key; r_prev_hash := encode(v_row.prev_hash, 'hex');
      r_hash := encode(v_row.hash, 'hex'); r_recorded_at := v_row.recorded_at; r_duplicate := true;
      RETURN NEXT;
      CONTINUE;
    END IF;
    v_seq := v_seq + 1;
    r_seq := v_seq; r_event_type := v_in.event_type; r_payload_canonical := v_in.payload;
    r_correlation_id := v_in.correlation_id; r_idempotency_key := v_in.idempotency_key;
    r_prev_hash := encode(v_head, 'hex'); r_hash := encode(v_hash, 'hex'); r_duplicate := false;
    RETURN NEXT;
    v_head := v_hash;
  END LOOP;

  UPDATE opstate.chain_head h SET seq = v_seq, head_hash = v_head, updated_at = now()
    WHERE h.workspace_id = p_workspace_id;
END
$$;
