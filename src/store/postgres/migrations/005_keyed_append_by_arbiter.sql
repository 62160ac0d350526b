-- Keyed appends whose cost does not depend on the table's statistics. Same signature, chain, hash and
-- result as 002's chain_append; no stored row changes. Idempotent like the others.
--
-- 002 asked "is any key of this batch already in the chain?" with one query (workspace_id = $1 AND
-- idempotency_key = ANY ($2)). Its cached generic plan is chosen from the statistics: analyzed while
-- the workspace was small, the planner prefers the primary key (workspace_id, seq) with a filter on the
-- key, and every append then reads the whole workspace (measured: ~7x slower at 20,000 events, until
-- autovacuum's next ANALYZE). Here no plan chooses the index that finds a known key:
--   - the insert itself is the test: ON CONFLICT (workspace_id, idempotency_key) is checked by that
--     unique index (the arbiter), whatever the statistics say;
--   - one event (the runtime's usual append): insert; no row back means the key is known, and the
--     original row is read by equality on both columns of that unique index;
--   - a batch: inserted as one set under a savepoint; fewer rows back than events means some key is
--     known, the savepoint is rolled back and the row-by-row path of 002 (insert, then the same
--     two-column lookup per known key) runs instead.
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
  v_head0 bytea;
  v_hash bytea;
  v_prevs bytea[] := '{}';
  v_hashes bytea[] := '{}';
  v_ids uuid[];
  v_ats timestamptz[];
  v_count integer;
  v_known boolean := false;
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
  v_head0 := v_head;

  IF v_n = 1 THEN
    -- Under the head-row lock every earlier writer has committed, so the arbiter sees every known key.
    v_hash := sha256(v_head || int8send(v_seq + 1) || convert_to(p_event_types[1], 'UTF8') || '\x00'::bytea
                     || convert_to(p_payloads[1], 'UTF8'));
    INSERT INTO opstate.event_log AS l (workspace_id, seq, event_type, payload_canonical, correlation_id,
                                        idempotency_key, prev_hash, hash, hash_version)
      VALUES (p_workspace_id, v_seq + 1, p_event_types[1], p_payloads[1], p_correlation_ids[1],
              p_idempotency_keys[1], v_head, v_hash, 1)
      ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
      RETURNING l.event_id, l.recorded_at INTO r_event_id, r_recorded_at;
    IF FOUND THEN
      v_seq := v_seq + 1;
      r_seq := v_seq; r_event_type := p_event_types[1]; r_payload_canonical := p_payloads[1];
      r_correlation_id := p_correlation_ids[1]; r_idempotency_key := p_idempotency_keys[1];
      r_prev_hash := encode(v_head, 'hex'); r_hash := encode(v_hash, 'hex'); r_duplicate := false;
      RETURN NEXT;
      v_head := v_hash;
    ELSE
      SELECT * INTO STRICT v_row FROM opstate.event_log l
        WHERE l.workspace_id = p_workspace_id AND l.idempotency_key = p_idempotency_keys[1];
      r_seq := v_row.seq; r_event_id := v_row.event_id; r_event_type := v_row.event_type;
      r_payload_canonical := v_row.payload_canonical; r_correlation_id := v_row.correlation_id;
      r_idempotency_key := v_row.idempotency_key; r_prev_hash := encode(v_row.prev_hash, 'hex');
      r_hash := encode(v_row.hash, 'hex'); r_recorded_at := v_row.recorded_at; r_duplicate := true;
      RETURN NEXT;
    END IF;
  ELSIF v_n > 1 THEN
    -- A key repeated within the batch: the second is a duplicate of the first (row-by-row path).
    v_known := EXISTS (
      SELECT 1 FROM unnest(p_idempotency_keys) AS k WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1);
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
        v_prevs[v_seq - v_start] := v_head;
        v_hashes[v_seq - v_start] := v_hash;
        v_head := v_hash;
      END LOOP;
      BEGIN
        WITH ins AS (
          INSERT INTO opstate.event_log AS l (workspace_id, seq, event_type, payload_canonical,
                                              correlation_id, idempotency_key, prev_hash, hash, hash_version)
          SELECT p_workspace_id, v_start + u.ord, u.event_type, u.payload, u.correlation_id,
                 u.idempotency_key, u.prev_hash, u.hash, 1
            FROM unnest(p_event_types, p_payloads, p_correlation_ids, p_idempotency_keys, v_prevs, v_hashes)
                 WITH ORDINALITY AS u(event_type, payload, correlation_id, idempotency_key, prev_hash, hash, ord)
          ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
          RETURNING l.seq, l.event_id, l.recorded_at
        )
        SELECT array_agg(ins.event_id ORDER BY ins.seq), array_agg(ins.recorded_at ORDER BY ins.seq), count(*)
          INTO v_ids, v_ats, v_count FROM ins;
        IF v_count < v_n THEN
          -- Some key is already in the chain: these rows hold links computed without it. Undo them.
          RAISE EXCEPTION 'chain_append: known idempotency key' USING ERRCODE = 'OPK01';
        END IF;
      EXCEPTION WHEN SQLSTATE 'OPK01' THEN
        v_known := true;
      END;
    END IF;

    IF NOT v_known THEN
      RETURN QUERY
        SELECT v_start + u.ord, u.event_id, u.event_type, u.payload, u.correlation_id, u.idempotency_key,
               encode(u.prev_hash, 'hex'), encode(u.hash, 'hex'), u.recorded_at, false
          FROM unnest(v_ids, p_event_types, p_payloads, p_correlation_ids, p_idempotency_keys, v_prevs,
                      v_hashes, v_ats)
               WITH ORDINALITY AS u(event_id, event_type, payload, correlation_id, idempotency_key, prev_hash,
                                    hash, recorded_at, ord)
         ORDER BY u.ord;
    ELSE
      v_seq := v_start;
      v_head := v_head0;
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
  END IF;

  IF v_seq > v_start THEN
    UPDATE opstate.chain_head h SET seq = v_seq, head_hash = v_head, updated_at = now()
      WHERE h.workspace_id = p_workspace_id AND h.seq = v_start;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'chain_append: head of % moved under the lock', p_workspace_id
        USING ERRCODE = 'serialization_failure';
    END IF;
    -- As in 002: notify only while a watcher holds (or queues for) the exclusive lock on this key.
    IF NOT pg_try_advisory_xact_lock_shared(727270002) THEN
      PERFORM pg_notify('opstate_appended',
                        json_build_object('workspaceId', p_workspace_id, 'seq', v_seq)::text);
    END IF;
  END IF;
END
$$;
