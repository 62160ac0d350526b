import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import { OperationalStateEmitError } from '../errors.js';
import type { ChainStore } from '../store/chain/types.js';

/**
 * Where emits go: a chain store connection and the workspace to append to, resolved per emit (the
 * original resolved the workspace lazily, so a provider can come up after the runtime).
 */
export interface ChainProvider {
  readonly connection: ChainStore | null | undefined;
  resolveWorkspaceId(): string | null | undefined | Promise<string | null | undefined>;
}

export interface EmitTarget {
  readonly store: ChainStore;
  readonly workspaceId: string;
}

/**
 * The original's four preflight checks, in order; each failure is an OperationalStateEmitError for the
 * generic event with the original's cause wording.
 */
export async function resolveEmitTarget(provider: ChainProvider | null | undefined): Promise<EmitTarget> {
  if (provider === null || provider === undefined) {
    throw new OperationalStateEmitError(
      GENERIC_TRANSITION_EVENT,
      'chain provider is None (null or undefined); cannot emit operational-state event',
    );
  }
  const store = provider.connection;
  if (store === null || store === undefined) {
    throw new OperationalStateEmitError(GENERIC_TRANSITION_EVENT, 'chain store connection not initialized');
  }
  let workspaceId: unknown;
  try {
    workspaceId = await provider.resolveWorkspaceId();
  } catch (err) {
    throw new OperationalStateEmitError(
      GENERIC_TRANSITION_EVENT,
      `workspace_id resolution raised: ${describeError(err)}`,
      err,
    );
  }
  if (typeof workspaceId !== 'string' || workspaceId.length === 0) {
    throw new OperationalStateEmitError(
      GENERIC_TRANSITION_EVENT,
      `workspace_id is None/empty after resolution (got ${workspaceId === '' ? 'an empty string' : String(workspaceId)})`,
    );
  }
  return { store, workspaceId };
}

/** `Name('message')`, like Python's repr of an exception, for causes. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}(${JSON.stringify(err.message)})`;
  try {
    return `thrown ${typeof err}: ${JSON.stringify(err)}`;
  } catch {
    return `thrown ${typeof err}`;
  }
}
