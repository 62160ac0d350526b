import type { WorkspaceSummary } from '../../../src/cockpit/wire.js';

/** One column of the fleet table: its header, its cell text, and how it sorts. */
export interface Column {
  readonly key: string;
  readonly title: string;
  cell(row: WorkspaceSummary, now: number): string;
  compare(a: WorkspaceSummary, b: WorkspaceSummary): number;
}

export const PRIMARY_STATES = ['booting', 'ready', 'active', 'paused', 'stopped'] as const;

const text = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '');
const num = (a: number, b: number) => a - b;
const since = (row: WorkspaceSummary) => (row.stateSince === null ? Number.NaN : Date.parse(row.stateSince));

/** `1h 02m`, `3m 04s`, `12s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, '0')}h`;
}

export const verifyText = (row: WorkspaceSummary) =>
  row.divergence !== null
    ? `NO: seq ${row.divergence.seq} ${row.divergence.kind}`
    : row.verifies === null
      ? 'checking…'
      : 'ok';

export const COLUMNS: readonly Column[] = [
  {
    key: 'workspace',
    title: 'workspace',
    cell: (r) => r.workspaceId,
    compare: (a, b) => text(a.workspaceId, b.workspaceId),
  },
  {
    key: 'state',
    title: 'state',
    cell: (r) => r.state ?? '–',
    // Lifecycle order, not alphabetical: booting first, stopped last.
    compare: (a, b) => PRIMARY_STATES.indexOf(a.state as never) - PRIMARY_STATES.indexOf(b.state as never),
  },
  {
    key: 'claim',
    title: 'claim',
    cell: (r) => r.claimPermission ?? '–',
    compare: (a, b) => text(a.claimPermission, b.claimPermission),
  },
  {
    key: 'reasons',
    title: 'degradation',
    cell: (r) => (r.degradationReasons.length === 0 ? '–' : r.degradationReasons.join(', ')),
    compare: (a, b) =>
      num(a.degradationReasons.length, b.degradationReasons.length) ||
      text(a.degradationReasons.join(), b.degradationReasons.join()),
  },
  {
    key: 'trigger',
    title: 'last trigger',
    cell: (r) => r.lastTrigger ?? '–',
    compare: (a, b) => text(a.lastTrigger, b.lastTrigger),
  },
  {
    key: 'time',
    title: 'in state',
    cell: (r, now) => duration(now - since(r)),
    // Longest in state first when ascending: the agents that have not moved.
    compare: (a, b) => (since(a) || 0) - (since(b) || 0),
  },
  {
    key: 'transitions',
    title: 'transitions',
    cell: (r) => String(r.transitions),
    compare: (a, b) => num(a.transitions, b.transitions),
  },
  {
    key: 'chain',
    title: 'chain',
    cell: (r) => String(r.chainLength),
    compare: (a, b) => num(a.chainLength, b.chainLength),
  },
  {
    key: 'verifies',
    title: 'verifies',
    cell: verifyText,
    compare: (a, b) => num(a.verifies === false ? 0 : 1, b.verifies === false ? 0 : 1),
  },
];
