import type { Actor } from 'xstate';
import type { PrimaryState } from '../domain/vocabulary.js';
import type { EmitOutcome } from '../emit/emit-outcome.js';
import type { ChainProvider } from '../emit/provider.js';
import { ChainStoreError } from '../errors.js';
import type { OperationalStateMachine } from '../machine/machine.js';
import type { CheckpointScheduleOptions } from '../checkpoint/schedule.js';
import type { ChainStore } from '../store/chain/types.js';
import { storeKindOf } from '../store/store-kind.js';
import { type AppendOutcome, NO_LITERAL, type StoreKindLabel } from './catalog.js';
import { AttributeCache, instrumentsOf, type MeterInstruments } from './instruments.js';
import { type ResolvedMetrics, resolveMetrics } from './options.js';

/** The parts of a runtime its metrics read. */
export interface MeteredRuntime {
  readonly actor: Actor<OperationalStateMachine>;
  readonly pending: () => number;
  readonly onEmit: (observer: (outcome: EmitOutcome) => void) => () => void;
}

const REFUSED_KINDS: ReadonlySet<string> = new Set(['invalid_input', 'unknown_event_type']);

/**
 * One runtime's metrics. Created only when there is a live meter (see `openRuntimeMetrics`): without
 * one the runtime holds no reference to this module's work at all, so a transition costs what it costs
 * without metrics. Transitions are counted from the actor's snapshots (as listeners are), emits from
 * the pipeline's outcomes, append durations by timing the store's `append`, and the gauges are read
 * from the runtime when the SDK collects.
 */
export class RuntimeMetrics {
  readonly #instruments: MeterInstruments;
  readonly #workspaceAttribute: boolean;
  /** `{ store }` by store kind. */
  readonly #attrs = new AttributeCache();
  /** `{ store, outcome }`: one lookup per store call, not per transition. */
  readonly #appendAttrs = new AttributeCache();
  readonly #timedStores = new WeakMap<ChainStore, ChainStore>();
  #provider: ChainProvider | null = null;
  #lastCheckpoint: number | null = null;

  constructor(resolved: ResolvedMetrics) {
    this.#instruments = instrumentsOf(resolved.meter);
    this.#workspaceAttribute = resolved.workspaceAttribute;
  }

  /** The same provider, its store's `append` timed into `opstate.append.duration`. */
  timed(provider: ChainProvider): ChainProvider {
    this.#provider = provider;
    const timedStore = (store: ChainStore) => this.#timedStore(store);
    return {
      get connection() {
        const store = provider.connection;
        return store === null || store === undefined ? store : timedStore(store);
      },
      set connection(store) {
        provider.connection = store;
      },
      resolveWorkspaceId: () => provider.resolveWorkspaceId(),
    };
  }

  /** Wraps the checkpoint callback so `opstate.checkpoint.age` knows when one was last signed. */
  withCheckpointClock<O extends { readonly checkpoints?: Pick<CheckpointScheduleOptions, 'onCheckpoint'> }>(
    options: O,
  ): O {
    const checkpoints = options.checkpoints;
    if (checkpoints === undefined) return options;
    this.#lastCheckpoint = performance.now();
    const { onCheckpoint } = checkpoints;
    return {
      ...options,
      checkpoints: {
        ...checkpoints,
        onCheckpoint: (checkpoint) => {
          this.#lastCheckpoint = performance.now();
          return onCheckpoint(checkpoint);
        },
      },
    };
  }

  /** Starts recording; the returned function stops it (at `stop()`). */
  attach(runtime: MeteredRuntime): () => void {
    const instruments = this.#instruments;
    const { failures, lag, agents } = instruments;
    let seen = runtime.actor.getSnapshot().context.lastTransition?.n ?? 0;
    const subscription = runtime.actor.subscribe((snapshot) => {
      const t = snapshot.context.lastTransition;
      if (t === null || t.n <= seen) return;
      seen = t.n;
      instruments.countTransition(t.from, t.to, t.literal ?? NO_LITERAL);
    });
    const detachEmits = runtime.onEmit((outcome) => {
      const store = this.#storeAttrs(this.#currentKind());
      if (!outcome.ok) {
        failures.add(1, store);
        return;
      }
      lag.record(Math.max(0, Date.now() - Date.parse(outcome.transition.at)), store);
    });
    const agent = {
      state: () => runtime.actor.getSnapshot().value as PrimaryState,
      pending: runtime.pending,
      checkpointAgeS: () =>
        this.#lastCheckpoint === null ? null : (performance.now() - this.#lastCheckpoint) / 1000,
      workspace: () => (this.#workspaceAttribute ? this.#workspace() : null),
    };
    agents.add(agent);
    return () => {
      agents.delete(agent);
      subscription.unsubscribe();
      detachEmits();
    };
  }

  #currentKind(): StoreKindLabel {
    const store = this.#provider?.connection;
    return store === null || store === undefined ? 'none' : storeKindOf(store);
  }

  #storeAttrs(kind: StoreKindLabel) {
    return this.#attrs.get(kind, () => ({ store: kind }));
  }

  #workspace(): string | null {
    try {
      const id = this.#provider?.resolveWorkspaceId();
      return typeof id === 'string' && id.length > 0 ? id : null;
    } catch {
      return null;
    }
  }

  #timedStore(store: ChainStore): ChainStore {
    let timed = this.#timedStores.get(store);
    if (timed !== undefined) return timed;
    const histogram = this.#instruments.append;
    const kind = storeKindOf(store);
    const record = (started: number, outcome: AppendOutcome) =>
      histogram.record(
        performance.now() - started,
        this.#appendAttrs.get(`${kind}|${outcome}`, () => ({ store: kind, outcome })),
      );
    const failed = (started: number, err: unknown) =>
      record(started, err instanceof ChainStoreError && REFUSED_KINDS.has(err.kind) ? 'refused' : 'error');
    timed = {
      append(workspaceId, events) {
        const started = performance.now();
        let answer: Promise<Awaited<ReturnType<ChainStore['append']>>>;
        try {
          answer = store.append(workspaceId, events);
        } catch (err) {
          failed(started, err);
          throw err;
        }
        return Promise.resolve(answer).then(
          (appended) => {
            record(started, 'ok');
            return appended;
          },
          (err: unknown) => {
            failed(started, err);
            throw err;
          },
        );
      },
      read: (workspaceId, options) => store.read(workspaceId, options),
      verify: (workspaceId) => store.verify(workspaceId),
      close: () => store.close(),
    };
    this.#timedStores.set(store, timed);
    return timed;
  }
}

/** The runtime's metrics for its `metrics` option, or null when nothing would be recorded. */
export function openRuntimeMetrics(option: unknown): RuntimeMetrics | null {
  const resolved = resolveMetrics(option);
  return resolved === null ? null : new RuntimeMetrics(resolved);
}
