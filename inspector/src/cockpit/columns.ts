import type { SortKey, WorkspaceSummary } from '../../../src/cockpit/wire.js';

/** One column of the fleet table: its header and its cell text (the server sorts by its key). */
export interface Column {
  readonly key: SortKey;
  readonly title: string;
  cell(row: WorkspaceSummary, now: number): string;
}

export const PRIMARY_STATES = ['booting', 'ready', 'active', 'paused', 'stopped'] as const;

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
  },
  {
    key: 'state',
    title: 'state',
    cell: (r) => r.state ?? '–',
  },
  {
    key: 'claim',
    title: 'claim',
    cell: (r) => r.claimPermission ?? '–',
  },
  {
    key: 'reasons',
    title: 'degradation',
    cell: (r) => (r.degradationReasons.length === 0 ? '–' : r.degradationReasons.join(', ')),
  },
  {
    key: 'trigger',
    title: 'last trigger',
    cell: (r) => r.lastTrigger ?? '–',
  },
  {
    key: 'time',
    title: 'in state',
    cell: (r, now) => duration(now - since(r)),
  },
  {
    key: 'transitions',
    title: 'transitions',
    cell: (r) => String(r.transitions),
  },
  {
    key: 'chain',
    title: 'chain',
    cell: (r) => String(r.chainLength),
  },
  {
    key: 'verifies',
    title: 'verifies',
    cell: verifyText,
  },
];
