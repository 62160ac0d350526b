/**
 * `opstate/cockpit`: the fleet cockpit server for a store, and the shapes of its table. Importing it
 * loads the server modules (`ws`, `node:http`); `import 'opstate'` does not.
 */
export { type CockpitHandle, startCockpit, type StartCockpitOptions } from './server.js';
export type { CockpitRow, CockpitTable, WorkspaceSummary } from './wire.js';
export type { Fleet, FeedKind, FleetOptions } from './fleet.js';
export type { CockpitMetricsOptions } from './metrics-endpoint.js';
export type { VerifyProgress, WatchMode } from './watch-mode.js';
