import { type Actor, assign } from 'xstate';
import { makeSnapshot, type OperationalStateSnapshot } from '../domain/snapshot.js';
import type { PrimaryState } from '../domain/vocabulary.js';
import type { createEmitService } from '../emit/emit-service.js';
import { InvalidStateTransitionError } from '../errors.js';
import { type CommitParams, commitTransition } from '../machine/actions.js';
import type { MachineEvent, OperationalStateEvent } from '../machine/events.js';
import { operationalStateMachine, type OperationalStateMachine } from '../machine/machine.js';

/** What a request was, for the error that refuses it. */
export interface RequestDescription {
  readonly to?: string;
  readonly eventType?: string;
  readonly trigger?: string;
}

/**
 * The chart with the runtime's emit service, and a commit action that also notes which event objects
 * committed a transition: the one exact answer to "did *my* event transition?", however many other
 * events XState processed in the same call.
 */
export function runtimeMachine(
  emitService: ReturnType<typeof createEmitService>,
  committed: WeakSet<object>,
): OperationalStateMachine {
  return operationalStateMachine.provide({
    actors: { emitService },
    actions: {
      commitTransition: assign(({ context, event }, params: CommitParams) => {
        committed.add(event);
        return commitTransition(context, event, params);
      }),
    },
  });
}

interface Job {
  readonly describe: RequestDescription;
  /** Builds the event against the state it is applied in; throws InvalidStateTransitionError to refuse. */
  readonly build: () => OperationalStateEvent;
  readonly resolve: (snapshot: OperationalStateSnapshot) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Sending and committing. XState processes an event sent while it is busy (from a listener or a
 * subscriber) only after the current one, inside the outer `actor.send`; so each request is a job, run
 * one at a time: a request made while a job runs waits in order and runs right after it, still within
 * the outer call. Each job stamps its event with the time (the chart reads no clock) and learns from the
 * commit action whether that very event transitioned.
 */
export class Dispatcher {
  readonly #actor: Actor<OperationalStateMachine>;
  readonly #committed: WeakSet<object>;
  readonly #jobs: Job[] = [];
  #running = false;
  /** Set by stop(): requests are refused without asking the chart. */
  stopped = false;

  constructor(actor: Actor<OperationalStateMachine>, committed: WeakSet<object>) {
    this.#actor = actor;
    this.#committed = committed;
  }

  /** The state now, as the operator sees it. */
  current(): OperationalStateSnapshot {
    const s = this.#actor.getSnapshot();
    return makeSnapshot(s.value as PrimaryState, s.context.claimPermission, s.context.degradationReasons);
  }

  /** Applies the event `build` returns, now or right after the job running; resolves with the state after it. */
  submit(
    describe: RequestDescription,
    build: () => OperationalStateEvent,
  ): Promise<OperationalStateSnapshot> {
    return new Promise((resolve, reject) => {
      this.#jobs.push({ describe, build, resolve, reject });
      if (!this.#running) this.#drain();
    });
  }

  #drain(): void {
    this.#running = true;
    try {
      for (let job = this.#jobs.shift(); job !== undefined; job = this.#jobs.shift()) {
        try {
          job.resolve(this.#apply(job));
        } catch (err) {
          job.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #apply(job: Job): OperationalStateSnapshot {
    this.#assertRunning(job.describe);
    const event = job.build();
    const before = this.#actor.getSnapshot();
    const stamped: MachineEvent = { ...event, at: new Date().toISOString() };
    // XState ignores an event the state does not handle, with no side effect at all.
    this.#actor.send(stamped);
    if (!this.#committed.has(stamped)) {
      const after = this.#actor.getSnapshot();
      throw new InvalidStateTransitionError({
        from: String(before.value),
        eventType: event.type,
        ...(event.trigger !== undefined ? { trigger: event.trigger } : {}),
        ...(after.status === 'active' ? {} : { reason: `the actor is ${after.status}` }),
      });
    }
    return this.current();
  }

  #assertRunning(request: RequestDescription): void {
    const s = this.#actor.getSnapshot();
    if (s.status === 'done' || s.value === 'stopped') {
      throw new InvalidStateTransitionError({
        from: 'stopped',
        ...request,
        reason: 'stopped is final; recovery is a new process',
      });
    }
    if (this.stopped || s.status !== 'active') {
      throw new InvalidStateTransitionError({
        from: String(s.value),
        ...request,
        notApplied: true,
        reason: this.stopped ? 'the runtime is stopped' : `the runtime is ${s.status}`,
      });
    }
  }
}
