import type { OperationalStateRuntime } from '../runtime/create-operational-state.js';
import type { ChainStore } from '../store/chain/types.js';
import type { TestPath } from './paths.js';

/** What `runTestPath` replays on: a fresh runtime and the store it appends to. */
export interface TestRuntime {
  readonly runtime: OperationalStateRuntime;
  readonly store: ChainStore;
  readonly workspaceId: string;
  /** Called after the path, pass or fail (e.g. close the store). */
  readonly cleanup?: () => void | Promise<void>;
}

/** A generated path did not replay as the chart says; names the path, the step and the difference. */
export class TestPathError extends Error {
  override readonly name = 'TestPathError';
  constructor(
    readonly path: TestPath,
    readonly stepIndex: number,
    detail: string,
  ) {
    super(`${path.description}: step ${stepIndex + 1}: ${detail}`);
  }
}

/**
 * Replays a generated path on a real runtime: after every step, the state must be the step's `to` and
 * the newly appended chain events exactly its `expectedEvents` (same payload and correlation id for the
 * literal); at the end the chain must verify. Works with any ChainStore.
 */
export async function runTestPath(
  path: TestPath,
  runtimeFactory: () => TestRuntime | Promise<TestRuntime>,
): Promise<void> {
  const { runtime, store, workspaceId, cleanup } = await runtimeFactory();
  try {
    let seen = (await store.read(workspaceId, { limit: 10_000 })).length;
    const fail = (i: number, detail: string): never => {
      throw new TestPathError(path, i, detail);
    };
    for (const [i, step] of path.steps.entries()) {
      if (runtime.current.primaryState !== step.from)
        fail(i, `expected to start in ${step.from}, was ${runtime.current.primaryState}`);
      await runtime.send(step.event);
      if (runtime.current.primaryState !== step.to)
        fail(i, `expected ${step.to} after ${step.event.type}, got ${runtime.current.primaryState}`);
      await runtime.flush();
      const appended = await store.read(workspaceId, { afterSeq: seen });
      seen += appended.length;
      const types = appended.map((e) => e.eventType);
      if (JSON.stringify(types) !== JSON.stringify(step.expectedEvents)) {
        fail(
          i,
          `expected chain events ${JSON.stringify(step.expectedEvents)}, appended ${JSON.stringify(types)}`,
        );
      }
      for (const e of appended) {
        const p = e.payload;
        if (
          p.from_primary_state !== step.from ||
          p.to_primary_state !== step.to ||
          p.trigger !== step.event.trigger
        ) {
          fail(
            i,
            `payload of ${e.eventType} #${e.seq} does not describe ${step.from} → ${step.to}: ${JSON.stringify(p)}`,
          );
        }
        if (e.correlationId !== appended[0]?.correlationId)
          fail(i, `events of one transition carry different correlation ids`);
      }
    }
    if (seen > 0) {
      const result = await store.verify(workspaceId);
      if (!result.ok)
        fail(path.steps.length - 1, `chain does not verify: ${JSON.stringify(result.firstDivergence)}`);
    }
  } finally {
    await runtime.stop();
    await cleanup?.();
  }
}
