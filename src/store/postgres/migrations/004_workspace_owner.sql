-- One owner per workspace, by epoch (fencing): a resumed runtime claims the next epoch, and its appends
-- carry it; an append whose epoch is no longer the newest is refused inside the append's transaction.
-- Plain opstate.chain_append never looks here: runtimes that do not resume share a chain as before.

CREATE TABLE IF NOT EXISTS opstate.chain_owner (
  workspace_id text PRIMARY KEY CHECK (length(workspace_id) BETWEEN 1 AND 256),
  epoch bigint NOT NULL CHECK (epoch >= 1),
  claimed_at timestamptz NOT NULL DEFAULT now()
);

-- Every claim, kept: where each life of the agent began (the head seq it found).
CREATE TABLE IF NOT EXISTS opstate.chain_owner_claims (
  workspace_id text NOT NULL,
  epoch bigint NOT NULL CHECK (epoch >= 1),
  resumed_from_seq bigint NOT NULL CHECK (resumed_from_seq >= 0),
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, epoch)
);

-- The next epoch, atomically: concurrent claims queue on the owner row and each gets its own number.
-- The head is read after the owner row is locked, so an owned append that held the row (FOR SHARE)
-- has committed, and its events count as the previous life's.
CREATE OR REPLACE FUNCTION opstate.chain_claim(p_workspace_id text)
RETURNS TABLE (r_epoch bigint, r_resumed_from_seq bigint, r_claimed_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_epoch bigint;
  v_seq bigint;
  v_at timestamptz := clock_timestamp();
BEGIN
  INSERT INTO opstate.chain_owner AS o (workspace_id, epoch, claimed_at) VALUES (p_workspace_id, 1, v_at)
  ON CONFLICT (workspace_id) DO UPDATE SET epoch = o.epoch + 1, claimed_at = v_at
  RETURNING o.epoch INTO v_epoch;
  SELECT h.seq INTO v_seq FROM opstate.chain_head h WHERE h.workspace_id = p_workspace_id;
  INSERT INTO opstate.chain_owner_claims (workspace_id, epoch, resumed_from_seq, claimed_at)
  VALUES (p_workspace_id, v_epoch, coalesce(v_seq, 0), v_at);
  RETURN QUERY SELECT v_epoch, coalesce(v_seq, 0), v_at;
END
$$;

-- opstate.chain_append, only while p_epoch is the owner's: the owner row is held FOR SHARE until the
-- append commits, so a claim waits for it, and an append after a claim sees the new epoch. SQLSTATE
-- OSF01 with the owner epoch in DETAIL.
CREATE OR REPLACE FUNCTION opstate.chain_append_owned(
  p_workspace_id text,
  p_epoch bigint,
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
  v_owner bigint;
BEGIN
  SELECT o.epoch INTO v_owner FROM opstate.chain_owner o WHERE o.workspace_id = p_workspace_id FOR SHARE;
  IF v_owner IS DISTINCT FROM p_epoch THEN
    RAISE EXCEPTION 'opstate: workspace % is owned by epoch %, not %', p_workspace_id, v_owner, p_epoch
      USING ERRCODE = 'OSF01', DETAIL = coalesce(v_owner::text, '');
  END IF;
  RETURN QUERY SELECT * FROM opstate.chain_append(p_workspace_id, p_event_types, p_payloads,
                                                   p_correlation_ids, p_idempotency_keys);
END
$$;
