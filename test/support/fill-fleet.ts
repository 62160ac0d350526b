import { type ChainEventInput } from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';

/** `workspaces` chains of `events` transitions each (ready ⇄ active), appended straight to a SQLite file. */
export async function fillFleet(file: string, workspaces: number, events: number): Promise<void> {
  const store = await openSqliteChainStore({ file });
  for (let w = 0; w < workspaces; w += 1) {
    const batch: ChainEventInput[] = [];
    for (let i = 0; i < events; i += 1) {
      const [from, to] =
        i === 0 ? ['booting', 'ready'] : i % 2 === 1 ? ['ready', 'active'] : ['active', 'ready'];
      batch.push({
        eventType: GENERIC_TRANSITION_EVENT,
        payload: {
          from_primary_state: from as string,
          to_primary_state: to as string,
          claim_permission: 'normal',
          degradation_reasons: [],
          trigger: `step ${i}`,
        },
      });
    }
    await store.append(`ws-${String(w).padStart(4, '0')}`, batch);
  }
  await store.close();
}
