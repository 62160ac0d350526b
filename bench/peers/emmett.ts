// Emmett 0.42 on PostgreSQL as a bench baseline, loaded from bench/peers (its own install, see
// package.json there). Appends one stream per workspace, retrying version conflicts the way an Emmett
// application appending to a shared stream has to.
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';

export interface EmmettPeer {
  /** Appends `payloads` to stream `stream` in one call; returns the conflict retries it needed. */
  append(stream: string, payloads: readonly Record<string, unknown>[]): Promise<number>;
  close(): Promise<void>;
}

export async function openEmmett(connectionString: string): Promise<EmmettPeer> {
  const store = getPostgreSQLEventStore(connectionString, { schema: { autoMigration: 'CreateOrUpdate' } });
  // The first call creates Emmett's schema; keep it out of the timed region.
  await store.appendToStream('bench-emmett-warmup', [{ type: 'warmed', data: {} }]);
  return {
    async append(stream, payloads) {
      const events = payloads.map((data) => ({ type: 'kora.operational_state.transitioned', data }));
      for (let retries = 0; ; retries++) {
        try {
          await store.appendToStream(stream, events);
          return retries;
        } catch (err) {
          if (!isExpectedVersionConflictError(err) && !/duplicate key/.test(String(err))) throw err;
        }
      }
    },
    close: () => store.close(),
  };
}
