#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ChainStoreError } from '../errors.js';
import { type InspectorHandle, startInspector } from '../inspect/server.js';
import type { ChainStore } from '../store/chain/types.js';
import { registerCanonicalize } from './commands/canonicalize.js';
import { cockpitCommand } from './commands/cockpit.js';
import { CHART_FORMATS, formatVocab, renderChart, vocabReport } from './commands/chart.js';
import { registerCheckpoint } from './commands/checkpoint.js';
import { runEvents } from './commands/events.js';
import { openTrace } from './commands/inspect.js';
import { registerKeygen } from './commands/keygen.js';
import { registerVerify } from './commands/verify.js';
import { registerStatus } from './commands/status.js';
import { vocabularySeedSql } from './commands/vocab-sql.js';
import { MIN_TRANSITIONS } from './demo/life.js';
import { existingChainOnServer, selfCommand, setAsideDemoChain } from './demo/demo-chain.js';
import { formatSummary, runDemo } from './demo/run-demo.js';
import { CommandFailure, EXIT, UsageError } from './exit-codes.js';
import { DEFAULT_STORE, isPostgresUrl, openStore } from './open-store.js';
import { endQuietlyWhenReaderGoes, err, out } from './output.js';
import { eventTypePrefix, failEvery, integer, positiveNumber, storeSpec } from './parse.js';
import { packageVersion } from './version.js';
import { workspaceArg } from './workspace-arg.js';

const storeOption = () =>
  new Option(
    '--store <dir | postgres://url>',
    'the chain store: a directory holding the embedded SQLite file <dir>/chain.db, or a PostgreSQL URL',
  )
    .default(DEFAULT_STORE)
    .argParser(storeSpec);
const workspaceOption = () =>
  new Option('--workspace <id>', 'the workspace whose chain to use').default('demo').argParser(workspaceArg);

/** Opens the store, runs `fn`, and always closes the store again. */
async function withStore<T>(
  spec: string,
  fn: (store: ChainStore, label: string) => Promise<T>,
  create = false,
  memory = false,
): Promise<T> {
  const opened = await openStore(spec, { create, memory });
  try {
    return await fn(opened.store, opened.label);
  } finally {
    await opened.store.close();
  }
}

/** Resolves on Ctrl-C or SIGTERM: long-running commands (inspect, demo --inspect) end there. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function buildProgram(): Command {
  const program = new Command('opstate')
    .description('Operational state of agent processes, on a verifiable chain-event log.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('demo')
    .description('run a simulated agent on the embedded store (or --store postgres://…, or --memory)')
    .addOption(storeOption())
    .addOption(workspaceOption())
    .option('--memory', 'use an in-memory store (nothing persists)', false)
    .option('--seed <n>', 'random seed: same seed, same run', integer(0, 2 ** 31 - 1), 7)
    .option('--speed <x>', 'playback speed factor; 0 = as fast as possible', positiveNumber, 1)
    .option(
      '--transitions <n>',
      `how many transitions to play (at least ${MIN_TRANSITIONS})`,
      integer(MIN_TRANSITIONS, 10_000_000),
      40,
    )
    .option(
      '--fail-store-every <n>',
      'make every Nth transition append attempt fail, however appends are grouped (N ≥ 2; 0 = never), to show fail-loud + retry',
      failEvery,
      0,
    )
    .option('--inspect', 'start the inspector, print its URL, and keep serving until Ctrl-C', false)
    .option('--json', 'print the summary as JSON', false)
    .option(
      '--resume',
      "continue the workspace's agent where its chain ends (a paused one stays paused)",
      false,
    )
    .action(async (o) => {
      const kept = o.resume || o.memory ? null : await setAsideDemoChain(o.store, o.workspace);
      if (kept !== null && !o.json)
        out(`previous chain file kept as ${kept}; this run starts a fresh chain\n`);
      let inspector: InspectorHandle | null = null;
      if (o.inspect) {
        inspector = await startInspector({});
        out(`inspector: ${inspector.url}\n`);
      }
      try {
        await withStore(
          o.store,
          async (store, label) => {
            if (!o.resume && !o.memory && isPostgresUrl(o.store)) {
              if ((await store.read(o.workspace, { limit: 1 })).length > 0)
                throw existingChainOnServer(o.workspace);
            }
            const summary = await runDemo({
              store,
              storeLabel: label,
              workspaceId: o.workspace,
              seed: o.seed,
              transitions: o.transitions,
              speed: o.speed,
              failStoreEvery: o.failStoreEvery,
              progress: !o.json && o.transitions > 200,
              resume: o.resume,
              write: o.json ? () => {} : out,
              ...(inspector ? { inspect: inspector } : {}),
            });
            out(
              o.json
                ? JSON.stringify({ ...summary, previousFileKeptAs: kept }, null, 2)
                : formatSummary(summary),
            );
            if (!o.json && !o.memory) {
              const cli = selfCommand();
              const at = `--store ${o.store} --workspace ${o.workspace}`;
              out(`\nLook at it:  ${cli} events ${at}`);
              out(`             ${cli} verify ${at}`);
              out(`             ${cli} status ${at}`);
            }
            if (!summary.verify.ok) throw new CommandFailure('the demo chain does not verify');
          },
          true,
          o.memory,
        );
        if (inspector) {
          // Listen before saying so: stdout to a pipe is written synchronously, and a reader may press
          // Ctrl-C the moment it sees the line.
          const interrupted = untilInterrupted();
          out(`\ninspector still serving the run at ${inspector.url} (Ctrl-C to stop)`);
          await interrupted;
        }
      } finally {
        await inspector?.close();
      }
    });

  program
    .command('events')
    .description('read the chain: a table, or --json for the whole chain as one JSON array (streamed)')
    .addOption(storeOption())
    .addOption(workspaceOption())
    .option('--prefix <text>', 'only event types starting with this, e.g. kora.boot.', eventTypePrefix, '')
    .option('--after <seq>', 'only events after this seq', integer(0), 0)
    .option(
      '--limit <n>',
      'at most this many events (default: all with --json, 100 in the table)',
      integer(1),
    )
    .option('--follow', 'keep printing new events until interrupted', false)
    .option('--json', 'print one JSON array of stored events', false)
    .action(async (o) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await withStore(o.store, (store) => runEvents(store, o.workspace, o, out, abort.signal));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  const helpers = { storeOption, workspaceOption, withStore, out, err };
  registerVerify(program, helpers);
  registerKeygen(program, out);
  registerCheckpoint(program, helpers);
  registerStatus(program, helpers);

  program
    .command('chart')
    .description('print the chart: Mermaid state diagram, Graphviz DOT, or the machine definition as JSON')
    .addOption(new Option('--format <format>', 'output format').choices(CHART_FORMATS).default('mermaid'))
    .action((o) => {
      out(renderChart(o.format));
    });

  program
    .command('vocab')
    .description('the chain event types, the literal rules as read from the chart, and the SQL seeding them')
    .option('--json', 'print as JSON', false)
    .action((o) => {
      const report = vocabReport();
      const seedSql = vocabularySeedSql();
      out(o.json ? JSON.stringify({ ...report, seedSql }, null, 2) : formatVocab(report, seedSql));
    });

  program
    .command('migrate')
    .description('apply pending SQL migrations to a PostgreSQL store (the embedded store migrates on open)')
    .addOption(
      new Option('--store <postgres://url>', 'the PostgreSQL server to migrate')
        .makeOptionMandatory()
        .argParser(storeSpec),
    )
    .action(async (o) => {
      if (!isPostgresUrl(o.store)) {
        throw new UsageError(
          `--store ${o.store} is not a postgres:// URL (the embedded store migrates itself)`,
        );
      }
      const { openPostgresChainStore } = await import('../store/postgres/postgres-store.js');
      const store = await openPostgresChainStore({ connectionString: o.store, migrate: false });
      try {
        const applied = await store.migrate();
        out(applied.length === 0 ? 'schema is up to date' : `applied: ${applied.join(', ')}`);
      } finally {
        await store.close();
      }
    });

  program
    .command('inspect')
    .description('open a recorded trace (JSONL) in the inspector; serves until Ctrl-C')
    .requiredOption('--trace <file>', "a trace from recorder.toJSONL() or the page's download")
    .option('--port <n>', 'port to serve on (default: a free one)', integer(0, 65_535))
    .action(async (o) => {
      const { handle, records, badLines } = await openTrace(
        o.trace,
        o.port === undefined ? {} : { port: o.port },
      );
      const interrupted = untilInterrupted(); // before the URL is printed: see demo --inspect
      try {
        const skipped = badLines.length > 0 ? ` (${badLines.length} bad lines skipped)` : '';
        out(`${records} records from ${o.trace}${skipped}`);
        out(`inspector: ${handle.url}`);
        out('(Ctrl-C to stop; the URL carries a per-run token: keep it private)');
        await interrupted;
      } finally {
        await handle.close();
      }
    });

  program.addCommand(cockpitCommand(DEFAULT_STORE));
  registerCanonicalize(program, (text) => process.stdout.write(text));

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem (help shown for a missing command
      // included) is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      err(`opstate: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof CommandFailure) {
      err(`opstate: ${e.message}`);
      return EXIT.failure;
    }
    if (e instanceof ChainStoreError) {
      err(`opstate: store error (${e.kind}): ${e.message}`);
      // A path that holds no store is a wrong --store, whichever command opened it.
      return e.kind === 'not_a_store' ? EXIT.usage : EXIT.failure;
    }
    err(`opstate: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failure;
  }
}

endQuietlyWhenReaderGoes();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
