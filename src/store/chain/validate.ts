import { z } from 'zod';
import { ChainStoreError } from '../../errors.js';
import type { ReadOptions } from './types.js';

export const MAX_WORKSPACE_ID_LENGTH = 256;
export const DEFAULT_READ_LIMIT = 1000;
export const MAX_READ_LIMIT = 10_000;
/** The substrate's event-type shape: `kora.<family>.<name>`, lowercase, dotted. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function assertWorkspaceId(workspaceId: unknown): asserts workspaceId is string {
  if (
    typeof workspaceId !== 'string' ||
    workspaceId.length === 0 ||
    workspaceId.length > MAX_WORKSPACE_ID_LENGTH
  ) {
    throw new ChainStoreError(
      'invalid_input',
      `workspaceId must be a non-empty string of at most ${MAX_WORKSPACE_ID_LENGTH} characters, got ${JSON.stringify(workspaceId) ?? String(workspaceId)}`,
    );
  }
}

const ReadOptionsSchema = z
  .object({
    afterSeq: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(MAX_READ_LIMIT).optional(),
    eventTypePrefix: z.string().max(256).optional(),
  })
  .strict();

export function parseReadOptions(options: ReadOptions | undefined): Required<
  Omit<ReadOptions, 'eventTypePrefix'>
> & {
  eventTypePrefix: string;
} {
  const parsed = ReadOptionsSchema.safeParse(options ?? {});
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
