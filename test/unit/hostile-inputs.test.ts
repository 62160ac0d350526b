/*
 * Fuzz: thousands of hostile values through every entry of the runtime. A call either works or fails as
 * OperationalStateInputError (bad input) or InvalidStateTransitionError (a valid request the chart
 * refuses): never a raw TypeError from reading the value, and the actor stays active.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  InvalidStateTransitionError,
  OperationalStateInputError,
  type OperationalStateRuntime,
  type RuntimeTarget,
  silentLogger,
} from '../../src/index.js';

const revoked = (target: object): unknown => {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
};
const boom = () => {
  throw new Error('hostile trap');
};
const trapping = (target: object): unknown =>
  new Proxy(target, {
    get: boom,
    has: boom,
    ownKeys: boom,
    getPrototypeOf: boom,
    getOwnPropertyDescriptor: boom,
  });
const throwingGetters = (keys: readonly string[]): unknown =>
  Object.defineProperties({}, Object.fromEntries(keys.map((k) => [k, { get: boom, enumerable: true }])));
const unprintable = () => ({ toString: boom, valueOf: boom, [Symbol.toPrimitive]: boom, toJSON: boom });

const FIELDS = [
  'type',
  'trigger',
  'claimPermission',
  'addReasons',
  'removeReasons',
  'cause',
  'timeoutMs',
  'flushTimeoutMs',
];
// Generated as recipes, built only inside the property: fast-check itself looks into generated values,
// and a revoked proxy throws on any look.
interface Recipe {
  readonly build: () => unknown;
}
const hostile: fc.Arbitrary<Recipe> = fc.oneof(
  fc
    .constantFrom<() => unknown>(
      () => revoked({}),
      () => revoked([]),
      () => revoked(() => {}),
      () => trapping({}),
      () => trapping([]),
      () => throwingGetters(FIELDS),
      unprintable,
      () => Object.create(null) as unknown,
      () => Symbol('s'),
      () => 10n ** 30n,
      () => Number.NaN,
      () => -0,
      () => Number.POSITIVE_INFINITY,
      () => '\ud800',
      () => 'x'.repeat(100_000),
      () => [revoked({})],
      () => ({ type: 'GATES_PASSED', trigger: revoked({}) }),
      () => ({ type: 'GATES_PASSED', addReasons: trapping([]) }),
      () => ({ type: revoked({}) }),
      () => ({ claimPermission: revoked({}) }),
      () => ({ timeoutMs: unprintable() }),
    )
    .map((build) => ({ build })),
  fc
    .anything({
      withBigInt: true,
      withNullPrototype: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
    })
    .map((v) => ({ build: () => v })),
  fc
    .constantFrom('ready', 'active', 'paused', 'booting', 'GATES_PASSED', 'CLAIM_ACQUIRED', 'go')
    .map((v) => ({ build: () => v })),
);

type Call = (rt: OperationalStateRuntime, a: unknown, b: unknown, c: unknown) => unknown;
const CALLS: Record<string, Call> = {
  transitionTo: (rt, a, b, c) => rt.transitionTo(a as never, b as never, c as never),
  transitionToValidState: (rt, _a, b, c) => rt.transitionTo('ready', b as never, c as never),
  send: (rt, a) => rt.send(a as never),
  history: (rt, a) => rt.history(a as never),
  addListener: (rt, a) => rt.addListener(a as never),
  onEmit: (rt, a) => rt.onEmit(a as never),
  flush: (rt, a) => rt.flush(a as never),
};

function expected(err: unknown): boolean {
  return err instanceof OperationalStateInputError || err instanceof InvalidStateTransitionError;
}

describe('hostile inputs through every entry of the runtime', () => {
  it('a revoked Proxy as a trigger is an OperationalStateInputError naming the trigger', async () => {
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-revoked' },
      { logger: silentLogger },
    );
    const err = await rt.transitionTo('ready', revoked({}) as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationalStateInputError);
    expect(err).toMatchObject({ field: 'trigger' });
    expect(rt.current.primaryState).toBe('booting');
    await rt.stop();
  });

  it('thousands of fuzzed calls: each works or fails with a typed error, and the actor stays active', async () => {
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...Object.keys(CALLS)), hostile, hostile, hostile), {
          minLength: 15,
          maxLength: 25,
        }),
        async (script) => {
          const rt = createOperationalState(
            { store: createMemoryChainStore(), workspaceId: 'ws-fuzz' },
            { logger: silentLogger },
          );
          for (const [name, a, b, c] of script) {
            calls += 1;
            try {
              const result = (CALLS[name] as Call)(rt, a.build(), b.build(), c.build());
              if (result instanceof Promise) await result;
            } catch (err) {
              if (!expected(err)) throw new Error(`${name} threw ${String(err)}`, { cause: err });
            }
            expect(rt.actor.getSnapshot().status).toBe('active');
          }
          await rt.stop({ flushTimeoutMs: 5_000 });
        },
      ),
      { numRuns: 200 },
    );
    expect(calls).toBeGreaterThanOrEqual(3_000);
  }, 120_000);

  it('createOperationalState with hostile targets and options fails typed, never raw', () => {
    fc.assert(
      fc.property(hostile, hostile, (target, options) => {
        try {
          const rt = createOperationalState(target.build() as never, options.build() as never);
          void rt.stop();
        } catch (err) {
          if (!expected(err)) throw new Error(`threw ${String(err)}`, { cause: err });
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('a target naming two places', () => {
  it('{ store, workspaceId } and { provider } at once is refused, naming both', () => {
    const store = createMemoryChainStore();
    const provider = { connection: store, resolveWorkspaceId: () => 'ws-provider' };
    const both = { store, workspaceId: 'ws-store', provider };
    // @ts-expect-error the type refuses both shapes at once too
    const typed: RuntimeTarget = both;
    expect(() => createOperationalState(typed, { logger: silentLogger })).toThrow(
      expect.objectContaining({
        name: 'OperationalStateInputError',
        message: expect.stringMatching(/not both: remove store and workspaceId or provider/),
      }),
    );
    // Each shape alone is fine.
    void createOperationalState({ store, workspaceId: 'ws-store' }, { logger: silentLogger }).stop();
    void createOperationalState({ provider }, { logger: silentLogger }).stop();
  });
});
