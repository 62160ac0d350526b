import { uuidV4 } from '../../util/uuid-text.js';
import { CHAIN_EVENT_TYPES } from '../../domain/vocabulary.js';
import { ChainStoreError } from '../../errors.js';
import { parseCanonical } from '../chain/canonical-json.js';
import { chainHash, genesisHash } from '../chain/hash.js';
import type {
  AppendedEvent,
  ChainEvent,
  ChainEventInput,
  ChainStore,
  ReadOptions,
  StoreChange,
  VerifyResult,
  WorkspaceHead,
  FleetSummaryOptions,
} from '../chain/types.js';
import type { OwnedChainStore } from '../chain/owner.js';
import { prepareEvent } from '../chain/prepare.js';
import { markStoreKind } from '../store-kind.js';
import { fleetSummary } from './fleet-summary.js';
import { memoryOwnership } from './memory-owner.js';
import { assertWorkspaceId, parseReadOptions } from '../chain/validate.js';
import { unknownWorkspace, type VerifiableEvent, verifyChain } from '../chain/verify.js';

export interface MemoryChainStoreOptions {
  /**
   * The event types this store accepts (default: the four operational-state literals), mirroring the
   * database stores' `event_types` vocabulary table: anything else is refused, not stored.
   */
  readonly eventTypes?: readonly string[];
}

interface Row extends ChainEvent {
  readonly payloadCanonical: string;
}

interface Chain {
  readonly rows: Row[];
  readonly byKey: Map<string, Row>;
  head: string;
}

/**
 * The in-process chain store: a real hash chain with idempotent appends and verification, kept in memory.
 * For tests, demos and single-process agents that persist nothing; the database stores share its format.
 */
export function createMemoryChainStore(options: MemoryChainStoreOptions = {}): OwnedChainStore {
  const vocabulary = new Set(options.eventTypes ?? CHAIN_EVENT_TYPES);
  const chains = new Map<string, Chain>();
  let closed = false;
  const watchers = new Set<(change: StoreChange) => void>();

  const assertOpen = () => {
    if (closed) throw new ChainStoreError('closed', 'the memory chain store is closed');
  };

  const store: ChainStore = {
    async append(workspaceId: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      if (!Array.isArray(events)) throw new ChainStoreError('invalid_input', 'events must be an array');
      // Validate and canonicalize everything before touching the chain: all or nothing.
      const prepared = events.map((e, i) => prepareEvent(e, i, vocabulary));
      const chain: Chain = chains.get(workspaceId) ?? {
        rows: [],
        byKey: new Map(),
        head: genesisHash(workspaceId),
      };
      const results: AppendedEvent[] = [];
      const fresh: Row[] = [];
      const batchKeys = new Map<string, Row>();
      let head = chain.head;
      let seq = chain.rows.length;
      for (const p of prepared) {
        const existing =
          p.idempotencyKey === null
            ? undefined
            : (chain.byKey.get(p.idempotencyKey) ?? batchKeys.get(p.idempotencyKey));
        if (existing !== undefined) {
          results.push(publicCopy(existing, true));
          continue;
        }
        seq += 1;
        const hash = chainHash(head, seq, p.eventType, p.payloadCanonical);
        const row: Row = {
          eventId: uuidV4(),
          workspaceId,
          seq,
          eventType: p.eventType,
          payload: parseCanonical(p.payloadCanonical),
          payloadCanonical: p.payloadCanonical,
          occurredAt: new Date().toISOString(),
          correlationId: p.correlationId,
          idempotencyKey: p.idempotencyKey,
          prevHash: head,
          hash,
        };
        head = hash;
        fresh.push(row);
        if (row.idempotencyKey !== null) batchKeys.set(row.idempotencyKey, row);
        results.push(publicCopy(row, false));
      }
      chain.rows.push(...fresh);
      for (const [k, row] of batchKeys) chain.byKey.set(k, row);
      chain.head = head;
      chains.set(workspaceId, chain);
      if (fresh.length > 0) {
        const change: StoreChange = { workspaceId, seq };
        // A watcher runs after the append has returned, and its failure is its own.
        for (const watcher of watchers) queueMicrotask(() => watcher(change));
      }
      return results;
    },

    async read(workspaceId: string, readOptions?: ReadOptions): Promise<ChainEvent[]> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      const { afterSeq, limit, eventTypePrefix } = parseReadOptions(readOptions);
      const rows = chains.get(workspaceId)?.rows ?? [];
      const out: ChainEvent[] = [];
      // rows[i].seq === i + 1, so start right after afterSeq.
      for (let i = afterSeq; i < rows.length && out.length < limit; i++) {
        const row = rows[i] as Row;
        if (row.eventType.startsWith(eventTypePrefix)) out.push(toEvent(row));
      }
      return out;
    },

    async workspaces(): Promise<string[]> {
      assertOpen();
      return [...chains.keys()].sort();
    },

    async fleetSummary(options?: FleetSummaryOptions): Promise<WorkspaceHead[]> {
      assertOpen();
      return fleetSummary(chains, options);
    },

    async verify(workspaceId: string): Promise<VerifyResult> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      const chain = chains.get(workspaceId);
      if (chain === undefined) {
        return unknownWorkspace(workspaceId);
      }
      // The head is read before the rows, as a database store does: it anchors the chain's last link.
      const head = chain.rows.length > 0 ? { seq: chain.rows.length, hash: chain.head } : undefined;
      return verifyChain(workspaceId, chain.rows as readonly VerifiableEvent[], head ? { head } : {});
    },

    watchMode() {
      return { kind: 'push' as const, detail: 'in-process: every append calls the watchers of this store' };
    },

    watch(onChange: (change: StoreChange) => void): () => void {
      assertOpen();
      const watcher = (change: StoreChange) => onChange(change);
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },

    async close(): Promise<void> {
      closed = true;
      watchers.clear();
    },
  };
  const ownership = memoryOwnership({
    rows: (ws) => chains.get(ws)?.rows ?? [],
    head: (ws) => {
      const chain = chains.get(ws);
      return chain === undefined || chain.rows.length === 0
        ? null
        : { seq: chain.rows.length, hash: chain.head };
    },
    append: (ws, events) => store.append(ws, events),
    assertOpen,
  });
  return markStoreKind(Object.assign(store, { ownership }), 'memory');
}

function toEvent(row: Row): ChainEvent {
  const { payloadCanonical: _omit, ...event } = row;
  return event;
}

function publicCopy(row: Row, duplicate: boolean): AppendedEvent {
  return { ...toEvent(row), duplicate };
}
