import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOperationalState, OperationalStateEmitError } from '../../src/index.js';
import { capturingLogger, switchableStore } from '../support/stores.js';

const WS = 'ws-outage';
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a store outage, with the default retry policy', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drains within 2 s of the store coming back, and logs one warning and one info, not one line per transition', async () => {
    // Timers and clocks are simulated so a minute-long outage takes no time; setImmediate stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const store = switchableStore('reject');
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger });

    const triggers: string[] = [];
    for (let i = 0; i < 250; i++) {
      triggers.push(`posture update ${i}`);
      await rt.transitionTo('booting', `posture update ${i}`);
      await tick();
      if (i % 10 === 9) await vi.advanceTimersByTimeAsync(250);
    }
    await vi.advanceTimersByTimeAsync(60_000); // the store stays away a minute
    expect(store.failures).toBeGreaterThan(5);
    expect(rt.pendingEmits).toBe(250);
    expect(rt.current.primaryState).toBe('booting');

    store.down = false;
    let waitedMs = 0;
    while (rt.pendingEmits > 0 && waitedMs < 60_000) {
      await vi.advanceTimersByTimeAsync(50);
      await tick();
      waitedMs += 50;
    }
    expect(rt.pendingEmits).toBe(0);
    expect(waitedMs).toBeLessThanOrEqual(2000);
    const events = await store.read(WS, { limit: 1000 });
    expect(events.map((e) => e.payload.trigger)).toStrictEqual(triggers);

    const loud = logger.entries.filter((e) => e.level !== 'debug');
    expect(loud.map((e) => e.level)).toStrictEqual(['warn', 'info']);
    const [started, ended] = loud;
    expect(started?.fields.err).toBeInstanceOf(OperationalStateEmitError);
    expect(started?.fields.outage).toBe('started');
    expect(ended?.fields).toMatchObject({ outage: 'ended', transitions: 250, failedCalls: store.failures });
    expect(ended?.fields.durationMs).toBeGreaterThanOrEqual(60_000);
    expect(ended?.message).toMatch(/250 queued transition/);
    // Every failed call is still reported to the machine and to onEmit.
    expect(rt.emitFailures).toBe(store.failures);
    await rt.stop();
  });
});
