-- The event log without its second fork guard, UNIQUE (workspace_id, prev_hash). Every append locks the
-- workspace's head row (FOR UPDATE) before it reads the predecessor, so no second writer, on this machine
-- or another, appends on the same one; and the primary key (workspace_id, seq) already refuses a second
-- row at a seq: a fork needs two rows at one seq, since each row's seq is its predecessor's plus one. The
-- index on a random 32-byte hash cost every append an index entry at a random leaf (and, after each
-- checkpoint, a full-page image of it in the WAL). A fork planted by someone who drops the primary key is
-- still named by verify (kind 'fork', at its seq). No stored row changes: every chain verifies as before.
ALTER TABLE opstate.event_log DROP CONSTRAINT IF EXISTS event_log_workspace_id_prev_hash_key;
