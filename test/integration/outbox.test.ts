import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  EmitFlushTimeoutError,
  openPostgresChainStore,
  openSqliteOutbox,
} from '../../src/index.js';
import { type CommittedTransition, GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace, PG_URL } from '../support/engines.js';
import { capturingLogger, switchableStore, until } from '../support/stores.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };
const WS = 'ws-outbox';
const AGENT = join(import.meta.dirname, 'fixtures', 'agent.ts');

describe('[sqlite] durable emit outbox', () => {
  it('queued emits survive a restart and drain first on the next start, each exactly once', async () => {
    const file = join(root, 'restart', 'outbox.db');
    const memory = createMemoryChainStore();
    const store = switchableStore('reject', memory);

    // First process: the store is down; every transition is acknowledged once it is in the outbox.
    let outbox = await openSqliteOutbox({ file, workspaceId: WS });
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
    outbox = await openSqliteOutbox({ file, workspaceId: WS });
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
    const file = join(root, 'landed', 'outbox.db');
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
    const outbox = await openSqliteOutbox({ file, workspaceId: WS });
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

/** Starts the agent fixture in `outbox` mode; `lines` collects its stdout. */
function spawnAgent(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', AGENT, 'outbox', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, lines, exited, stderr: () => stderr };
}

describe.skipIf(PG_URL === null)(
  '[sqlite outbox, postgres store] an agent killed while its server is away',
  () => {
    it('its emits survive SIGKILL and drain first on restart, in order, exactly once', async () => {
      const file = join(root, 'killed', 'outbox.db');
      const ws = freshWorkspace('outbox-kill');
      // A port nobody listens on: every append is refused, so everything stays in the outbox.
      const away = new URL(PG_URL ?? '');
      away.port = String(await closedPort());
      const first = spawnAgent([away.toString(), file, ws, '0', '20']);
      await until(() => first.lines.filter((l) => l.startsWith('stored')).length === 20, 30_000).catch(() => {
        throw new Error(`agent did not store its emits: ${first.stderr()}`);
      });
      // While it runs, the outbox is its own: a second opener is refused.
      await expect(openSqliteOutbox({ file, workspaceId: ws })).rejects.toMatchObject({ kind: 'locked' });
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect(first.lines).not.toContain('flushed');

      // Restart against the real server (migrated): the 20 leftovers go first, then 5 new transitions.
      const store = await openPostgresChainStore({ connectionString: PG_URL ?? '' });
      const second = spawnAgent([PG_URL ?? '', file, ws, '20', '5']);
      expect(await second.exited).toBe(0);
      expect(second.lines.at(-1)).toBe('flushed');

      try {
        const events = await store.read(ws, { limit: 10_000 });
        const triggers = events
          .filter((e) => e.eventType === GENERIC_TRANSITION_EVENT)
          .map((e) => e.payload.trigger);
        expect(triggers).toStrictEqual(Array.from({ length: 25 }, (_, i) => `posture update ${i}`));
        expect(await store.verify(ws)).toMatchObject({ ok: true, length: 25 });
      } finally {
        await store.close();
      }
      const outbox = await openSqliteOutbox({ file, workspaceId: ws });
      expect(await outbox.pending()).toStrictEqual([]);
      await outbox.close();
    }, 90_000);
  },
);

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
