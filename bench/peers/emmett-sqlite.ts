// Emmett-sqlite 0.42 as a bench peer, loaded from bench/peers (its own install, see package.json there).
// One connection kept for the process (Emmett's default opens one per operation, which only makes it
// slower), with the file settings opstate uses: WAL (Emmett sets it), synchronous=FULL and the same busy
// timeout (set here explicitly, so the comparison does not ride on a build's defaults).
import { getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite';

export interface EmmettSqlitePeer {
  /** Appends `payloads` to stream `stream` in one call (one transaction). */
  append(stream: string, payloads: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

export async function openEmmettSqlite(file: string, busyTimeoutMs: number): Promise<EmmettSqlitePeer> {
  const connection = sqliteConnection({ fileName: file });
  await connection.command(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  await connection.command('PRAGMA synchronous = FULL');
  const store = getSQLiteEventStore({
    fileName: file,
    schema: { autoMigration: 'CreateOrUpdate' },
    connectionOptions: { singleton: true, connection },
  });
  return {
    async append(stream, payloads) {
      const events = payloads.map((data) => ({ type: 'kora.operational_state.transitioned', data }));
      await store.appendToStream(stream, events);
    },
    async close() {
      connection.close();
    },
  };
}
