import { OutboxWorkspaceError } from '../outbox.js';
import type { Db } from './connection.js';

const TABLE = `outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL,
  transition TEXT NOT NULL,
  events TEXT NOT NULL,
  queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT`;

const countOf = (entries: number): string => `${entries} entr${entries === 1 ? 'y' : 'ies'}`;

export interface OutboxOpening {
  readonly file: string;
  readonly workspaceId: string;
  /** Whose the entries of a file without a workspace column are, as the operator says. */
  readonly unlabelled: string | undefined;
}

/**
 * Creates the outbox table, or upgrades one written before entries recorded their workspace, and checks
 * that nothing in it belongs to another workspace. Runs inside the opening's exclusive transaction: when
 * it throws, the transaction is rolled back and the file is as it was.
 */
export function prepareOutboxSchema(db: Db, opening: OutboxOpening): void {
  const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('outbox')`).all();
  if (columns.length === 0) {
    db.exec(`CREATE TABLE ${TABLE}`);
    return;
  }
  if (!columns.some((c) => c.name === 'workspace_id')) labelOldEntries(db, opening);
  refuseForeignEntries(db, opening);
}

/**
 * The old table's entries carry no workspace, and neither do their chain events (a transition's payload
 * names states, permission, reasons and trigger only): nothing in the file says whose they are. An empty
 * one is upgraded as is; entries are labelled only with the workspace the operator names.
 */
function labelOldEntries(db: Db, { file, workspaceId, unlabelled }: OutboxOpening): void {
  const { entries } = db.prepare<[], { entries: number }>('SELECT count(*) AS entries FROM outbox').get() ?? {
    entries: 0,
  };
  if (entries > 0 && unlabelled === undefined) {
    throw new OutboxWorkspaceError(
      'unlabelled_leftovers',
      { outbox: file, workspaceId, heldFor: [], entries },
      `the outbox ${file} holds ${countOf(entries)} written before outbox entries ` +
        `recorded their workspace, so nothing says whether they belong to workspace '${workspaceId}'; ` +
        `open it with unlabelledWorkspaceId set to the workspace the process that wrote it ran for ` +
        `(they are then appended to that workspace's chain only), or move the file aside. Nothing was changed.`,
    );
  }
  db.exec(`ALTER TABLE outbox RENAME TO outbox_unlabelled; CREATE TABLE ${TABLE}`);
  db.prepare<[string]>(
    `INSERT INTO outbox (id, workspace_id, transition, events, queued_at)
       SELECT id, ?, transition, events, queued_at FROM outbox_unlabelled ORDER BY id`,
  ).run(unlabelled ?? workspaceId);
  db.exec('DROP TABLE outbox_unlabelled');
}

function refuseForeignEntries(db: Db, { file, workspaceId }: OutboxOpening): void {
  const foreign = db
    .prepare<[string], { workspace: string; entries: number }>(
      `SELECT workspace_id AS workspace, count(*) AS entries FROM outbox
        WHERE workspace_id <> ? GROUP BY workspace_id ORDER BY min(id)`,
    )
    .all(workspaceId);
  if (foreign.length === 0) return;
  const entries = foreign.reduce((sum, f) => sum + f.entries, 0);
  const named = foreign.map((f) => `'${f.workspace}' (${countOf(f.entries)})`).join(', ');
  throw new OutboxWorkspaceError(
    'foreign_leftovers',
    { outbox: file, workspaceId, heldFor: foreign.map((f) => f.workspace), entries },
    `the outbox ${file} is opened for workspace '${workspaceId}' but holds unappended entries of ` +
      `workspace ${named}. Nothing was changed: open it for that workspace (its runtime appends them ` +
      `first), or give workspace '${workspaceId}' an outbox file of its own.`,
  );
}
