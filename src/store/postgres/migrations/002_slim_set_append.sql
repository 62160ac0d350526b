-- The fleet append path (issue 14). Same chain, same hash, same guarantees; less written per event and
-- the batch inserted as one set. Applies to a database holding chains written under 001: no stored row
-- changes, so they verify byte for byte. Idempotent like 001.

-- The payload is stored once, as the exact canonical text that was hashed. The generated jsonb copy
-- doubled the WAL per event; queries that want jsonb use the view below (or an expression index on
-- (payload_canonical::jsonb) when one turns out to be needed).
ALTER TABLE opstate.event_log DROP COLUMN IF EXISTS payload;

-- Nobody looks an event up by event_id alone, and no query filters by type without a seq range: both
-- indexes cost a write per event and were never read. Kept: PK(workspace_id, seq), the idempotency key,
-- and UNIQUE(workspace_id, prev_hash), the fork guard.
ALTER TABLE opstate.event_log DROP CONSTRAINT IF EXISTS event_log_event_id_key;
DROP INDEX IF EXISTS opstate.event_log_type_idx;

-- The head row is updated by every append: room on its page keeps those updates HOT (no index write).
ALTER TABLE opstate.chain_head SET (fillfactor = 50);

CREATE OR REPLACE VIEW opstate.events AS
  SELECT workspace_id, seq, event_id, event_type, payload_canonical, payload_canonical::jsonb AS payload,
         correlation_id, idempotency_key, prev_hash, hash, hash_version, recorded_at
    FROM opstate.event_log;

-- Same signature and result as 001's, so a client of either version calls it unchanged. One call, one
-- statement, one round trip per batch:
--   1. lock the workspace's head row (created at genesis only when missing: no upsert on every call);
--   2. if no idempotency key of the batch is already in the chain nor repeated within it, compute the
--      links in order and insert the whole batch as one set (unnest), then move the head with an UPDATE
--      guarded by the seq it was read at;
--   3. otherwise take the row-by-row path of 001, which returns the original row of each known key.
-- Concurrent writers on one workspace queue on the head-row lock, so seq stays gap-free on any number
-- of machines; UNIQUE(workspace_id, prev_hash) refuses a fork even if that lock were bypassed. One
-- pg_notify per call that wrote something, while anyone watches: followers (the cockpit) LISTEN on
-- opstate_appended and hold advisory lock 727270002 (see below).
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
  v_start bigint;
  v_seq bigint;
  v_head bytea;
  v_hash bytea;
  v_prevs bytea[] := '{}';
  v_hashes bytea[] := '{}';
  v_known boolean;
  v_row opstate.event_log%ROWTYPE;
  v_in record;
BEGIN
  IF coalesce(array_length(p_payloads, 1), 0) <> v_n
     OR coalesce(array_length(p_correlation_ids, 1), 0) <> v_n
     OR coalesce(array_length(p_idempotency_keys, 1), 0) <> v_n THEN
    RAISE EXCEPTION 'chain_append: argument arrays differ in length' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT h.seq, h.head_hash INTO v_start, v_head
    FROM opstate.chain_head h WHERE h.workspace_id = p_workspace_id FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO opstate.chain_head AS h (workspace_id, seq, head_hash)
      VALUES (p_workspace_id, 0, sha256(convert_to('genesis:' || p_workspace_id, 'UTF8')))
      ON CONFLICT (workspace_id) DO NOTHING;
    SELECT h.seq, h.head_hash INTO v_start, v_head
      FROM opstate.chain_head h WHERE h.workspace_id = p_workspace_id FOR UPDATE;
  END IF;
  v_seq := v_start;

  -- Under the lock every earlier writer has committed, so this sees every key already in the chain.
  v_known := EXISTS (
      SELECT 1 FROM opstate.event_log l
       WHERE l.workspace_id = p_workspace_id AND l.idempotency_key = ANY (p_idempotency_keys))
    OR (v_n > 1 AND EXISTS (
      SELECT 1 FROM unnest(p_idempotency_keys) AS k WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1));

  IF NOT v_known THEN
    -- The links depend on each other, so they are computed in order; the rows then go in as one set.
    FOR v_in IN
      SELECT u.event_type, u.payload
        FROM unnest(p_event_types, p_payloads) WITH ORDINALITY AS u(event_type, payload, ord)
       ORDER BY u.ord
    LOOP
      v_seq := v_seq + 1;
      v_hash := sha256(v_head || int8send(v_seq) || convert_to(v_in.event_type, 'UTF8') || '\x00'::bytea
                       || convert_to(v_in.payload, 'UTF8'));
      -- Subscript assignment extends the arrays in place; `||` would copy them on every event.
      v_prevs[v_seq - v_start] := v_head;
      v_hashes[v_seq - v_start] := v_hash;
      v_head := v_hash;
    END LOOP;

    RETURN QUERY
      WITH ins AS (
        INSERT INTO opstate.event_log AS l (workspace_id, seq, event_type, payload_canonical, correlation_id,
                                            idempotency_key, prev_hash, hash, hash_version)
        SELECT p_workspace_id, v_start + u.ord, u.event_type, u.payload, u.correlation_id, u.idempotency_key,
               u.prev_hash, u.hash, 1
          FROM unnest(p_event_types, p_payloads, p_correlation_ids, p_idempotency_keys, v_prevs, v_hashes)
               WITH ORDINALITY AS u(event_type, payload, correlation_id, idempotency_key, prev_hash, hash, ord)
        RETURNING l.seq, l.event_id, l.event_type, l.payload_canonical, l.correlation_id, l.idempotency_key,
                  l.prev_hash, l.hash, l.recorded_at
      )
      SELECT ins.seq, ins.event_id, ins.event_type, ins.payload_canonical, ins.correlation_id,
             ins.idempotency_key, encode(ins.prev_hash, 'hex'), encode(ins.hash, 'hex'), ins.recorded_at, false
        FROM ins ORDER BY ins.seq;
  ELSE
    FOR v_in IN
      SELECT u.event_type, u.payload, u.correlation_id, u.idempotency_key
        FROM unnest(p_event_types, p_payloads, p_correlation_ids, p_idempotency_keys) WITH ORDINALITY
             AS u(event_type, payload, correlation_id, idempotency_key, ord)
       ORDER BY u.ord
    LOOP
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
  END IF;

  IF v_seq > v_start THEN
    UPDATE opstate.chain_head h SET seq = v_seq, head_hash = v_head, updated_at = now()
      WHERE h.workspace_id = p_workspace_id AND h.seq = v_start;
    IF NOT FOUND THEN
      -- Cannot happen while the row lock above is held; refusing beats a silent fork.
      RAISE EXCEPTION 'chain_append: head of % moved under the lock', p_workspace_id
        USING ERRCODE = 'serialization_failure';
    END IF;
    -- NOTIFY takes a database-wide lock from commit until the end of the transaction, which serializes
    -- the commits (fsync included) of every notifying writer: 8 writers on 8 workspaces fell to the
    -- rate of one. So it is sent only while a watcher is there: store.watch() holds (or queues for) an
    -- exclusive advisory lock on this key, and then this shared try-lock fails.
    IF NOT pg_try_advisory_xact_lock_shared(727270002) THEN
      PERFORM pg_notify('opstate_appended',
                        json_build_object('workspaceId', p_workspace_id, 'seq', v_seq)::text);
    END IF;
  END IF;
END
$$;
