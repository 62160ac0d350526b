/*
 * What the cockpit server and its page exchange. Types only (no imports with code), so the page's bundle
 * and its DOM-only type check can share them.
 */
import type { ChainDivergence, VerifyResult } from '../store/chain/types.js';

/** One row of the cockpit: a workspace's operational state, reconstructed from its chain alone. */
export interface WorkspaceSummary {
  readonly workspaceId: string;
  /** The primary state after the last transition; null before the first one. */
  readonly state: string | null;
  readonly claimPermission: string | null;
  readonly degradationReasons: readonly string[];
  /** The last transition's trigger (the first MAX_SHOWN_TRIGGER characters). */
  readonly lastTrigger: string | null;
  /** `from|to` of the last transition: the chart's edge key. */
  readonly lastEdge: string | null;
  /** The per-trigger literal the last transition appended, if any. */
  readonly lastLiteral: string | null;
  /** When the current primary state was entered (ISO 8601, the store's clock). */
  readonly stateSince: string | null;
  /** When the last event was appended (ISO 8601). */
  readonly lastEventAt: string | null;
  /** Transitions recorded (generic events). */
  readonly transitions: number;
  /** The chain's last seq as read. */
  readonly chainLength: number;
  /**
   * Whether the chain verifies: the store's own verify at first (in the background after the table
   * loads; null until then), then every event read since, linked and hashed on the recomputed head.
   */
  readonly verifies: boolean | null;
  /** The first divergence (seq and kind), when it does not verify. */
  readonly divergence: ChainDivergence | null;
  /** Generic events whose payload is not a transition payload (counted, not shown as a state). */
  readonly unreadable: number;
}

/** A summary with its time in state as of `generatedAt`. */
export interface CockpitRow extends WorkspaceSummary {
  /** Milliseconds since `stateSince` (store clock vs this machine's: skew shows here). */
  readonly timeInStateMs: number | null;
}

/** What `/api/workspaces` returns and `opstate cockpit --once --json` prints. */
export interface CockpitTable {
  readonly store: string;
  readonly generatedAt: string;
  readonly workspaces: readonly CockpitRow[];
}

/** A chain event as the drill-down lists it. */
export interface DetailEvent {
  readonly seq: number;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly hashPrefix: string;
}

/** One transition, rebuilt from its generic event and the literal appended with it. */
export interface DetailTransition {
  readonly seq: number;
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly trigger: string;
  readonly claimPermission: string;
  readonly degradationReasons: readonly string[];
  readonly literal: string | null;
  /** Set on the first transition of a new process life: `restart: resumed from seq N` or `restart: fresh boot`. */
  readonly restart?: string;
}

export interface WorkspaceDetail {
  readonly workspaceId: string;
  /** The store's own full verification, run for this request (catches edits behind the cockpit's back). */
  readonly verify: VerifyResult;
  /** The newest DETAIL_EVENTS events, oldest first, and the transitions among them. */
  readonly events: readonly DetailEvent[];
  readonly timeline: readonly DetailTransition[];
  /** True when older events exist than those listed. */
  readonly truncated: boolean;
  /** The machine definition (JSON text), for the same chart the inspector draws. */
  readonly definition: string;
}

/** What the cockpit's socket sends: the whole table first (`full`), then the rows that changed. */
export interface CockpitMessage {
  readonly type: 'rows';
  readonly full: boolean;
  readonly rows: readonly WorkspaceSummary[];
  /** Server time (ms), so the page's "time in state" does not depend on its own clock. */
  readonly at: number;
  readonly store?: string;
  readonly feed?: string | null;
}

/** What `/api/workspaces/<id>` returns: the row and the drill-down. */
export interface WorkspaceDetailResponse extends WorkspaceDetail {
  readonly summary: WorkspaceSummary;
}
