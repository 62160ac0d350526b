import { type Actor, createActor } from 'xstate';
import { sortReasons } from '../domain/snapshot.js';
import { chartSchemas } from '../domain/chart-schemas-on-demand.js';
import type { ClaimPermission, DegradationReason, PrimaryState } from '../domain/vocabulary.js';
import { OperationalStateInputError } from '../errors.js';
import type { HistoryEntry } from '../machine/context.js';
import type { OperationalStateMachine } from '../machine/machine.js';
import { onDemand } from '../util/zod-on-demand.js';

/** What a runtime is started in when it does not start as a new agent. */
export interface RestorePoint {
  readonly state: PrimaryState;
  readonly claimPermission: ClaimPermission;
  readonly degradationReasons: readonly DegradationReason[];
  /** Transitions before this start: the next one is numbered `transitionCount + 1`. */
  readonly transitionCount: number;
  readonly history?: readonly HistoryEntry[];
}

/**
 * `runtime.getPersistedSnapshot()`: XState's persisted snapshot of the runtime's actor (JSON-safe), to
 * give back as `createOperationalState(target, { snapshot })`.
 */
export type PersistedOperationalState = ReturnType<Actor<OperationalStateMachine>['getPersistedSnapshot']>;

/** Only what a restore takes from a persisted snapshot; the rest (children, failures) starts afresh. */
const persistedSchema = onDemand((z) => {
  const { ClaimPermissionSchema, DegradationReasonSchema, PrimaryStateSchema } = chartSchemas();
  const HistoryEntrySchema = z
    .object({
      at: z.string(),
      from: PrimaryStateSchema,
      to: PrimaryStateSchema,
      trigger: z.string(),
      claimPermission: ClaimPermissionSchema,
      degradationReasons: z.array(DegradationReasonSchema),
    })
    .strict();
  return z.object({
    status: z.enum(['active', 'done']),
    value: PrimaryStateSchema,
    context: z.object({
      claimPermission: ClaimPermissionSchema,
      degradationReasons: z.array(DegradationReasonSchema),
      transitionCount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      history: z.array(HistoryEntrySchema).optional(),
    }),
  });
});

/** The restore point a persisted snapshot describes; anything else is an OperationalStateInputError. */
export function restorePoint(persisted: unknown): RestorePoint {
  const parsed = persistedSchema().safeParse(persisted);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `snapshot.${issue.path.join('.')}` : 'snapshot';
    throw new OperationalStateInputError(
      'options.snapshot',
      persisted,
      `not a persisted opstate snapshot (runtime.getPersistedSnapshot()): ${where} ${issue?.message ?? ''}`.trim(),
    );
  }
  const { value, status, context } = parsed.data;
  if ((value === 'stopped') !== (status === 'done')) {
    throw new OperationalStateInputError(
      'options.snapshot',
      persisted,
      `status ${status} with state ${value}`,
    );
  }
  return {
    state: value,
    claimPermission: context.claimPermission,
    degradationReasons: sortReasons(context.degradationReasons),
    transitionCount: context.transitionCount,
    ...(context.history !== undefined ? { history: context.history } : {}),
  };
}

/**
 * The machine's own persisted initial snapshot (so the root-invoked emit service is restored with it),
 * moved to the restore point. Entry actions do not run on a restore; the chart has none to miss.
 */
export function startSnapshot(
  machine: OperationalStateMachine,
  point: RestorePoint,
  historySize: number | undefined,
): PersistedOperationalState {
  const base = createActor(machine, {
    input: { historySize },
  }).getPersistedSnapshot() as PersistedOperationalState & {
    context: Record<string, unknown>;
  };
  const size = base.context.historySize as number;
  return {
    ...base,
    status: point.state === 'stopped' ? 'done' : 'active',
    value: point.state,
    context: {
      ...base.context,
      claimPermission: point.claimPermission,
      degradationReasons: [...point.degradationReasons],
      transitionCount: point.transitionCount,
      history: (point.history ?? []).slice(-size),
    },
  } as unknown as PersistedOperationalState;
}

/** The actor's persisted snapshot, as `createOperationalState(target, { snapshot })` takes it back. */
export function persistedSnapshotOf(actor: Actor<OperationalStateMachine>): PersistedOperationalState {
  return actor.getPersistedSnapshot();
}
