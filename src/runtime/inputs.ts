import type { z } from 'zod';
import { chartSchemas } from '../domain/chart-schemas-on-demand.js';
import { MAX_POSTURE_REASONS } from '../domain/chart-schemas.js';
import { isTrigger } from '../domain/trigger.js';
import { isPrimaryState, PRIMARY_STATES, type PrimaryState } from '../domain/vocabulary.js';
import { describeError } from '../error-wording.js';
import type { ChainProvider } from '../emit/provider.js';
import type { EmitOutbox } from '../emit/outbox.js';
import { OperationalStateInputError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MetricsOption } from '../metrics/options.js';
import type { OperationalStateEvent } from '../machine/events.js';
import { inputErrorFrom, parseOperationalStateEvent } from '../machine/parse.js';
import type { ChainStore } from '../store/chain/types.js';
import { workspaceIdProblem } from '../store/chain/validate.js';
import type {
  InspectOption,
  PostureChange,
  RuntimeCheckpoints,
  RuntimeOptions,
  RuntimeTarget,
} from './types.js';
import type { PersistedOperationalState } from './start-snapshot.js';
import { onDemand } from '../util/zod-on-demand.js';
import {
  isCheckpointsOption,
  isInspectOption,
  isLogger,
  isMetricsOption,
  isOutboxOption,
  isSnapshotOption,
  OPTION_BOUNDS,
  plainOptions,
} from './plain-options.js';

/*
 * Everything a caller hands the runtime is read here, once, into plain validated values. Reading can
 * itself fail (a getter that throws, a revoked proxy): that is bad input too, and surfaces as
 * OperationalStateInputError naming the argument, never as a raw Error or TypeError.
 */

/** Runs `read`; anything it throws other than our input error becomes one, naming `field`. */
export function readInput<T>(field: string, raw: unknown, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof OperationalStateInputError) throw err;
    throw new OperationalStateInputError(field, raw, `could not be read (${describeError(err)})`);
  }
}

/** The options schema: it words what the written checks (plain-options.ts) refuse. */
export const optionsSchema = onDemand((z) => {
  const int = ([min, max]: readonly [number, number]) => z.number().int().min(min).max(max);
  return z
    .object({
      logger: z.custom<Logger>(isLogger, { message: 'logger must have error/warn/info/debug methods' }),
      historySize: int(OPTION_BOUNDS.historySize),
      inspect: z.custom<InspectOption>(isInspectOption, {
        message: 'inspect must be true, an inspector handle, a recorder or an inspection observer',
      }),
      appendTimeoutMs: int(OPTION_BOUNDS.appendTimeoutMs),
      retry: z
        .object({
          initialDelayMs: int(OPTION_BOUNDS.retryDelayMs).optional(),
          maxDelayMs: int(OPTION_BOUNDS.retryDelayMs).optional(),
        })
        .strict(),
      maxQueuedEmits: int(OPTION_BOUNDS.maxQueuedEmits),
      checkpoints: z.custom<RuntimeCheckpoints>(isCheckpointsOption, {
        message: 'checkpoints must be { privateKey, onCheckpoint, everyEvents?, everyMs? }',
      }),
      outbox: z.custom<EmitOutbox>(isOutboxOption, {
        message: 'outbox must have workspaceId and put/remove/pending/close',
      }),
      // Its forms are told apart, and a bad one named, by resolveMetrics.
      metrics: z.custom<MetricsOption>(isMetricsOption, {
        message:
          'metrics must be a boolean, a MeterProvider, a Meter or { meter?, meterProvider?, workspaceAttribute? }',
      }),
      // Checked in full by restorePoint (start-snapshot.ts), which names the bad field.
      snapshot: z.custom<PersistedOperationalState>(isSnapshotOption, {
        message: 'snapshot must be an object from runtime.getPersistedSnapshot()',
      }),
    })
    .partial()
    .strict();
});

/** The options, validated and copied (a getter is read once). */
export function parseOptions(options: unknown): RuntimeOptions {
  return readInput('options', options, () => {
    const plain = plainOptions(options);
    if (plain !== null) return plain;
    const parsed = optionsSchema().safeParse(options);
    if (!parsed.success) throw inputErrorFrom(parsed.error, options, 'options');
    return parsed.data as RuntimeOptions;
  });
}

const postureSchema = onDemand((z) => {
  const { ClaimPermissionSchema, DegradationReasonSchema } = chartSchemas();
  return z
    .object({
      claimPermission: ClaimPermissionSchema.optional(),
      addReasons: z.array(DegradationReasonSchema).max(MAX_POSTURE_REASONS).optional(),
      removeReasons: z.array(DegradationReasonSchema).max(MAX_POSTURE_REASONS).optional(),
    })
    .strict();
});

/** A transitionTo request, validated: the target state, the trigger and the posture change. */
export interface TransitionRequest {
  readonly to: PrimaryState;
  readonly trigger: string;
  readonly posture: z.infer<ReturnType<typeof postureSchema>>;
}

export function parseTransitionRequest(to: unknown, trigger: unknown, posture: unknown): TransitionRequest {
  // Each read guarded: zod itself may throw on a hostile value (a revoked proxy throws on any look).
  if (!isPrimaryState(to))
    throw new OperationalStateInputError('to', to, `expected one of ${PRIMARY_STATES.join(', ')}`);
  const trig = isTrigger(trigger) ? trigger : triggerFromSchema(trigger);
  const postureData = readInput('posture', posture, () => {
    // The default posture, `{}`, needs no schema.
    if (isEmptyPlainObject(posture)) return {};
    const parsed = postureSchema().safeParse(posture);
    if (!parsed.success) throw inputErrorFrom(parsed.error, posture, 'posture');
    return parsed.data;
  });
  return { to, trigger: trig, posture: postureData satisfies PostureChange };
}

/** A trigger the written check refused, as TriggerSchema words what is wrong with it. */
function triggerFromSchema(trigger: unknown): string {
  const parsed = readInput('trigger', trigger, () => chartSchemas().TriggerSchema.safeParse(trigger));
  if (!parsed.success)
    throw readInput('trigger', trigger, () => inputErrorFrom(parsed.error, trigger, 'trigger'));
  return parsed.data;
}

function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Reflect.ownKeys(value).length === 0;
}

/** A typed event, validated and copied. */
export function parseEvent(raw: unknown): OperationalStateEvent {
  return readInput('event', raw, () => parseOperationalStateEvent(raw));
}

/** The chain provider a target names, read once. */
export function providerOf(target: RuntimeTarget): ChainProvider {
  return readInput('target', target, () => readTarget(target));
}

function readTarget(target: RuntimeTarget): ChainProvider {
  if (typeof target !== 'object' || target === null) {
    throw new OperationalStateInputError('target', target, 'expected { store, workspaceId } or { provider }');
  }
  if ('provider' in target) {
    // Both shapes at once name two targets; appending to either one would silently ignore the other.
    const extra = ['store', 'workspaceId'].filter(
      (k) => (target as unknown as Record<string, unknown>)[k] !== undefined,
    );
    if (extra.length > 0) {
      throw new OperationalStateInputError(
        'target',
        Object.keys(target),
        `expected { store, workspaceId } or { provider }, not both: remove ${extra.join(' and ')} or provider`,
      );
    }
    const p = target.provider;
    if (typeof p !== 'object' || p === null || typeof p.resolveWorkspaceId !== 'function') {
      throw new OperationalStateInputError('provider', p, 'expected { connection, resolveWorkspaceId() }');
    }
    return p;
  }
  const store = readInput('store', target, () => (target as { store?: unknown }).store);
  const workspaceId = readInput(
    'workspaceId',
    target,
    () => (target as { workspaceId?: unknown }).workspaceId,
  );
  // The stores' own rule, up front: a runtime on an id no store accepts would fail every emit instead.
  const problem = workspaceIdProblem(workspaceId);
  if (problem !== null || typeof workspaceId !== 'string') {
    throw new OperationalStateInputError('workspaceId', workspaceId, problem ?? 'expected a string');
  }
  if (typeof store !== 'object' || store === null || typeof (store as ChainStore).append !== 'function') {
    throw new OperationalStateInputError(
      'store',
      store,
      'expected a ChainStore (append, read, verify, close)',
    );
  }
  return { connection: store as ChainStore, resolveWorkspaceId: () => workspaceId };
}
