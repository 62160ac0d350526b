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

/** The sort keys the table offers (its columns). */
export type SortKey =
  'workspace' | 'state' | 'claim' | 'reasons' | 'trigger' | 'time' | 'transitions' | 'chain' | 'verifies';

/**
 * What the page asks for over its socket: which rows, in which order, and which slice of them. The server
 * filters and sorts the whole fleet and sends back only the slice: a page never holds every row.
 */
export interface CockpitViewRequest {
  readonly type: 'view';
  readonly sort: SortKey;
  readonly ascending: boolean;
  /** A primary state, `broken` (not verifying), or null for all. */
  readonly filter: string | null;
  /** Workspace ids containing this text (case-insensitive). */
  readonly search: string;
  /** The first row wanted, in the filtered and sorted order. */
  readonly offset: number;
  /** How many rows from `offset` (at most MAX_WINDOW). */
  readonly limit: number;
  /** The workspace open in the drill-down: its row comes with every message. */
  readonly open: string | null;
}

/** How new events reach the cockpit: pushed by the store, or polled every `intervalMs`. */
export interface CockpitWatchMode {
  readonly kind: 'push' | 'poll';
  readonly intervalMs?: number;
  readonly detail: string;
}

/** What the cockpit's socket sends: the slice the page asked for, after every change that touches it. */
export interface CockpitMessage {
  readonly type: 'window';
  /** Server time (ms), so the page's "time in state" does not depend on its own clock. */
  readonly at: number;
  readonly store: string;
  readonly watch: CockpitWatchMode;
  /** Workspaces with a verdict so far, of all: verification runs behind the table. */
  readonly verified: number;
  /** Every workspace in the store. */
  readonly total: number;
  /** Rows matching the filter and search. */
  readonly shown: number;
  readonly offset: number;
  readonly rows: readonly WorkspaceSummary[];
  /** Workspaces per primary state (`–` before the first transition), over the whole fleet. */
  readonly counts: Readonly<Record<string, number>>;
  /** Workspaces whose chain does not verify. */
  readonly broken: number;
  /** The drill-down's row, when one is open and still in the store. */
  readonly open: WorkspaceSummary | null;
}

/** What `/api/workspaces/<id>` returns: the row and the drill-down. */
export interface WorkspaceDetailResponse extends WorkspaceDetail {
  readonly summary: WorkspaceSummary;
}
