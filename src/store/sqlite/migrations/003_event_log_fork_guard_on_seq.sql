-- The event log without its second fork guard, UNIQUE (workspace_id, prev_hash). On SQLite every append
-- takes the write lock (BEGIN IMMEDIATE) before it reads the head row, so no second writer can append on
-- the same predecessor, and the primary key (workspace_id, seq) already refuses a second row at a seq: a
-- fork needs two rows at one seq, since each row's seq is its predecessor's plus one. The index on a
-- random 32-byte hash cost every commit a page written at a random place in it. A fork planted by
-- someone who rebuilds the table is still named by verify (kind 'fork', at its seq).
-- SQLite cannot drop a table constraint in place: the table is rebuilt, rows copied as they are (the hash
-- covers none of this), and the append-only triggers recreated on the new table.

CREATE TABLE event_log_rebuilt (
  workspace_id TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL REFERENCES event_types (event_type),
  -- The exact RFC 8785 text that was hashed (query it with json_extract / ->>).
  payload_canonical TEXT NOT NULL,
  correlation_id TEXT,
  idempotency_key TEXT,
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  hash_version INTEGER NOT NULL DEFAULT 1,
  recorded_at TEXT NOT NULL,
  -- Clustered on (workspace_id, seq); one row per seq is also the fork guard.
  PRIMARY KEY (workspace_id, seq),
  -- NULL keys never collide, so events without a key are never deduplicated.
  UNIQUE (workspace_id, idempotency_key)
) STRICT, WITHOUT ROWID;

INSERT INTO event_log_rebuilt (workspace_id, seq, event_id, event_type, payload_canonical, correlation_id,
                               idempotency_key, prev_hash, hash, hash_version, recorded_at)
  SELECT workspace_id, seq, event_id, event_type, payload_canonical, correlation_id,
         idempotency_key, prev_hash, hash, hash_version, recorded_at
    FROM event_log;

-- Dropping the table drops its triggers with it (and fires none of them).
DROP TABLE event_log;
ALTER TABLE event_log_rebuilt RENAME TO event_log;

-- Append-only: rows are never changed or removed. Whoever can write the file can drop these triggers,
-- which is why verify recomputes every hash instead of trusting the table.
CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
BEGIN
  SELECT RAISE(ABORT, 'event_log is append-only: UPDATE refused');
END;

CREATE TRIGGER event_log_no_delete BEFORE DELETE ON event_log
BEGIN
  SELECT RAISE(ABORT, 'event_log is append-only: DELETE refused');
END;
