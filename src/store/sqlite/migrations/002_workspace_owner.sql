-- One owner per workspace, by epoch (fencing): a resumed runtime claims the next epoch, and its appends
-- carry it; an append whose epoch is no longer the newest is refused inside the append transaction.
-- Plain appends never look here: runtimes that do not resume share a chain as before.

-- The newest claim per workspace, read by every owned append under the write lock.
CREATE TABLE chain_owner (
  workspace_id TEXT PRIMARY KEY CHECK (length(workspace_id) BETWEEN 1 AND 256),
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  claimed_at TEXT NOT NULL
) STRICT;

-- Every claim, kept: where each life of the agent began (the head seq it resumed from), which is how
-- `opstate events` tells a resume from a fresh boot.
CREATE TABLE chain_owner_claims (
  workspace_id TEXT NOT NULL,
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  resumed_from_seq INTEGER NOT NULL CHECK (resumed_from_seq >= 0),
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (workspace_id, epoch)
) STRICT, WITHOUT ROWID;
