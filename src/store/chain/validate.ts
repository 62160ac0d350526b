import { LONE_SURROGATE } from '../../domain/trigger.js';
import { ChainStoreError } from '../../errors.js';
import { onDemand } from '../../util/zod-on-demand.js';
import type { FleetSummaryOptions, ReadOptions } from './types.js';

export const MAX_WORKSPACE_ID_LENGTH = 256;
export const DEFAULT_READ_LIMIT = 1000;
export const MAX_READ_LIMIT = 10_000;
/** The substrate's event-type shape: `kora.<family>.<name>`, lowercase, dotted. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * A workspace id is a non-empty string of at most 256 characters (code points, as the databases' CHECK
 * constraints count them: an emoji is one), well-formed Unicode (no lone
 * surrogate: encoders replace one with U+FFFD, so `ws-\ud800` and `ws-\udbff` would share a chain and
 * a genesis hash) and without U+0000 (which PostgreSQL cannot store). Throws `ChainStoreError`
 * (`invalid_input`) naming the value.
 */
export function assertWorkspaceId(workspaceId: unknown): asserts workspaceId is string {
  const problem = workspaceIdProblem(workspaceId);
  if (problem !== null) {
    throw new ChainStoreError('invalid_input', `${problem}, got ${describeWorkspaceId(workspaceId)}`);
  }
}

/** Why `workspaceId` is not a valid workspace id, or null when it is. */
export function workspaceIdProblem(workspaceId: unknown): string | null {
  if (typeof workspaceId !== 'string' || workspaceId.length === 0 || tooLong(workspaceId)) {
    return `workspaceId must be a non-empty string of at most ${MAX_WORKSPACE_ID_LENGTH} characters`;
  }
  if (LONE_SURROGATE.test(workspaceId)) {
    return 'workspaceId contains a lone surrogate (ill-formed Unicode), which would collide with other ids once encoded';
  }
  if (workspaceId.includes('\u0000')) return 'workspaceId contains U+0000, which PostgreSQL cannot store';
  return null;
}

/** More than MAX_WORKSPACE_ID_LENGTH code points (a surrogate pair is one), counted only when it could be. */
function tooLong(id: string): boolean {
  if (id.length <= MAX_WORKSPACE_ID_LENGTH) return false;
  if (id.length > 2 * MAX_WORKSPACE_ID_LENGTH) return true;
  let codePoints = 0;
  for (const _ of id) codePoints += 1;
  return codePoints > MAX_WORKSPACE_ID_LENGTH;
}

/** JSON.stringify writes lone surrogates as `\u` escapes, so the message shows exactly what was given. */
function describeWorkspaceId(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return JSON.stringify(value) ?? String(value);
}

/** The longest `eventTypePrefix` a read accepts (event types are at most this long too). */
export const MAX_EVENT_TYPE_PREFIX = 256;

/** The read options schema: it words what plainReadOptions refuses. */
export const readOptionsSchema = onDemand((z) =>
  z
    .object({
      afterSeq: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(MAX_READ_LIMIT).optional(),
      eventTypePrefix: z.string().max(MAX_EVENT_TYPE_PREFIX).optional(),
    })
    .strict(),
);

const fleetSummaryOptionsSchema = onDemand((z) =>
  z
    .object({
      after: z.string().optional(),
      limit: z.number().int().min(1).optional(),
    })
    .strict(),
);

/** Checks a fleet summary page request; `null` stands for "from the first" and "all". */
export function parseFleetSummaryOptions(options: FleetSummaryOptions | undefined): {
  after: string | null;
  limit: number | null;
} {
  const parsed = fleetSummaryOptionsSchema().safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ChainStoreError(
      'invalid_input',
      `invalid fleet summary options: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''} (got ${JSON.stringify(options)})`,
    );
  }
  return { after: parsed.data.after ?? null, limit: parsed.data.limit ?? null };
}

export function parseReadOptions(options: ReadOptions | undefined): Required<
  Omit<ReadOptions, 'eventTypePrefix'>
> & {
  eventTypePrefix: string;
} {
  const plain = plainReadOptions(options);
  if (plain !== null) return plain;
  const parsed = readOptionsSchema().safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ChainStoreError(
      'invalid_input',
      `invalid read options: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return {
    afterSeq: parsed.data.afterSeq ?? 0,
    limit: parsed.data.limit ?? DEFAULT_READ_LIMIT,
    eventTypePrefix: parsed.data.eventTypePrefix ?? '',
  };
}

const READ_OPTION_KEYS: ReadonlySet<string> = new Set(['afterSeq', 'limit', 'eventTypePrefix']);

/** The options with their defaults when the written checks accept every field; null leaves them to zod. */
function plainReadOptions(options: ReadOptions | undefined): ReturnType<typeof parseReadOptions> | null {
  if (options === undefined) return { afterSeq: 0, limit: DEFAULT_READ_LIMIT, eventTypePrefix: '' };
  const proto: unknown = typeof options === 'object' && options !== null ? Object.getPrototypeOf(options) : 0;
  if (proto !== Object.prototype && proto !== null) return null;
  for (const key of Object.keys(options)) if (!READ_OPTION_KEYS.has(key)) return null;
  const { afterSeq, limit, eventTypePrefix } = options;
  if (afterSeq !== undefined && !(Number.isSafeInteger(afterSeq) && afterSeq >= 0)) return null;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_READ_LIMIT))
    return null;
  if (
    eventTypePrefix !== undefined &&
    !(typeof eventTypePrefix === 'string' && eventTypePrefix.length <= MAX_EVENT_TYPE_PREFIX)
  ) {
    return null;
  }
  return {
    afterSeq: afterSeq ?? 0,
    limit: limit ?? DEFAULT_READ_LIMIT,
    eventTypePrefix: eventTypePrefix ?? '',
  };
}
