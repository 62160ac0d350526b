-- The text keys of every index compare bytes, not the database's locale, and the append moves the head
-- row without looking it up again. Same chain, hash, result and refusals as 006: no stored value
-- changes, so every chain verifies as before.
--
-- Keys. Every append probes and inserts btree entries keyed on workspace_id (and idempotency_key). Under
-- any collation but "C"/"POSIX" (C.UTF-8 and en_US.UTF-8 included) PostgreSQL 15 compares two unequal
-- keys with strcoll (or ICU); under COLLATE "C" with memcmp. The order of workspace ids (and keys) becomes
-- the byte order of their UTF-8 text, which is Unicode code point order, as in the SQLite store (BINARY)
-- whatever the server's locale. Workspace listings and fleetSummary paging use that order, and compare
-- the cursor with the same collation as their ORDER BY, so paging stays consistent. Equality is unchanged
-- (every libc collation, and every collation opstate's columns had, is deterministic).
--
-- Changing only the collation of a text column does not rewrite the table, but it rebuilds the indexes
-- on the column, under an ACCESS EXCLUSIVE lock until the migration commits: appends wait for it.
--
-- The view opstate.events reads the columns, so it is dropped and created again around the change, with
-- its owner and grants (a reader role granted SELECT on it keeps it).

DO $$
DECLARE
  v_acl aclitem[];
  v_owner text;
  v_had_view boolean;
  v_grant record;
BEGIN
  SELECT c.relacl, c.relowner::regrole::text INTO v_acl, v_owner
    FROM pg_class c WHERE c.oid = to_regclass('opstate.events');
  v_had_view := FOUND;

  DROP VIEW IF EXISTS opstate.events;

  ALTER TABLE opstate.event_log
    ALTER COLUMN workspace_id TYPE text COLLATE "C",
    ALTER COLUMN idempotency_key TYPE text COLLATE "C";
  ALTER TABLE opstate.chain_head ALTER COLUMN workspace_id TYPE text COLLATE "C";
  ALTER TABLE opstate.chain_owner ALTER COLUMN workspace_id TYPE text COLLATE "C";
  ALTER TABLE opstate.chain_owner_claims ALTER COLUMN workspace_id TYPE text COLLATE "C";

  CREATE VIEW opstate.events AS
    SELECT workspace_id, seq, event_id, event_type, payload_canonical, payload_canonical::jsonb AS payload,
           correlation_id, idempotency_key, prev_hash, hash, hash_version, recorded_at
      FROM opstate.event_log;

  IF v_had_view THEN
    IF v_owner <> current_user::regrole::text THEN
      EXECUTE format('ALTER VIEW opstate.events OWNER TO %s', v_owner);
    END IF;
    FOR v_grant IN
      SELECT a.privilege_type, a.is_grantable,
             CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee
        FROM aclexplode(v_acl) AS a
    LOOP
      EXECUTE format('GRANT %s ON opstate.events TO %s%s', v_grant.privilege_type, v_grant.grantee,
                     CASE WHEN v_grant.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
  END IF;
END
$$;

-- chain_append: as in 006 (same signature, chain, hash, result and refusals), but the head row is moved
-- through the ctid its lock returned, and a one-event append takes its result row from the INSERT's
-- RETURNING instead of assigning it field by field.
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
  v_known boolean := false;
  v_row opstate.event_log%ROWTYPE;
  v_in record;
  v_ctid tid;
BEGIN
  IF coalesce(array_length(p_payloads, 1), 0) <> v_n
     OR coalesce(array_length(p_correlation_ids, 1), 0) <> v_n
     OR coalesce(array_length(p_idempotency_keys, 1), 0) <> v_n THEN
    RAISE EXCEPTION 'chain_append: argument arrays differ in length' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT h.seq, h.head_hash, h.ctid INTO v_start, v_head, v_ctid
    FROM opstate.chain_head h WHERE h.workspace_id = p_workspace_id FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO opstate.chain_head AS h (workspace_id, seq, head_hash)
      VALUES (p_workspace_id, 0, sha256(convert_to('genesis:' || p_workspace_id, 'UTF8')))
      ON CONFLICT (workspace_id) DO NOTHING;
    SELECT h.seq, h.head_hash, h.ctid INTO v_start, v_head, v_ctid
      FROM opstate.chain_head h WHERE h.workspace_id = p_workspace_id FOR UPDATE;
  END IF;
  v_seq := v_start;
  v_head0 := v_head;

  IF v_n = 1 THEN
    -- Under the head-row lock every earlier writer has committed, so the arbiter sees every known key.
    -- The link is computed in the INSERT and the result row taken from its RETURNING (or, for a known
    -- key, from the original row) in one assignment: each plpgsql assignment is an expression run.
    INSERT INTO opstate.event_log AS l (workspace_id, seq, event_type, payload_canonical, correlation_id,
                                        idempotency_key, prev_hash, hash, hash_version)
      VALUES (p_workspace_id, v_seq + 1, p_event_types[1], p_payloads[1], p_correlation_ids[1],
              p_idempotency_keys[1], v_head,
              sha256(v_head || int8send(v_seq + 1) || convert_to(p_event_types[1], 'UTF8') || '\x00'::bytea
                     || convert_to(p_payloads[1], 'UTF8')), 1)
      ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
      RETURNING l.seq, l.event_id, l.event_type, l.payload_canonical, l.correlation_id, l.idempotency_key,
                encode(l.prev_hash, 'hex'), encode(l.hash, 'hex'), l.recorded_at, false, l.hash
      INTO r_seq, r_event_id, r_event_type, r_payload_canonical, r_correlation_id, r_idempotency_key,
           r_prev_hash, r_hash, r_recorded_at, r_duplicate, v_head;
    IF FOUND THEN
      v_seq := r_seq;
    ELSE
      SELECT l.seq, l.event_id, l.event_type, l.payload_canonical, l.correlation_id, l.idempotency_key,
             encode(l.prev_hash, 'hex'), encode(l.hash, 'hex'), l.recorded_at, true
        INTO STRICT r_seq, r_event_id, r_event_type, r_payload_canonical, r_correlation_id, r_idempotency_key,
             r_prev_hash, r_hash, r_recorded_at, r_duplicate
        FROM opstate.event_log l
       WHERE l.workspace_id = p_workspace_id AND l.idempotency_key = p_idempotency_keys[1];
    END IF;
    RETURN NEXT;
  ELSIF v_n > 1 THEN
    -- The links depend on each other, so they are computed in order (two statements per event: each
    -- statement of a plpgsql loop costs about as much as the hash); the rows then go in as one set.
    FOR v_in IN
      SELECT u.event_type, u.payload, u.ord
        FROM unnest(p_event_types, p_payloads) WITH ORDINALITY AS u(event_type, payload, ord)
       ORDER BY u.ord
    LOOP
      v_head := sha256(v_head || int8send(v_start + v_in.ord) || convert_to(v_in.event_type, 'UTF8')
                       || '\x00'::bytea || convert_to(v_in.payload, 'UTF8'));
      v_hashes[v_in.ord] := v_head;
    END LOOP;
    v_seq := v_start + v_n;
    -- Each event's predecessor is the head before the batch, then the hash before its own.
    v_prevs := array_prepend(v_head0, v_hashes[1:v_n - 1]);
    -- A plain INSERT: its unique indexes refuse a key already in the chain, or one repeated within the
    -- batch, without ON CONFLICT's per-row arbiter probe and confirmation. Refused, the rows (whose links
    -- were computed without the known event) are undone and the row-by-row path below decides, row by
    -- row, what is new and what is a duplicate; a refusal that is not about a key raises there again.
    BEGIN
      WITH ins AS (
        INSERT INTO opstate.event_log AS l (workspace_id, seq, event_type, payload_canonical,
                                            correlation_id, idempotency_key, prev_hash, hash, hash_version)
        SELECT p_workspace_id, v_start + u.ord, u.event_type, u.payload, u.correlation_id,
               u.idempotency_key, u.prev_hash, u.hash, 1
          FROM unnest(p_event_types, p_payloads, p_correlation_ids, p_idempotency_keys, v_prevs, v_hashes)
               WITH ORDINALITY AS u(event_type, payload, correlation_id, idempotency_key, prev_hash, hash, ord)
        RETURNING l.seq, l.event_id, l.recorded_at
      )
      SELECT array_agg(ins.event_id ORDER BY ins.seq), array_agg(ins.recorded_at ORDER BY ins.seq)
        INTO v_ids, v_ats FROM ins;
    EXCEPTION WHEN unique_violation THEN
      v_known := true;
    END;

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
    -- By the row's ctid, which cannot change while this transaction holds the row's lock: no second
    -- walk of the primary key (and of the row's update chain) to find the row just locked.
    UPDATE opstate.chain_head h SET seq = v_seq, head_hash = v_head, updated_at = now()
      WHERE h.ctid = v_ctid AND h.workspace_id = p_workspace_id AND h.seq = v_start;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'chain_append: head of % moved under the lock', p_workspace_id
        USING ERRCODE = 'serialization_failure';
    END IF;
    -- Notify only while a watcher holds (or queues for) the exclusive lock on this key.
    IF NOT pg_try_advisory_xact_lock_shared(727270002) THEN
      PERFORM pg_notify('opstate_appended',
                        json_build_object('workspaceId', p_workspace_id, 'seq', v_seq)::text);
    END IF;
  END IF;
END
$$;
