import type { Actor, AnyActorRef, SnapshotFrom, Subscription } from 'xstate';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import type { EmitPipeline } from '../emit/emit-pipeline.js';
import { OperationalStateEmitError } from '../errors.js';
import { type Logger, safeLog } from '../logger.js';
import { EMITTER_ID } from '../machine/emit-protocol.js';
import type { OperationalStateMachine } from '../machine/machine.js';

/**
 * Watches the runtime's own emit service (the actor's `emitter` child) and, should it stop while the
 * actor runs (someone holding `runtime.actor` stopped it: the runtime's service never throws or
 * completes), says so once at error level, counts it as one emit failure, and hands every transition
 * committed from then on straight to the pipeline. The pipeline lives outside the actor, so those
 * transitions are still appended, in order, show in `pendingEmits` and are waited for by `flush()`: the
 * chart counts them as unappended in its own context (it can no longer reach its service), the runtime
 * does not lose them.
 */
export class EmitterWatch {
  readonly #pipeline: EmitPipeline;
  readonly #logger: Logger;
  /** The last transition known handed to the pipeline, by the service or by this watch. */
  #handedThrough = 0;
  #dead = false;
  #deaths = 0;

  constructor(pipeline: EmitPipeline, logger: Logger) {
    this.#pipeline = pipeline;
    this.#logger = logger;
  }

  /** 1 once the emit service died under a running actor, else 0: added to the runtime's emitFailures. */
  get failures(): number {
    return this.#deaths;
  }

  /**
   * Watches the emit child itself, so a live service costs nothing per transition; only once it ends
   * under a running actor does the watch follow the actor's snapshots and hand each new transition over.
   */
  follow(actor: Actor<OperationalStateMachine>): Subscription {
    let handing: Subscription | null = null;
    const lost = () => {
      // Every transition committed so far was sent to the service before it ended.
      const handedThrough = actor.getSnapshot().context.lastTransition?.n ?? 0;
      // Checked once the actor's own step is over: an actor that is stopping or reached its final
      // state stops its children on purpose; only a running one can lose emits.
      queueMicrotask(() => {
        if (this.#dead || actor.getSnapshot().status !== 'active') return;
        this.#handedThrough = handedThrough;
        this.#died(actor.getSnapshot().context.emitServiceDown);
        handing = actor.subscribe({ next: (snapshot) => this.#handOver(snapshot) });
        this.#handOver(actor.getSnapshot());
      });
    };
    const child = emitterOf(actor);
    const watching =
      child === undefined || child.getSnapshot().status !== 'active'
        ? (lost(), null)
        : child.subscribe({ complete: lost, error: lost });
    return {
      unsubscribe: () => {
        watching?.unsubscribe();
        handing?.unsubscribe();
      },
    };
  }

  #handOver(snapshot: SnapshotFrom<OperationalStateMachine>): void {
    if (snapshot.status !== 'active') return;
    const last = snapshot.context.lastTransition;
    if (last === null || last.n <= this.#handedThrough) return;
    if (last.n > this.#handedThrough + 1) {
      safeLog(
        this.#logger,
        'error',
        { from: this.#handedThrough + 1, to: last.n - 1 },
        `transitions #${this.#handedThrough + 1}–#${last.n - 1} were committed while the emit service was down and cannot be rebuilt; they are not appended`,
      );
    }
    this.#handedThrough = last.n;
    this.#pipeline.enqueue(last);
  }

  #died(reason: string | null): void {
    this.#dead = true;
    this.#deaths += 1;
    const err = new OperationalStateEmitError(
      GENERIC_TRANSITION_EVENT,
      `the runtime's emit service is no longer running (${reason ?? 'stopped from outside the runtime'})`,
    );
    safeLog(
      this.#logger,
      'error',
      { err, eventType: err.eventType, handedThrough: this.#handedThrough },
      `${err.message} Every later transition is appended by the runtime directly.`,
    );
  }
}

function emitterOf(actor: Actor<OperationalStateMachine>): AnyActorRef | undefined {
  return (actor.getSnapshot().children as Record<string, AnyActorRef | undefined>)[EMITTER_ID];
}
