import { ChainStoreError } from '../../errors.js';
import { APPEND, type AppendRow, appendArrays, runAppend, toAppendedEvents } from './append-rows.js';
import { prepareEvent } from '../chain/prepare.js';
import type {
  AppendedEvent,
  ChainEvent,
  ChainEventInput,
  ReadOptions,
  StoreChange,
  VerifyResult,
  WorkspaceHead,
  FleetSummaryOptions,
} from '../chain/types.js';
import { assertWorkspaceId, parseReadOptions } from '../chain/validate.js';
import { checkPastHead } from '../chain/past-head.js';
import { parseStoredPayload, withStoredRow } from '../chain/stored-row.js';
import { unknownWorkspace, type VerifiableEvent, verifyChainPages } from '../chain/verify.js';
import { toChainStoreError } from './db-errors.js';
import { fleetSummary } from './fleet-summary.js';
import { migrate } from './migrate.js';
import { postgresOwnership } from './owner.js';
import type { OwnedChainStore } from '../chain/owner.js';
import type { SqlEngine } from './queryable.js';

/** Rows per page when verify streams a chain: big enough to amortize round trips, small in memory. */
export const VERIFY_PAGE_SIZE = 5000;

/** A ChainStore backed by SQL, plus the explicit migration step. */
export interface SqlChainStore extends OwnedChainStore {
  /** Applies pending migrations; returns the names applied now (empty when up to date). */
  migrate(): Promise<string[]>;
}

interface LogRow {
  seq: number | string;
  event_id: string;
  event_type: string;
  payload_canonical: string;
  correlation_id: string | null;
  idempotency_key: string | null;
  prev_hash: string;
  hash: string;
  hash_version: number;
  recorded_at: Date | string;
}

const LOG_COLUMNS = `seq, event_id, event_type, payload_canonical, correlation_id, idempotency_key,
  encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash, hash_version, recorded_at`;

/**
 * The chain store over the `opstate` schema: appends are one `opstate.chain_append()` call per batch
 * (the head row is locked FOR UPDATE inside it), reads page by seq, verify streams pages into
 * verifyChain.
 */
export function createSqlChainStore(engine: SqlEngine, onClose: () => Promise<void>): SqlChainStore {
  let closed = false;
  const watchers = new Set<() => void>();
  const assertOpen = () => {
    if (closed) throw new ChainStoreError('closed', `the ${engine.name} chain store is closed`);
  };

  return {
    ownership: postgresOwnership(engine, assertOpen),

    migrate() {
      assertOpen();
      return migrate(engine.transaction);
    },

    async append(workspaceId: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      if (!Array.isArray(events)) throw new ChainStoreError('invalid_input', 'events must be an array');
      const prepared = events.map((e, i) => prepareEvent(e, i));
      let rows: AppendRow[];
      try {
        rows = await runAppend(engine.db, APPEND, [workspaceId, ...appendArrays(prepared)]);
      } catch (err) {
        throw toChainStoreError(err, engine.name);
      }
      return toAppendedEvents(workspaceId, rows);
    },

    async read(workspaceId: string, options?: ReadOptions): Promise<ChainEvent[]> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      const { afterSeq, limit, eventTypePrefix } = parseReadOptions(options);
      // One statement, one snapshot. Seqs are assigned under the head-row lock and committed in order,
      // so a snapshot that shows seq n shows every seq below it: pages never skip a late commit.
      const rows = await engine.db
        .query<LogRow>(
          `SELECT ${LOG_COLUMNS} FROM opstate.event_log
            WHERE workspace_id = $1 AND seq > $2 AND starts_with(event_type, $3)
            ORDER BY seq LIMIT $4`,
          [workspaceId, afterSeq, eventTypePrefix, limit],
        )
        .catch((err: unknown) => {
          throw toChainStoreError(err, engine.name);
        });
      return rows.map((r) => toEvent(workspaceId, r));
    },

    async workspaces(): Promise<string[]> {
      assertOpen();
      const rows = await engine.db
        .query<{ workspace_id: string }>('SELECT workspace_id FROM opstate.chain_head ORDER BY workspace_id')
        .catch((err: unknown) => {
          throw toChainStoreError(err, engine.name);
        });
      return rows.map((r) => r.workspace_id);
    },

    async fleetSummary(options?: FleetSummaryOptions): Promise<WorkspaceHead[]> {
      assertOpen();
      return fleetSummary(engine.db, options).catch((err: unknown) => {
        throw toChainStoreError(err, engine.name);
      });
    },

    async verify(workspaceId: string): Promise<VerifyResult> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      const heads = await engine.db.query<{ seq: number | string; head_hash: string }>(
        `SELECT seq, encode(head_hash, 'hex') AS head_hash FROM opstate.chain_head WHERE workspace_id = $1`,
        [workspaceId],
      );
      const head = heads[0];
      const anyRow = await engine.db.query<{ one: number }>(
        'SELECT 1 AS one FROM opstate.event_log WHERE workspace_id = $1 LIMIT 1',
        [workspaceId],
      );
      if (head === undefined && anyRow.length === 0) {
        return unknownWorkspace(workspaceId);
      }
      // The head row was read first: verifyChainPages checks the recomputed hash at its seq, and a cut tail.
      const headSeq = head === undefined ? 0 : Number(head.seq);
      const pages = engine.streamChain?.(workspaceId) ?? streamChain(engine, workspaceId);
      const result = await verifyChainPages(
        workspaceId,
        pages,
        head !== undefined && headSeq > 0 ? { head: { seq: headSeq, hash: head.head_hash } } : {},
      );
      if (!result.ok) return result;
      // One statement, one snapshot: a healthy store's last seq equals its head row's in every snapshot.
      const [snapshot] = await engine.db.query<{ head_seq: string | null; last_seq: string | null }>(
        `SELECT (SELECT seq FROM opstate.chain_head WHERE workspace_id = $1) AS head_seq,
                (SELECT max(seq) FROM opstate.event_log WHERE workspace_id = $1) AS last_seq`,
        [workspaceId],
      );
      const asSeq = (v: string | number | null | undefined) =>
        v === null || v === undefined ? null : Number(v);
      return checkPastHead(result, {
        headSeq: asSeq(snapshot?.head_seq),
        lastSeq: asSeq(snapshot?.last_seq),
      });
    },

    ...(engine.watch === undefined
      ? {}
      : {
          watch(onChange: (change: StoreChange) => void): () => void {
            assertOpen();
            const stop = (engine.watch as NonNullable<SqlEngine['watch']>)(onChange);
            watchers.add(stop);
            return () => {
              watchers.delete(stop);
              stop();
            };
          },
        }),

    async close(): Promise<void> {
      if (closed) return;
      for (const stop of watchers) stop();
      watchers.clear();
      closed = true;
      await onClose();
    },
  };
}

/** Only what verification reads: no timestamps to parse, no ids beyond the keyset cursor. */
interface VerifyRow {
  seq: number | string;
  event_id: string;
  event_type: string;
  payload_canonical: string;
  prev_hash: string;
  hash: string;
  hash_version: number;
}

/**
 * The chain in seq order, one page at a time: keyset paging on (seq, event_id), so even rows sharing a
 * seq (a fork planted by someone who dropped the primary key) come out one after the other.
 */
async function* streamChain(
  engine: SqlEngine,
  workspaceId: string,
): AsyncGenerator<readonly VerifiableEvent[]> {
  const page = (afterSeq: number, afterId: string) => {
    const rows = engine.db.query<VerifyRow>(
      `SELECT seq, event_id, event_type, payload_canonical,
              encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash, hash_version
         FROM opstate.event_log
        WHERE workspace_id = $1 AND (seq, event_id) > ($2::bigint, $3::uuid)
        ORDER BY seq, event_id LIMIT $4`,
      [workspaceId, afterSeq, afterId, VERIFY_PAGE_SIZE],
    );
    // A prefetched page nobody awaits (the verifier stopped at a divergence) must not crash the process;
    // an awaited one still rejects for its caller.
    rows.catch(() => undefined);
    return rows;
  };
  let next = page(0, '00000000-0000-0000-0000-000000000000');
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1];
    const more = last !== undefined && rows.length === VERIFY_PAGE_SIZE;
    // Ask for the next page before hashing this one, so the database reads while we hash.
    if (more) next = page(Number(last.seq), last.event_id);
    yield rows.map((r) => ({
      seq: Number(r.seq),
      eventType: r.event_type,
      prevHash: r.prev_hash,
      hash: r.hash,
      payloadCanonical: r.payload_canonical,
      hashVersion: r.hash_version,
    }));
    if (!more) return;
  }
}

function toEvent(workspaceId: string, r: LogRow): ChainEvent {
  const seq = Number(r.seq);
  const event: ChainEvent = {
    eventId: r.event_id,
    workspaceId,
    seq,
    eventType: r.event_type,
    payload: parseStoredPayload(workspaceId, seq, r.payload_canonical),
    occurredAt: new Date(r.recorded_at).toISOString(),
    correlationId: r.correlation_id,
    idempotencyKey: r.idempotency_key,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
  return withStoredRow(event, r.payload_canonical, r.hash_version);
}
