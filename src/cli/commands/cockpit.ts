import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { startCockpit } from '../../cockpit/server.js';
import { Fleet, DEFAULT_POLL_MS, describeWatchMode } from '../../cockpit/fleet.js';
import { cockpitTable, formatDuration, verifyCell } from '../../cockpit/table.js';
import { openStore } from '../open-store.js';
import { out } from '../output.js';
import { integer, storeSpec } from '../parse.js';
import { showControls } from '../../util/control-chars.js';
import { type CockpitFlags, metricsOptions, writeTokenFile } from './cockpit-metrics-flags.js';

/** `opstate cockpit`: every workspace in a store, live, in a loopback page (or once, as a table). */
export function cockpitCommand(defaultStore: string): Command {
  return new Command('cockpit')
    .description('every workspace in a store, live: a loopback, token-protected page (read only)')
    .addOption(
      new Option(
        '--store <file | dir | postgres://url>',
        'the chain store: a SQLite file (or its directory) or a PostgreSQL URL',
      )
        .default(defaultStore)
        .argParser(storeSpec),
    )
    .option(
      '--listen-url <postgres://url>',
      'PostgreSQL behind a pooler (PgBouncer): a direct connection to the server for push updates (LISTEN)',
    )
    .option('--port <n>', 'port to serve on (default: a free one)', integer(0, 65_535))
    .option(
      '--poll-ms <n>',
      'how often to look for new events when the store has no change feed',
      integer(10, 600_000),
      DEFAULT_POLL_MS,
    )
    .option('--metrics', 'also serve GET /metrics for Prometheus (Authorization: Bearer <token>)', false)
    .option(
      '--checkpoints <dir>',
      'with --metrics: signed checkpoints (*.json) for the checkpoint-age gauges',
    )
    .option('--token-file <file>', 'write the per-run token here (mode 0600), e.g. for a scrape config')
    .option('--once', 'print the table once and exit, without serving', false)
    .option('--json', 'with --once: print the table as JSON (what /api/workspaces returns)', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .action(async (o: CockpitFlags) => {
      // Read only: a SQLite file (or its directory) opened read-only, a PostgreSQL schema checked, never migrated.
      const { store, label } = await openStore(o.store, {
        fileOrDirectory: true,
        ...(o.listenUrl !== undefined ? { listenUrl: o.listenUrl } : {}),
      });
      try {
        if (o.once) {
          const fleet = new Fleet(store, { pollMs: o.pollMs });
          await fleet.load();
          await fleet.verified();
          const table = cockpitTable(fleet, label);
          out(o.json ? JSON.stringify(table, null, 2) : formatTable(table.workspaces));
          return;
        }
        const cockpit = await startCockpit({
          store,
          storeLabel: label,
          pollMs: o.pollMs,
          ...(o.port !== undefined ? { port: o.port } : {}),
          ...metricsOptions(o),
        });
        if (o.tokenFile !== undefined) writeTokenFile(o.tokenFile, cockpit.token);
        // The page is served while the rest of the fleet loads: the URL first, the count once it is in.
        out(`cockpit: ${cockpit.url}`);
        if (cockpit.metricsUrl !== null)
          out(`metrics: ${cockpit.metricsUrl} (Authorization: Bearer <token>)`);
        out('(Ctrl-C to stop; the URL carries a per-run token: keep it private)');
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        const loaded = cockpit.fleet.load().then(() => {
          const { fleet } = cockpit;
          out(`${fleet.size} workspaces in ${label}; ${describeWatchMode(fleet.watchMode())}`);
        });
        await Promise.race([stopped, loaded]);
        await stopped;
        await cockpit.close();
      } finally {
        await store.close();
      }
    });
}

function formatTable(rows: ReturnType<typeof cockpitTable>['workspaces']): string {
  if (rows.length === 0) return '(no workspaces in this store)';
  const table = new Table({
    head: [
      'workspace',
      'state',
      'claim',
      'reasons',
      'in state',
      'transitions',
      'chain',
      'verifies',
      'last trigger',
    ],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      showControls(r.workspaceId),
      showControls(r.state ?? '–'),
      showControls(r.claimPermission ?? '–'),
      showControls(r.degradationReasons.join(', ')) || '–',
      formatDuration(r.timeInStateMs),
      String(r.transitions),
      String(r.chainLength),
      verifyCell(r),
      showControls((r.lastTrigger ?? '').slice(0, 40)),
    ]);
  }
  return table.toString();
}
