import { OperationalStateInputError } from '../errors.js';
import type { CockpitViewRequest, SortKey, WorkspaceSummary } from './wire.js';

/** The most rows one message carries: a screenful and a scroll's worth around it. */
export const MAX_WINDOW = 500;

/** Lifecycle order, not alphabetical: booting first, stopped last. */
const LIFECYCLE = ['booting', 'ready', 'active', 'paused', 'stopped'];

const text = (a: string | null, b: string | null) => {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};
const since = (r: WorkspaceSummary) => (r.stateSince === null ? 0 : Date.parse(r.stateSince));

const COMPARE: Readonly<Record<SortKey, (a: WorkspaceSummary, b: WorkspaceSummary) => number>> = {
  workspace: () => 0,
  state: (a, b) => LIFECYCLE.indexOf(a.state ?? '') - LIFECYCLE.indexOf(b.state ?? ''),
  claim: (a, b) => text(a.claimPermission, b.claimPermission),
  reasons: (a, b) =>
    a.degradationReasons.length - b.degradationReasons.length ||
    text(a.degradationReasons.join(), b.degradationReasons.join()),
  trigger: (a, b) => text(a.lastTrigger, b.lastTrigger),
  // Longest in state first when ascending: the agents that have not moved.
  time: (a, b) => since(a) - since(b),
  transitions: (a, b) => a.transitions - b.transitions,
  chain: (a, b) => a.chainLength - b.chainLength,
  verifies: (a, b) => (a.verifies === false ? 0 : 1) - (b.verifies === false ? 0 : 1),
};

/** The view a page opens with: every workspace by id, the first screen. */
export const DEFAULT_VIEW: CockpitViewRequest = {
  type: 'view',
  sort: 'workspace',
  ascending: true,
  filter: null,
  search: '',
  offset: 0,
  limit: 100,
  open: null,
};

/** Checks what a page sent; anything else is refused with the value named. */
export function parseViewRequest(raw: unknown): CockpitViewRequest {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const bad = (field: string, why: string): never => {
    throw new OperationalStateInputError(field, r[field], why);
  };
  if (r.type !== 'view') bad('type', "expected 'view'");
  if (typeof r.sort !== 'string' || !(r.sort in COMPARE))
    bad('sort', `expected one of ${Object.keys(COMPARE).join(', ')}`);
  if (typeof r.ascending !== 'boolean') bad('ascending', 'expected a boolean');
  if (r.filter !== null && typeof r.filter !== 'string') bad('filter', 'expected a state, broken or null');
  if (typeof r.search !== 'string' || r.search.length > 256)
    bad('search', 'expected text up to 256 characters');
  if (!Number.isInteger(r.offset) || (r.offset as number) < 0) bad('offset', 'expected an integer ≥ 0');
  if (!Number.isInteger(r.limit) || (r.limit as number) < 0 || (r.limit as number) > MAX_WINDOW) {
    bad('limit', `expected an integer from 0 to ${MAX_WINDOW}`);
  }
  if (r.open !== null && typeof r.open !== 'string') bad('open', 'expected a workspace id or null');
  return r as unknown as CockpitViewRequest;
}

/** The rows a view shows, filtered and sorted (ties by workspace id); `rows` come sorted by id. */
export function viewOrder(rows: readonly WorkspaceSummary[], q: CockpitViewRequest): WorkspaceSummary[] {
  const needle = q.search.toLowerCase();
  const kept = rows.filter(
    (r) =>
      (q.filter === null || (q.filter === 'broken' ? r.verifies === false : (r.state ?? '–') === q.filter)) &&
      (needle === '' || r.workspaceId.toLowerCase().includes(needle)),
  );
  const compare = COMPARE[q.sort];
  // Array.prototype.sort is stable, and `rows` are in id order: ties stay in id order.
  if (q.sort !== 'workspace') kept.sort(compare);
  if (!q.ascending) kept.reverse();
  return kept;
}

/** Workspaces per primary state, and how many do not verify, over the whole fleet. */
export function fleetCounts(rows: readonly WorkspaceSummary[]): {
  counts: Record<string, number>;
  broken: number;
} {
  const counts: Record<string, number> = {};
  let broken = 0;
  for (const r of rows) {
    const s = r.state ?? '–';
    counts[s] = (counts[s] ?? 0) + 1;
    if (r.verifies === false) broken += 1;
  }
  return { counts, broken };
}
