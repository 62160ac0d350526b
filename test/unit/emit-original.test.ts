/*
 * The 18 emit cases of the original tests/test_operational_state_emit.py, ported to the TypeScript API.
 * The store is a real memory store behind a recorder, standing in for the MCP append tool.
 */
import { describe, expect, it } from 'vitest';
import { type ChainProvider, OperationalStateEmitError } from '../../src/index.js';
import {
  BOOT_FAILED_EVENT,
  BOOT_READY_EVENT,
  GENERIC_TRANSITION_EVENT,
  PAUSED_COST_LIMIT_EVENT,
} from '../../src/machine/index.js';
import {
  buildPayload,
  emitStateTransition,
  makeEmitListener,
  makeSnapshot,
  selectExtraLiteral,
} from '../../src/original.js';
import { recordingStore } from '../support/stores.js';

const WS = 'org_test_workspace';
const snap = makeSnapshot;

function provider(overrides: Partial<ChainProvider> = {}) {
  const store = recordingStore();
  const p: ChainProvider = { connection: store, resolveWorkspaceId: () => WS, ...overrides };
  return { p, store };
}

async function emitError(promise: Promise<unknown>): Promise<OperationalStateEmitError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OperationalStateEmitError);
  return err as OperationalStateEmitError;
}

describe('payload', () => {
  it('1. payload shape matches the spec, reasons sorted', () => {
    const payload = buildPayload(
      snap('booting', 'none', []),
      snap('ready', 'normal', ['dispatch', 'auth']),
      'all §9.2 gates pass',
    );
    expect(payload).toStrictEqual({
      from_primary_state: 'booting',
      to_primary_state: 'ready',
      claim_permission: 'normal',
      degradation_reasons: ['auth', 'dispatch'],
      trigger: 'all §9.2 gates pass',
    });
  });

  it('2. payload reflects the NEW claim permission and reasons', () => {
    const payload = buildPayload(
      snap('ready', 'critical_only', ['cost']),
      snap('ready', 'normal', []),
      'monthly credit refresh confirmed',
    );
    expect(payload.degradation_reasons).toStrictEqual([]);
    expect(payload.claim_permission).toBe('normal');
  });
});

describe('per-trigger literal selection', () => {
  const booting = snap('booting', 'none', []);
  it('3. booting → ready with gates passed selects kora.boot.ready', () => {
    expect(selectExtraLiteral(booting, snap('ready', 'none', []), 'all §9.2 gates pass')).toBe(
      BOOT_READY_EVENT,
    );
  });
  it('4. booting → ready with another trigger selects nothing', () => {
    expect(selectExtraLiteral(booting, snap('ready', 'none', []), 'some other trigger')).toBeNull();
  });
  it('5. booting → stopped on invariant gate failure selects kora.boot.failed', () => {
    expect(
      selectExtraLiteral(
        booting,
        snap('stopped', 'none', []),
        'invariant gate failure, or retry budget exhausted',
      ),
    ).toBe(BOOT_FAILED_EVENT);
  });
  it('6. booting → stopped by operator stop selects nothing', () => {
    expect(selectExtraLiteral(booting, snap('stopped', 'none', []), 'STOP-KORA L4/L5')).toBeNull();
    expect(selectExtraLiteral(booting, snap('stopped', 'none', []), 'retry budget exhausted')).toBeNull();
  });
  it('7. any → paused with cost 100% selects kora.paused.cost_limit', () => {
    for (const from of ['ready', 'active', 'booting'] as const) {
      expect(
        selectExtraLiteral(
          snap(from, 'none', []),
          snap('paused', 'none', []),
          'STOP-KORA L1–3, cost 100%, operator',
        ),
      ).toBe(PAUSED_COST_LIMIT_EVENT);
    }
  });
  it('8. operator pause selects nothing', () => {
    expect(
      selectExtraLiteral(
        snap('ready', 'none', []),
        snap('paused', 'none', []),
        'operator clears via kora_control',
      ),
    ).toBeNull();
  });
  it('9. substrate pause selects nothing', () => {
    expect(
      selectExtraLiteral(
        snap('booting', 'none', []),
        snap('paused', 'none', []),
        'gate 3b epoch mismatch (§9.8)',
      ),
    ).toBeNull();
  });
  it('10. substring match is lenient', () => {
    for (const trigger of [
      'cost 100%',
      'cost 100% — auto-pause',
      'STOP-KORA L2: cost 100% triggered budget watcher',
    ]) {
      expect(selectExtraLiteral(snap('active', 'none', []), snap('paused', 'none', []), trigger)).toBe(
        PAUSED_COST_LIMIT_EVENT,
      );
    }
  });
});

describe('emitStateTransition preflight (fail-loud)', () => {
  const from = snap('ready', 'normal', []);
  const to = snap('active', 'normal', []);

  it('11. raises when the provider is None', async () => {
    const err = await emitError(emitStateTransition(null, from, to, 'claim acquired'));
    expect(err.eventType).toBe(GENERIC_TRANSITION_EVENT);
    expect(err.cause).toContain('provider is None');
  });
  it('12. raises when the connection is missing', async () => {
    const { p } = provider({ connection: null });
    const err = await emitError(emitStateTransition(p, from, to, 'claim acquired'));
    expect(err.cause).toContain('connection not initialized');
  });
  it('13. raises when workspace id resolution fails', async () => {
    const { p, store } = provider({
      resolveWorkspaceId: () => {
        throw new RuntimeError('resolver exploded');
      },
    });
    const err = await emitError(emitStateTransition(p, from, to, 'claim acquired'));
    expect(err.cause).toContain('workspace_id resolution raised');
    expect(err.cause).toContain('resolver exploded');
    expect(store.calls).toHaveLength(0);
  });
  it('14. raises when the workspace id is empty', async () => {
    const { p } = provider({ resolveWorkspaceId: () => '' });
    const err = await emitError(emitStateTransition(p, from, to, 'claim acquired'));
    expect(err.cause).toContain('workspace_id is None/empty');
  });
});

describe('emitStateTransition appends', () => {
  it('15. writes the generic event with the payload', async () => {
    const { p, store } = provider();
    await emitStateTransition(p, snap('ready', 'normal', []), snap('active', 'normal', []), 'claim acquired');
    expect(store.calls).toHaveLength(1);
    const call = store.calls[0];
    expect(call?.workspaceId).toBe(WS);
    expect(call?.events.map((e) => e.eventType)).toStrictEqual([GENERIC_TRANSITION_EVENT]);
    expect(call?.events[0]?.payload).toMatchObject({
      from_primary_state: 'ready',
      to_primary_state: 'active',
      trigger: 'claim acquired',
    });
  });
  it('16. writes generic then kora.boot.ready with identical payloads and one correlation id', async () => {
    const { p, store } = provider();
    const appended = await emitStateTransition(
      p,
      snap('booting', 'none', []),
      snap('ready', 'normal', []),
      'all §9.2 gates pass',
    );
    expect(appended.map((e) => e.eventType)).toStrictEqual([GENERIC_TRANSITION_EVENT, BOOT_READY_EVENT]);
    expect(appended.map((e) => e.seq)).toStrictEqual([1, 2]);
    expect(appended[1]?.payload).toStrictEqual(appended[0]?.payload);
    expect(appended[0]?.correlationId).toBeTruthy();
    expect(appended[1]?.correlationId).toBe(appended[0]?.correlationId);
    expect(appended[0]?.idempotencyKey).not.toBe(appended[1]?.idempotencyKey);
    // One all-or-nothing store call, not two.
    expect(store.calls).toHaveLength(1);
    expect((await store.read(WS)).map((e) => e.eventType)).toStrictEqual([
      GENERIC_TRANSITION_EVENT,
      BOOT_READY_EVENT,
    ]);
  });
  it('17. raises on store failure with the generic event type and the cause', async () => {
    const p: ChainProvider = {
      connection: {
        append: async () => {
          throw new RuntimeError('Sea MCP unavailable');
        },
        read: async () => [],
        verify: async () => ({ ok: true, length: 0, headHash: '' }),
        close: async () => {},
      },
      resolveWorkspaceId: () => WS,
    };
    const err = await emitError(
      emitStateTransition(p, snap('ready', 'normal', []), snap('active', 'normal', []), 'claim acquired'),
    );
    expect(err.eventType).toBe(GENERIC_TRANSITION_EVENT);
    expect(err.cause).toContain('Sea MCP unavailable');
    expect(err.message).toBe(
      `emit of '${GENERIC_TRANSITION_EVENT}' failed: ${err.cause}. Operational-state observability is degraded; cockpit may show stale state.`,
    );
  });
  it('18. makeEmitListener returns a listener that emits one generic event', async () => {
    const { p, store } = provider();
    const listener = makeEmitListener(p);
    await listener(snap('ready', 'normal', []), snap('active', 'normal', []), 'claim acquired');
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]?.events.map((e) => e.eventType)).toStrictEqual([GENERIC_TRANSITION_EVENT]);
  });
});

class RuntimeError extends Error {
  override name = 'RuntimeError';
}
