import type { Fleet } from './fleet.js';
import type { CockpitTable, WorkspaceSummary } from './wire.js';

export type { CockpitRow, CockpitTable } from './wire.js';

export function cockpitTable(fleet: Fleet, store: string, now = Date.now()): CockpitTable {
  return {
    store,
    generatedAt: new Date(now).toISOString(),
    workspaces: fleet
      .summaries()
      .sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : a.workspaceId > b.workspaceId ? 1 : 0))
      .map((s) => ({
        ...s,
        timeInStateMs: s.stateSince === null ? null : Math.max(0, now - Date.parse(s.stateSince)),
      })),
  };
}

/** `1h 02m`, `3m 04s`, `12s`: short enough for a table cell. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, '0')}h`;
}

/** "ok", or "NO: seq 3 hash_mismatch". */
export function verifyCell(row: WorkspaceSummary): string {
  if (row.divergence !== null) return `NO: seq ${row.divergence.seq} ${row.divergence.kind}`;
  return row.verifies === null ? 'checking' : 'ok';
}
