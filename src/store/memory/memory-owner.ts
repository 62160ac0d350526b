import type { AppendedEvent, ChainAnchor, ChainEventInput } from '../chain/types.js';
import { type OwnerClaim, WorkspaceFencedError, type WorkspaceOwnership } from '../chain/owner.js';
import { assertWorkspaceId } from '../chain/validate.js';
import type { VerifiableEvent } from '../chain/verify.js';

/** What the memory store lends its ownership: its rows and head, and its own append. */
export interface MemoryChainAccess {
  rows(workspaceId: string): readonly VerifiableEvent[];
  head(workspaceId: string): ChainAnchor | null;
  append(workspaceId: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]>;
  assertOpen(): void;
}

/**
 * Owners for the memory store. The epoch check and the append run in one synchronous stretch (the
 * memory append awaits nothing before it writes), so no claim can land between them.
 */
export function memoryOwnership(chain: MemoryChainAccess): WorkspaceOwnership {
  const claims = new Map<string, OwnerClaim[]>();
  const current = (ws: string) => claims.get(ws)?.at(-1) ?? null;
  return {
    async claim(workspaceId) {
      chain.assertOpen();
      assertWorkspaceId(workspaceId);
      const list = claims.get(workspaceId) ?? [];
      const claim: OwnerClaim = {
        workspaceId,
        epoch: (list.at(-1)?.epoch ?? 0) + 1,
        resumedFromSeq: chain.head(workspaceId)?.seq ?? 0,
        claimedAt: new Date().toISOString(),
      };
      claims.set(workspaceId, [...list, claim]);
      return claim;
    },
    async current(workspaceId) {
      chain.assertOpen();
      return current(workspaceId);
    },
    async claims(workspaceId) {
      chain.assertOpen();
      return [...(claims.get(workspaceId) ?? [])];
    },
    appendAsOwner(workspaceId, epoch, events) {
      const owner = current(workspaceId);
      if (owner?.epoch !== epoch) {
        return Promise.reject(new WorkspaceFencedError(workspaceId, epoch, owner?.epoch ?? null));
      }
      return chain.append(workspaceId, events);
    },
    async head(workspaceId) {
      chain.assertOpen();
      return chain.head(workspaceId);
    },
    async readStored(workspaceId, afterSeq, limit) {
      chain.assertOpen();
      // rows[i].seq === i + 1
      return chain.rows(workspaceId).slice(afterSeq, afterSeq + limit);
    },
  };
}
