import { SingleBar } from 'cli-progress';
import { GENERIC_TRANSITION_EVENT } from '../../domain/vocabulary.js';
import type { EmitOutcome } from '../../emit/emit-pipeline.js';
import { silentLogger } from '../../logger.js';
import type { OperationalStateSnapshot } from '../../domain/snapshot.js';
import { createOperationalState, type InspectOption } from '../../runtime/create-operational-state.js';
import { resumeOperationalState } from '../../runtime/resume.js';
import type { ResumedFrom } from '../../runtime/types.js';
import type { AppendedEvent, ChainStore, VerifyResult } from '../../store/chain/types.js';
import { failingEvery } from './fail-every.js';
import { simulateLife } from './life.js';

export interface DemoOptions {
  readonly store: ChainStore;
  readonly storeLabel: string;
  readonly workspaceId: string;
  readonly seed: number;
  readonly transitions: number;
  /** 1 = one transition every 150 ms; 0 = as fast as possible. */
  readonly speed: number;
  /** Make every Nth transition append attempt fail, to show fail-loud + retry (0: never). */
  readonly failStoreEvery: number;
  readonly inspect?: InspectOption;
  readonly write: (line: string) => void;
  /** Show a progress bar instead of one line per transition. */
  readonly progress: boolean;
  /** Continue the workspace's agent where its chain ends (resumeOperationalState) instead of a new one. */
  readonly resume?: boolean;
}

export interface DemoSummary {
  readonly workspaceId: string;
  readonly store: string;
  readonly seed: number;
  readonly transitions: number;
  readonly chainEvents: number;
  readonly literals: Record<string, number>;
  readonly emitFailures: number;
  /** Append attempts failed on purpose by `--fail-store-every` (each is also one of `emitFailures`). */
  readonly injectedFailures: number;
  readonly finalState: string;
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly verify: VerifyResult;
  /** With --resume: where the agent picked up its chain, and whether it played a life from there. */
  readonly resumed?: { readonly from: ResumedFrom; readonly startedIn: string; readonly played: boolean };
}

const BASE_DELAY_MS = 150;

function describeOutcome(o: EmitOutcome): string {
  const t = o.transition;
  const head = `${String(t.n).padStart(4)}  ${t.from.padEnd(7)} → ${t.to.padEnd(7)}  ${JSON.stringify(t.trigger)}`;
  if (!o.ok) return `${head}\n        emit failed (will retry): ${o.error.cause}`;
  const seqs = o.events.map((e) => e.seq);
  const literals = o.events.filter((e) => e.eventType !== GENERIC_TRANSITION_EVENT).map((e) => e.eventType);
  const range = seqs.length > 1 ? `seq ${seqs[0]}–${seqs.at(-1)}` : `seq ${seqs[0]}`;
  return `${head}\n        ${range}: ${[GENERIC_TRANSITION_EVENT, ...literals].join(' + ')}`;
}

/** Plays a seeded agent life on a runtime bound to `store`, then verifies the chain. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const life = simulateLife(options.seed, options.transitions);
  const failing = failingEvery(options.store, options.failStoreEvery);
  const target = { store: failing.store, workspaceId: options.workspaceId };
  const runtimeOptions = {
    logger: silentLogger,
    ...(options.inspect ? { inspect: options.inspect } : {}),
    // Failures are injected here, not met: retry quickly, so the demo shows them without waiting on them.
    ...(options.failStoreEvery > 0 ? { retry: { initialDelayMs: 5, maxDelayMs: 20 } } : {}),
  };
  const runtime = options.resume
    ? await resumeOperationalState(target, runtimeOptions)
    : createOperationalState(target, runtimeOptions);
  const startedIn = runtime.current.primaryState;
  // A life starts in booting: a resumed agent that starts anywhere else (paused) stays where it was.
  const play = startedIn === 'booting';
  if (runtime.resumedFrom !== null) options.write(describeResume(runtime.resumedFrom, runtime.current));
  const bar = options.progress
    ? new SingleBar({ format: 'demo [{bar}] {value}/{total} transitions', hideCursor: true })
    : null;
  if (play) bar?.start(life.length, 0);
  runtime.onEmit((outcome) => {
    if (bar) {
      if (outcome.ok) bar.update(outcome.transition.n);
    } else {
      options.write(describeOutcome(outcome));
    }
  });
  const delay = options.speed === 0 ? 0 : BASE_DELAY_MS / options.speed;
  for (const event of play ? life : []) {
    await runtime.send(event);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }
  await runtime.stop();
  bar?.stop();

  const verify = await options.store.verify(options.workspaceId);
  const literals: Record<string, number> = {};
  let chainEvents = 0;
  let last: AppendedEvent | undefined;
  for (let after = 0; ;) {
    const page = await options.store.read(options.workspaceId, { afterSeq: after, limit: 1000 });
    if (page.length === 0) break;
    for (const e of page) {
      chainEvents += 1;
      if (e.eventType !== GENERIC_TRANSITION_EVENT) literals[e.eventType] = (literals[e.eventType] ?? 0) + 1;
    }
    last = { ...(page.at(-1) as AppendedEvent), duplicate: false };
    after = page.at(-1)?.seq ?? after;
  }
  return {
    workspaceId: options.workspaceId,
    store: options.storeLabel,
    seed: options.seed,
    transitions: play ? life.length : 0,
    chainEvents,
    literals,
    emitFailures: runtime.emitFailures,
    injectedFailures: failing.injected().failed,
    finalState: runtime.current.primaryState,
    head: last === undefined ? null : { seq: last.seq, hash: last.hash },
    verify,
    ...(runtime.resumedFrom !== null
      ? { resumed: { from: runtime.resumedFrom, startedIn, played: play } }
      : {}),
  };
}

function describeResume(from: ResumedFrom, now: OperationalStateSnapshot): string {
  const reasons = now.degradationReasons.length > 0 ? `, reasons ${now.degradationReasons.join(',')}` : '';
  const chain = from.state === null ? 'an empty chain' : `seq ${from.seq} (last transition to ${from.state})`;
  const stays =
    now.primaryState === 'booting'
      ? 'plays a new life from booting'
      : `stays ${now.primaryState}: a pause survives a restart (an operator clears it)`;
  return `resumed from ${chain}, owner epoch ${from.epoch ?? '-'}: starts in ${now.primaryState} (claim ${now.claimPermission}${reasons}) and ${stays}`;
}

export function formatSummary(s: DemoSummary): string {
  const literalText = Object.entries(s.literals)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
  const verify = s.verify.ok
    ? `ok (${s.verify.length} events)`
    : `FAILED at seq ${s.verify.firstDivergence.seq}: ${s.verify.firstDivergence.kind} — ${s.verify.firstDivergence.detail}`;
  return [
    '',
    'Summary',
    `  workspace       ${s.workspaceId} in ${s.store}`,
    `  seed            ${s.seed}`,
    ...(s.resumed !== undefined
      ? [
          `  resumed         from seq ${s.resumed.from.seq}, owner epoch ${s.resumed.from.epoch ?? '-'}, started in ${s.resumed.startedIn}`,
        ]
      : []),
    `  transitions     ${s.transitions} (final state: ${s.finalState})`,
    `  chain events    ${s.chainEvents}${literalText ? ` (literals: ${literalText})` : ''}`,
    `  emit failures   ${s.emitFailures}${s.emitFailures > 0 ? ' (each logged and retried)' : ''}${
      s.injectedFailures > 0 ? `, ${s.injectedFailures} injected by --fail-store-every` : ''
    }`,
    `  chain head      ${s.head ? `seq ${s.head.seq}, ${s.head.hash}` : '(empty)'}`,
    `  verify          ${verify}`,
  ].join('\n');
}
