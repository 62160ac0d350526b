import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOperationalState, OperationalStateEmitError } from '../../src/index.js';
import { capturingLogger, switchableStore } from '../support/stores.js';

const WS = 'ws-outage';
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a store outage, with the default retry policy', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drains within 2 s of the store coming back, and logs one error and one info, not one line per transition', async () => {
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
    expect(loud.map((e) => e.level)).toStrictEqual(['error', 'info']);
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

  it('fail loud means error: the first failure of an outage is an error with the OperationalStateEmitError as err, retries debug, recovery info with count and duration', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const store = switchableStore('reject');
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger });
    await rt.transitionTo('ready', 'gates pass');
    await rt.transitionTo('active', 'claim');
    await tick();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.failures).toBeGreaterThanOrEqual(3);
    store.down = false;
    for (let i = 0; i < 100 && rt.pendingEmits > 0; i++) {
      await vi.advanceTimersByTimeAsync(100);
      await tick();
    }
    expect(rt.pendingEmits).toBe(0);

    const [first, ...rest] = logger.entries;
    expect(first?.level).toBe('error');
    expect(first?.fields.err).toBeInstanceOf(OperationalStateEmitError);
    expect((first?.fields.err as Error).name).toBe('OperationalStateEmitError');
    expect(first?.message?.startsWith((first?.fields.err as Error).message)).toBe(true);
    const retries = rest.slice(0, -1);
    expect(retries.length).toBe(store.failures - 1);
    expect(new Set(retries.map((e) => e.level))).toStrictEqual(new Set(['debug']));
    const recovery = rest.at(-1);
    expect(recovery?.level).toBe('info');
    expect(recovery?.fields).toMatchObject({ outage: 'ended', transitions: 2, failedCalls: store.failures });
    expect(recovery?.fields.durationMs).toBeGreaterThanOrEqual(5_000);
    await rt.stop();
  });
});
