import { z } from 'zod';
import { TriggerSchema } from '../domain/trigger.js';
import {
  ClaimPermissionSchema,
  DegradationReasonSchema,
  PRIMARY_STATES,
  type PrimaryState,
  PrimaryStateSchema,
} from '../domain/vocabulary.js';
import { describeError } from '../error-wording.js';
import type { ChainProvider } from '../emit/provider.js';
import type { EmitOutbox } from '../emit/outbox.js';
import { OperationalStateInputError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MetricsOption } from '../metrics/options.js';
import { MAX_HISTORY_SIZE } from '../machine/context.js';
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

const OptionsSchema = z
  .object({
    logger: z.custom<Logger>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Logger).error === 'function',
      {
        message: 'logger must have error/warn/info/debug methods',
      },
    ),
    historySize: z.number().int().min(1).max(MAX_HISTORY_SIZE),
    inspect: z.custom<InspectOption>(
      (v) => v === true || typeof v === 'function' || (typeof v === 'object' && v !== null),
      { message: 'inspect must be true, an inspector handle, a recorder or an inspection observer' },
    ),
    appendTimeoutMs: z.number().int().min(1).max(3_600_000),
    retry: z
      .object({
        initialDelayMs: z.number().int().min(1).max(3_600_000).optional(),
        maxDelayMs: z.number().int().min(1).max(3_600_000).optional(),
      })
      .strict(),
    maxQueuedEmits: z.number().int().min(1).max(10_000_000),
    checkpoints: z.custom<RuntimeCheckpoints>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as RuntimeCheckpoints).onCheckpoint === 'function' &&
        (v as RuntimeCheckpoints).privateKey !== undefined,
      { message: 'checkpoints must be { privateKey, onCheckpoint, everyEvents?, everyMs? }' },
    ),
    outbox: z.custom<EmitOutbox>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as EmitOutbox).put === 'function' &&
        typeof (v as EmitOutbox).pending === 'function',
      { message: 'outbox must have put/remove/pending/close' },
    ),
    // Its forms are told apart, and a bad one named, by resolveMetrics.
    metrics: z.custom<MetricsOption>((v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null), {
      message:
        'metrics must be a boolean, a MeterProvider, a Meter or { meter?, meterProvider?, workspaceAttribute? }',
    }),
    // Checked in full by restorePoint (start-snapshot.ts), which names the bad field.
    snapshot: z.custom<PersistedOperationalState>((v) => typeof v === 'object' && v !== null, {
      message: 'snapshot must be an object from runtime.getPersistedSnapshot()',
    }),
  })
  .partial()
  .strict();

/** The options, validated and copied (a getter is read once). */
export function parseOptions(options: unknown): RuntimeOptions {
  return readInput('options', options, () => {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) throw inputErrorFrom(parsed.error, options, 'options');
    return parsed.data as RuntimeOptions;
  });
}

const PostureSchema = z
  .object({
    claimPermission: ClaimPermissionSchema.optional(),
    addReasons: z.array(DegradationReasonSchema).max(64).optional(),
    removeReasons: z.array(DegradationReasonSchema).max(64).optional(),
  })
  .strict();

/** A transitionTo request, validated: the target state, the trigger and the posture change. */
export interface TransitionRequest {
  readonly to: PrimaryState;
  readonly trigger: string;
  readonly posture: z.infer<typeof PostureSchema>;
}

export function parseTransitionRequest(to: unknown, trigger: unknown, posture: unknown): TransitionRequest {
  // Each read guarded: zod itself may throw on a hostile value (a revoked proxy throws on any look).
  const toParsed = readInput('to', to, () => PrimaryStateSchema.safeParse(to));
  if (!toParsed.success)
    throw new OperationalStateInputError('to', to, `expected one of ${PRIMARY_STATES.join(', ')}`);
  const trig = readInput('trigger', trigger, () => TriggerSchema.safeParse(trigger));
  if (!trig.success)
    throw readInput('trigger', trigger, () => inputErrorFrom(trig.error, trigger, 'trigger'));
  const postureData = readInput('posture', posture, () => {
    const parsed = PostureSchema.safeParse(posture);
    if (!parsed.success) throw inputErrorFrom(parsed.error, posture, 'posture');
    return parsed.data;
  });
  return { to: toParsed.data, trigger: trig.data, posture: postureData satisfies PostureChange };
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
