import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import { describeError } from '../error-wording.js';
import { OperationalStateEmitError } from '../errors.js';
import type { ChainStore } from '../store/chain/types.js';

/**
 * Where emits go: a chain store connection and the workspace to append to, resolved per emit (the
 * original resolved the workspace lazily, so a provider can come up after the runtime).
 *
 * `connection` is writable on purpose: a provider that comes up later is an object whose connection is
 * set once the store is open, and every emit from then on uses it.
 *
 * ```ts
 * const provider: ChainProvider = { connection: null, resolveWorkspaceId: () => 'org_acme' };
 * const runtime = createOperationalState({ provider });
 * // …later, once the store is open:
 * provider.connection = await openSqliteChainStore({ file: './.opstate/chain.db' });
 * ```
 *
 * Until then every emit fails loudly (`chain store connection not initialized`) and is retried, in order.
 */
export interface ChainProvider {
  connection: ChainStore | null | undefined;
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
  return resolveEmitTargetNow(provider);
}

/**
 * The same checks, answered synchronously when the provider answers synchronously (the common case: a
 * fixed workspace), so the emit pipeline adds no promise hop per append; a promise only when
 * `resolveWorkspaceId` returns one. Throws (or rejects) OperationalStateEmitError.
 */
export function resolveEmitTargetNow(
  provider: ChainProvider | null | undefined,
): EmitTarget | Promise<EmitTarget> {
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
    workspaceId = provider.resolveWorkspaceId();
  } catch (err) {
    throw resolutionRaised(err);
  }
  if (isThenable(workspaceId)) {
    return Promise.resolve(workspaceId).then(
      (resolved) => checkedTarget(store, resolved),
      (err: unknown) => {
        throw resolutionRaised(err);
      },
    );
  }
  return checkedTarget(store, workspaceId);
}

function checkedTarget(store: ChainStore, workspaceId: unknown): EmitTarget {
  if (typeof workspaceId !== 'string' || workspaceId.length === 0) {
    throw new OperationalStateEmitError(
      GENERIC_TRANSITION_EVENT,
      `workspace_id is None/empty after resolution (got ${workspaceId === '' ? 'an empty string' : String(workspaceId)})`,
    );
  }
  return { store, workspaceId };
}

function resolutionRaised(err: unknown): OperationalStateEmitError {
  return new OperationalStateEmitError(
    GENERIC_TRANSITION_EVENT,
    `workspace_id resolution raised: ${describeError(err)}`,
    err,
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
