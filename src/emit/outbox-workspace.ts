import { OutboxWorkspaceError } from '../store/outbox.js';
import type { ChainProvider } from './provider.js';

/** The error for a runtime of `workspaceId` given an outbox that queues for `outboxWorkspaceId`. */
export function outboxMismatch(outboxWorkspaceId: string, workspaceId: string): OutboxWorkspaceError {
  return new OutboxWorkspaceError(
    'workspace_mismatch',
    { outbox: `for workspace '${outboxWorkspaceId}'`, workspaceId, heldFor: [outboxWorkspaceId], entries: 0 },
    `the outbox was opened for workspace '${outboxWorkspaceId}', but this runtime appends to workspace ` +
      `'${workspaceId}': its entries would land in the wrong chain; open the outbox with workspaceId ` +
      `'${workspaceId}' (a file of its own) instead`,
  );
}

/**
 * The provider as the emit pipeline sees it when it journals to an outbox: a workspace resolved per emit
 * that is not the outbox's fails the attempt (retried, so the entry stays queued and in the outbox)
 * instead of appending the outbox's entries to another workspace's chain.
 */
export function outboxBoundProvider(provider: ChainProvider, outboxWorkspaceId: string): ChainProvider {
  const checked = (resolved: string | null | undefined) => {
    if (typeof resolved === 'string' && resolved.length > 0 && resolved !== outboxWorkspaceId) {
      throw outboxMismatch(outboxWorkspaceId, resolved);
    }
    return resolved;
  };
  return {
    // Read through: a provider's connection may be set after the runtime starts.
    get connection() {
      return provider.connection;
    },
    set connection(store) {
      provider.connection = store;
    },
    resolveWorkspaceId() {
      const resolved = provider.resolveWorkspaceId();
      return typeof resolved === 'object' && resolved !== null
        ? Promise.resolve(resolved).then(checked)
        : checked(resolved);
    },
  };
}
