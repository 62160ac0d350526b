import type { EmitOutbox } from '../emit/outbox.js';
import type { Logger } from '../logger.js';
import { MAX_HISTORY_SIZE } from '../machine/context.js';
import type { MetricsOption } from '../metrics/options.js';
import type { PersistedOperationalState } from './start-snapshot.js';
import type { InspectOption, RuntimeCheckpoints, RuntimeOptions } from './types.js';

/*
 * The runtime options' checks, written out: the options schema (inputs.ts) is built from the same
 * predicates and bounds, and only runs, loading zod, when these refuse something and a message is due.
 */

export const isLogger = (v: unknown): v is Logger =>
  typeof v === 'object' && v !== null && typeof (v as Logger).error === 'function';
export const isInspectOption = (v: unknown): v is InspectOption =>
  v === true || typeof v === 'function' || (typeof v === 'object' && v !== null);
export const isCheckpointsOption = (v: unknown): v is RuntimeCheckpoints =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as RuntimeCheckpoints).onCheckpoint === 'function' &&
  (v as RuntimeCheckpoints).privateKey !== undefined;
export const isOutboxOption = (v: unknown): v is EmitOutbox =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as EmitOutbox).workspaceId === 'string' &&
  typeof (v as EmitOutbox).put === 'function' &&
  typeof (v as EmitOutbox).pending === 'function';
export const isMetricsOption = (v: unknown): v is MetricsOption =>
  typeof v === 'boolean' || (typeof v === 'object' && v !== null);
export const isSnapshotOption = (v: unknown): v is PersistedOperationalState =>
  typeof v === 'object' && v !== null;

/** Inclusive integer bounds of the numeric options. */
export const OPTION_BOUNDS = {
  historySize: [1, MAX_HISTORY_SIZE],
  appendTimeoutMs: [1, 3_600_000],
  maxQueuedEmits: [1, 10_000_000],
  retryDelayMs: [1, 3_600_000],
} as const;

const inBounds = (v: unknown, [min, max]: readonly [number, number]): boolean =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

const CHECKS: Readonly<Record<string, (v: unknown) => boolean>> = {
  logger: isLogger,
  historySize: (v) => inBounds(v, OPTION_BOUNDS.historySize),
  inspect: isInspectOption,
  appendTimeoutMs: (v) => inBounds(v, OPTION_BOUNDS.appendTimeoutMs),
  retry: () => true, // checked, and copied, below
  maxQueuedEmits: (v) => inBounds(v, OPTION_BOUNDS.maxQueuedEmits),
  checkpoints: isCheckpointsOption,
  outbox: isOutboxOption,
  metrics: isMetricsOption,
  snapshot: isSnapshotOption,
};
const RETRY_KEYS = ['initialDelayMs', 'maxDelayMs'] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The retry option as the schema returns it (a copy), or null when the written checks refuse it. */
function plainRetry(retry: unknown): RuntimeOptions['retry'] | null {
  if (!isPlainObject(retry)) return null;
  for (const key of Object.keys(retry)) if (!(RETRY_KEYS as readonly string[]).includes(key)) return null;
  const out: Record<string, number> = {};
  for (const key of RETRY_KEYS) {
    const v = retry[key];
    if (v === undefined) {
      if (key in retry) return null;
      continue;
    }
    if (!inBounds(v, OPTION_BOUNDS.retryDelayMs)) return null;
    out[key] = v as number;
  }
  return out;
}

/**
 * The options as the options schema returns them (a copy, keys in the schema's order), when they are a
 * plain object whose every field the written checks accept; null sends them to the schema, so what is
 * refused, and how it is worded, stays the schema's.
 */
export function plainOptions(options: unknown): RuntimeOptions | null {
  if (!isPlainObject(options)) return null;
  for (const key of Object.keys(options)) if (!(key in CHECKS)) return null;
  const out: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(CHECKS)) {
    const v = options[key];
    if (v === undefined) {
      // An own key holding undefined is kept by the schema as such: rare enough to leave to it.
      if (key in options) return null;
      continue;
    }
    if (key === 'retry') {
      const retry = plainRetry(v);
      if (retry === null) return null;
      out[key] = retry;
      continue;
    }
    if (!check(v)) return null;
    out[key] = v;
  }
  return out as RuntimeOptions;
}
