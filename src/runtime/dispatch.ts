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
  readonly to?: PrimaryState;
  readonly eventType?: string;
  readonly trigger?: string;
}

/** Which event the dispatcher is applying, and whether the chart committed a transition for it. */
export interface CommitProbe {
  expected: object | null;
  committed: boolean;
}

/**
 * The chart with the runtime's emit service, and a commit action that also tells the probe when the
 * event being applied committed: the one exact answer to "did *my* event transition?", however many
 * other events XState processes in the same call.
 */
export function runtimeMachine(
  emitService: ReturnType<typeof createEmitService>,
  probe: CommitProbe,
): OperationalStateMachine {
  return operationalStateMachine.provide({
    actors: { emitService },
    actions: {
      commitTransition: assign(({ context, event }, params: CommitParams) => {
        if (event === probe.expected) {
          probe.committed = true;
          return commitTransition(context, event, params);
        }
        // Sent straight to runtime.actor: the runtime is still the clock, whatever the event says.
        return commitTransition(context, { ...event, at: new Date().toISOString() }, params);
      }),
    },
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Request {
  readonly describe: RequestDescription;
  /**
   * Builds the event against the state it is applied in (a fresh object the dispatcher may stamp);
   * throws InvalidStateTransitionError to refuse.
   */
  readonly build: () => OperationalStateEvent;
}

interface Job extends Request {
  readonly resolve: (snapshot: OperationalStateSnapshot) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Sending and committing. XState processes an event sent while it is busy (from a listener or a
 * subscriber) only after the current one, inside the outer `actor.send`; so requests are applied one at
 * a time: one made while another is being applied waits in order and is applied right after it, still
 * within the outer call. Each stamps its event with the time (the chart reads no clock) and learns from
 * the commit action whether that very event transitioned.
 */
export class Dispatcher {
  readonly #actor: Actor<OperationalStateMachine>;
  readonly #probe: CommitProbe;
  readonly #jobs: Job[] = [];
  #running = false;
  /** Set by stop(): requests are refused without asking the chart. */
  stopped = false;

  constructor(actor: Actor<OperationalStateMachine>, probe: CommitProbe) {
    this.#actor = actor;
    this.#probe = probe;
  }

  /** The state now, as the operator sees it. */
  current(): OperationalStateSnapshot {
    const s = this.#actor.getSnapshot();
    return makeSnapshot(s.value as PrimaryState, s.context.claimPermission, s.context.degradationReasons);
  }

  /**
   * Applies the event `build` returns and gives the state after it, or throws InvalidStateTransitionError.
   * A re-entrant request gets a promise instead, settled once it is applied (before the outer call
   * returns). The common, non-re-entrant path allocates no promise.
   */
  submit(
    describe: RequestDescription,
    build: () => OperationalStateEvent,
  ): OperationalStateSnapshot | Promise<OperationalStateSnapshot> {
    if (this.#running) {
      return new Promise((resolve, reject) => this.#jobs.push({ describe, build, resolve, reject }));
    }
    this.#running = true;
    try {
      return this.#apply({ describe, build });
    } finally {
      // Requests made while this one was applied, in order (each may queue more).
      for (let job = this.#jobs.shift(); job !== undefined; job = this.#jobs.shift()) {
        try {
          job.resolve(this.#apply(job));
        } catch (err) {
          job.reject(err);
        }
      }
      this.#running = false;
    }
  }

  #apply(job: Request): OperationalStateSnapshot {
    this.#assertRunning(job.describe);
    const event = job.build();
    const before = this.#actor.getSnapshot();
    // Stamped in place (the event is the runtime's own copy): a spread here made every event a new
    // object shape and doubled the cost of a transition (measured).
    const stamped = event as Mutable<MachineEvent>;
    stamped.at = new Date().toISOString();
    // XState ignores an event the state does not handle, with no side effect at all.
    this.#probe.expected = stamped;
    this.#probe.committed = false;
    try {
      this.#actor.send(stamped);
    } finally {
      this.#probe.expected = null;
    }
    if (!this.#probe.committed) {
      const after = this.#actor.getSnapshot();
      throw new InvalidStateTransitionError({
        from: before.value,
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
        from: s.value,
        ...request,
        notApplied: true,
        reason: this.stopped ? 'the runtime is stopped' : `the runtime is ${s.status}`,
      });
    }
  }
}
