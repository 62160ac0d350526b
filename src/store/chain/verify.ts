import { ChainStoreError } from '../../errors.js';
import { canonicalPayload } from './canonical-json.js';
import { nonCanonicalReason } from './canonical-check.js';
import { chainHash, genesisHash, HASH_VERSION } from './hash.js';
import { currentVerifyProgress, PROGRESS_EVERY, type VerifyProgressListener } from './progress.js';
import type { ChainAnchor, ChainDivergence, ChainEvent, VerifyOptions, VerifyResult } from './types.js';

/** The fields a verifier needs: a store that keeps the hashed text hands it over verbatim. */
export interface VerifiableEvent {
  readonly seq: number;
  readonly eventType: string;
  readonly prevHash: string;
  readonly hash: string;
  /** The exact stored text that was hashed; it must be the RFC 8785 form of its own payload. */
  readonly payloadCanonical: string;
  /** The row's chain format (`hash_version`), when the store keeps one; anything but 1 fails. */
  readonly hashVersion?: number;
  /**
   * The stored payload bytes, when the store has them and its text may have been decoded lossily (a
   * driver reads invalid UTF-8 as U+FFFD): bytes that are not UTF-8 fail as `non_canonical`.
   */
  readonly payloadBytes?: Uint8Array;
}

/**
 * What the verifier accepts: a stored row with its hashed text (`VerifiableEvent`), or an event as
 * `store.read()` returns it. opstate's stores hand their read() events the stored text and hash version
 * (non-enumerable, so JSON and spreads leave them out), so `verifyChain(ws, await store.read(ws))` reaches
 * the same verdict as `store.verify(ws)`; an event without them (built or copied by hand) has its payload
 * object canonicalized here.
 */
export type VerifyInput = VerifiableEvent | ChainEvent;

/** The verdict for a workspace that has no chain at all, the same from every store. */
export function unknownWorkspace(workspaceId: string): VerifyResult {
  return {
    ok: false,
    length: 0,
    firstDivergence: {
      seq: 0,
      kind: 'unknown_workspace',
      detail: `no chain for workspace ${JSON.stringify(workspaceId)}`,
    },
  };
}

/** Adapts a stored event whose payload is an object (memory store, `read()` results). */
export function toVerifiable(event: ChainEvent): VerifiableEvent {
  return {
    seq: event.seq,
    eventType: event.eventType,
    prevHash: event.prevHash,
    hash: event.hash,
    payloadCanonical: canonicalPayload(event.payload, event.eventType),
  };
}

/**
 * Verifies one workspace's chain from genesis. `events` must come in ascending seq order; it is consumed
 * as a stream, so a million-event chain needs constant memory. Every link is chained on the *recomputed*
 * hash, never the stored one, so a row rewritten together with its stored hash still fails.
 *
 * `options.head` (the store's head row, read before the chain) catches what a bare chain cannot: a
 * cut tail (`truncated`) and a rewrite of rows up to the head (`head_mismatch`). `options.checkpoints`
 * do the same for signed checkpoints, which must already be authenticated.
 *
 * ```ts
 * const result = await verifyChain(ws, await store.read(ws));
 * ```
 */
export async function verifyChain(
  workspaceId: string,
  events: Iterable<VerifyInput> | AsyncIterable<VerifyInput>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const verifier = new ChainVerifier(workspaceId, options);
  if (Symbol.iterator in events) {
    // No await per event when the events are already in memory.
    for (const event of events) {
      const failed = verifier.feed(event);
      if (failed !== null) return failed;
    }
    return verifier.result();
  }
  for await (const event of events) {
    const failed = verifier.feed(event);
    if (failed !== null) return failed;
  }
  return verifier.result();
}

/**
 * verifyChain over pages of events (as a database store reads them): the same checks, but one await per
 * page instead of one per event, which is a large share of the cost on a million-event chain.
 */
export async function verifyChainPages(
  workspaceId: string,
  pages: AsyncIterable<readonly VerifyInput[]>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const verifier = new ChainVerifier(workspaceId, options);
  for await (const page of pages) {
    for (const event of page) {
      const failed = verifier.feed(event);
      if (failed !== null) return failed;
    }
  }
  return verifier.result();
}

interface Anchor extends ChainAnchor {
  readonly source: 'head' | 'checkpoint';
}

/**
 * The verifier's state machine, for callers that feed events as they get them (one page at a time, or
 * incrementally across calls as a chain grows). `feed` returns the failure or null; `result` closes.
 */
export class ChainVerifier {
  #expectedPrev: string;
  #length = 0;
  /** Ascending by seq; `#nextAnchor` indexes the first one not yet reached. */
  readonly #anchors: readonly Anchor[];
  #nextAnchor = 0;
  readonly #progress: VerifyProgressListener | undefined;
  readonly #total: number | undefined;

  constructor(workspaceId: string, options: VerifyOptions = {}) {
    this.#expectedPrev = genesisHash(workspaceId);
    const anchors: Anchor[] = [];
    if (options.head !== undefined) anchors.push({ ...checkAnchor(options.head, 'head'), source: 'head' });
    for (const cp of options.checkpoints ?? []) {
      anchors.push({ ...checkAnchor(cp, 'checkpoint'), source: 'checkpoint' });
    }
    if (options.resume !== undefined) {
      const from = checkAnchor(options.resume, 'resume');
      this.#expectedPrev = from.hash;
      this.#length = from.seq;
    }
    this.#anchors = anchors.sort((a, b) => a.seq - b.seq).filter((a) => a.seq > this.#length);
    this.#progress = currentVerifyProgress();
    this.#total = options.head?.seq;
  }

  /** How many events have verified so far. */
  get length(): number {
    return this.#length;
  }

  /** The recomputed hash of the last verified event (the genesis hash before the first). */
  get headHash(): string {
    return this.#expectedPrev;
  }

  /** Checks the next event; returns the failure, or null when it links. */
  feed(event: VerifyInput): VerifyResult | null {
    const length = this.#length;
    const expectedSeq = length + 1;
    if (event.seq === length && length > 0) {
      return this.#fail({ seq: event.seq, kind: 'fork', detail: `two events claim seq ${event.seq}` });
    }
    if (event.seq !== expectedSeq) {
      return this.#fail({
        seq: expectedSeq,
        kind: 'gap',
        detail: `expected seq ${expectedSeq}, found seq ${event.seq}`,
      });
    }
    if (event.prevHash !== this.#expectedPrev) {
      return this.#fail({
        seq: expectedSeq,
        kind: 'link_break',
        detail: `prev_hash is ${event.prevHash}, the recomputed previous link is ${this.#expectedPrev}`,
      });
    }
    const stored = event as Partial<VerifiableEvent>;
    if (stored.hashVersion !== undefined && stored.hashVersion !== HASH_VERSION) {
      return this.#fail({
        seq: expectedSeq,
        kind: 'unknown_hash_version',
        detail: `hash_version is ${JSON.stringify(stored.hashVersion)}; this verifier knows ${HASH_VERSION} only`,
      });
    }
    let text: string;
    if (stored.payloadCanonical !== undefined) {
      text = stored.payloadCanonical;
      const reason = stored.payloadBytes === undefined ? null : utf8Problem(stored.payloadBytes);
      if (reason !== null) {
        return this.#fail({
          seq: expectedSeq,
          kind: 'non_canonical',
          detail: `the stored payload bytes are not UTF-8 (${reason}): a driver reads them as U+FFFD`,
        });
      }
      const textReason = nonCanonicalReason(text);
      if (textReason !== null) {
        return this.#fail({
          seq: expectedSeq,
          kind: 'non_canonical',
          detail: `the stored payload text is not the RFC 8785 form of its payload: ${textReason}`,
        });
      }
    } else {
      text = canonicalOf(event as ChainEvent, expectedSeq);
    }
    if (typeof event.eventType !== 'string') {
      throw new ChainStoreError('invalid_input', `the event at seq ${expectedSeq} has no eventType string`);
    }
    const recomputed = chainHash(this.#expectedPrev, expectedSeq, event.eventType, text);
    if (recomputed !== event.hash) {
      return this.#fail({
        seq: expectedSeq,
        kind: 'hash_mismatch',
        detail: `stored hash ${event.hash}, recomputed ${recomputed} (event type, payload or seq was altered)`,
      });
    }
    while (this.#nextAnchor < this.#anchors.length) {
      const anchor = this.#anchors[this.#nextAnchor] as Anchor;
      if (anchor.seq !== expectedSeq) break;
      if (anchor.hash !== recomputed) {
        return this.#fail(
          {
            seq: expectedSeq,
            kind: anchor.source === 'head' ? 'head_mismatch' : 'checkpoint_mismatch',
            detail: `recomputed hash at seq ${expectedSeq} is ${recomputed}, the ${anchor.source === 'head' ? "head row's" : "checkpoint's"} is ${anchor.hash} (history up to here was rewritten)`,
          },
          expectedSeq - 1,
        );
      }
      this.#nextAnchor += 1;
    }
    this.#expectedPrev = recomputed;
    this.#length = expectedSeq;
    if (this.#progress !== undefined && expectedSeq % PROGRESS_EVERY === 0) {
      this.#progress(expectedSeq, this.#total);
    }
    return null;
  }

  /** The verdict once every event is fed: a head row or checkpoint beyond the last event is a cut tail. */
  result(): VerifyResult {
    const pending = this.#anchors[this.#nextAnchor];
    if (pending !== undefined) {
      return this.#fail({
        seq: this.#length + 1,
        kind: 'truncated',
        detail:
          pending.source === 'head'
            ? `the chain ends at seq ${this.#length} but its head row records seq ${pending.seq}: events were removed from the tail`
            : `the chain ends at seq ${this.#length} but a checkpoint vouches for seq ${pending.seq}: events were removed from the tail (or the checkpoint is ahead of this chain)`,
      });
    }
    this.#progress?.(this.#length, this.#total);
    return { ok: true, length: this.#length, headHash: this.#expectedPrev };
  }

  /** `length` counts the events that verified before the divergence. */
  #fail(divergence: ChainDivergence, length = this.#length): VerifyResult {
    return { ok: false, length, firstDivergence: divergence };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Problem(bytes: Uint8Array): string | null {
  try {
    strictUtf8.decode(bytes);
    return null;
  } catch {
    const at = Buffer.from(bytes).toString('utf8').indexOf('\ufffd');
    return `an invalid sequence near character ${at}`;
  }
}

function canonicalOf(event: ChainEvent, seq: number): string {
  if (typeof event.payload !== 'object' || event.payload === null) {
    throw new ChainStoreError(
      'invalid_input',
      `the event at seq ${seq} has neither payloadCanonical (a stored row) nor a payload object (a read() event)`,
    );
  }
  return canonicalPayload(event.payload, event.eventType);
}

function checkAnchor(anchor: ChainAnchor, name: string): ChainAnchor {
  if (
    typeof anchor !== 'object' ||
    anchor === null ||
    !Number.isSafeInteger(anchor.seq) ||
    anchor.seq < 1 ||
    typeof anchor.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(anchor.hash)
  ) {
    throw new ChainStoreError(
      'invalid_input',
      `verify option ${name} must be { seq: a positive integer, hash: 64 lowercase hex digits }, got ${JSON.stringify(anchor)}`,
    );
  }
  return { seq: anchor.seq, hash: anchor.hash };
}
