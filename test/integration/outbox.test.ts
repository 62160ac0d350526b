import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CommittedTransition,
  createMemoryChainStore,
  createOperationalState,
  EmitFlushTimeoutError,
  GENERIC_TRANSITION_EVENT,
  openPgliteOutbox,
} from '../../src/index.js';
import { capturingLogger, switchableStore, until } from '../support/stores.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };
const WS = 'ws-outbox';

describe('[pglite] durable emit outbox', () => {
  it('queued emits survive a restart and drain first on the next start, each exactly once', async () => {
    const dataDir = join(root, 'restart');
    const memory = createMemoryChainStore();
    const store = switchableStore('reject', memory);

    // First process: the store is down; every transition is acknowledged once it is in the outbox.
    let outbox = await openPgliteOutbox({ dataDir, closeOnSignals: false });
    const first = createOperationalState(
      { store, workspaceId: WS },
      { logger: capturingLogger(), retry: FAST_RETRY, outbox },
    );
    const before = ['all §9.2 gates pass', 'claim acquired', 'claim released'];
    await first.transitionTo('ready', before[0] ?? '');
    await first.transitionTo('active', before[1] ?? '');
    await first.transitionTo('ready', before[2] ?? '');
    await until(() => store.failures >= 2);
    expect((await outbox.pending()).map((e) => e.transition.trigger)).toStrictEqual(before);
    // "Restart": give up on the first runtime (its queue is abandoned in memory) and close the outbox.
    await expect(first.stop({ flushTimeoutMs: 20 })).rejects.toBeInstanceOf(EmitFlushTimeoutError);
    await outbox.close();
    expect(await memory.verify(WS)).toMatchObject({
      ok: false,
      firstDivergence: { kind: 'unknown_workspace' },
    });

    // Second process: the store is back; the leftovers go first, then the new transition.
    store.down = false;
    outbox = await openPgliteOutbox({ dataDir, closeOnSignals: false });
    const logger = capturingLogger();
    const second = createOperationalState({ store, workspaceId: WS }, { logger, retry: FAST_RETRY, outbox });
    await second.transitionTo('booting', 'after restart');
    await second.flush({ timeoutMs: 10_000 });
    const events = await memory.read(WS);
    expect(events.map((e) => e.payload.trigger)).toStrictEqual([
      'all §9.2 gates pass',
      'all §9.2 gates pass',
      'claim acquired',
      'claim released',
      'after restart',
    ]);
    expect(await memory.verify(WS)).toMatchObject({ ok: true, length: 5 });
    expect(await outbox.pending()).toStrictEqual([]);
    expect(logger.entries.some((e) => /left by an earlier process/.test(e.message ?? ''))).toBe(true);
    await second.stop();
    await outbox.close();
  });

  it('an entry that had landed before the crash comes back as a duplicate, not a second row', async () => {
    const dataDir = join(root, 'landed');
    const memory = createMemoryChainStore();
    const transition: CommittedTransition = {
      at: new Date().toISOString(),
      from: 'booting',
      to: 'booting',
      trigger: 'landed before the crash',
      claimPermission: 'none',
      degradationReasons: [],
      n: 1,
      previousClaimPermission: 'none',
      previousDegradationReasons: [],
      literal: null,
    };
    const events = [
      {
        eventType: GENERIC_TRANSITION_EVENT,
        payload: {
          from_primary_state: 'booting',
          to_primary_state: 'booting',
          claim_permission: 'none',
          degradation_reasons: [],
          trigger: 'landed before the crash',
        },
        correlationId: 'c-1',
        idempotencyKey: 'k-landed',
      },
    ];
    await memory.append(WS, events); // it landed…
    const outbox = await openPgliteOutbox({ dataDir, closeOnSignals: false });
    await outbox.put({ transition, events }); // …but the process died before removing its entry
    const rt = createOperationalState(
      { store: memory, workspaceId: WS },
      { logger: capturingLogger(), retry: FAST_RETRY, outbox },
    );
    const outcomes: boolean[] = [];
    rt.onEmit((o) => {
      if (o.ok) outcomes.push(o.events.every((e) => e.duplicate));
    });
    await rt.flush({ timeoutMs: 10_000 });
    expect(outcomes).toStrictEqual([true]);
    expect((await memory.read(WS)).map((e) => e.payload.trigger)).toStrictEqual(['landed before the crash']);
    expect(await outbox.pending()).toStrictEqual([]);
    await rt.stop();
    await outbox.close();
  });
});
