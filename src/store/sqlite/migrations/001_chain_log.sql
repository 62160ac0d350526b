-- The chain-event log on SQLite: the same logical columns as the PostgreSQL schema, so a row hashes to
-- the same bytes on either engine. STRICT tables refuse a value of the wrong type instead of storing it.
-- Applied once, inside one transaction, by migrate.ts (which records it in schema_migrations).

-- The vocabulary is data: adding a literal is one INSERT in a new migration, and the foreign key below
-- makes the database itself refuse anything else (foreign_keys=ON is set on every connection).
CREATE TABLE event_types (
  event_type TEXT PRIMARY KEY
    CHECK (event_type GLOB '[a-z]*.[a-z]*' AND event_type NOT GLOB '*[^a-z0-9_.]*'
           AND event_type NOT GLOB '*..*' AND event_type NOT GLOB '*.' AND event_type NOT GLOB '*.[^a-z]*'),
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

INSERT INTO event_types (event_type) VALUES
  ('kora.operational_state.transitioned'),
  ('kora.boot.ready'),
  ('kora.boot.failed'),
  ('kora.paused.cost_limit');

-- One row per workspace, moved by every append inside its write transaction. It remembers the head,
-- which lets verify detect a cut tail.
CREATE TABLE chain_head (
  workspace_id TEXT PRIMARY KEY CHECK (length(workspace_id) BETWEEN 1 AND 256),
  seq INTEGER NOT NULL CHECK (seq >= 0),
  head_hash BLOB NOT NULL CHECK (length(head_hash) = 32),
  updated_at TEXT NOT NULL
) STRICT;

-- Clustered on (workspace_id, seq): a chain is read and verified in key order without a second lookup.
CREATE TABLE event_log (
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
  PRIMARY KEY (workspace_id, seq),
  -- NULL keys never collide, so events without a key are never deduplicated.
  UNIQUE (workspace_id, idempotency_key),
  -- A fork is two events on one predecessor: refused outright, behind the write lock.
  UNIQUE (workspace_id, prev_hash)
) STRICT, WITHOUT ROWID;

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
