#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ChainStoreError } from '../errors.js';
import type { ChainStore } from '../store/types.js';
import { CHART_FORMATS, formatVocab, renderChart, vocabReport } from './commands/chart.js';
import { runEvents } from './commands/events.js';
import { MIN_TRANSITIONS } from './demo/life.js';
import { formatSummary, runDemo } from './demo/run-demo.js';
import { CommandFailure, EXIT, UsageError } from './exit-codes.js';
import { DEFAULT_STORE, openStore } from './open-store.js';
import { integer, positiveNumber } from './parse.js';

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const err = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

const storeOption = () =>
  new Option(
    '--store <dir | postgres://url>',
    'the chain store: an embedded PGlite directory or a PostgreSQL URL',
  ).default(DEFAULT_STORE);
const workspaceOption = () =>
  new Option('--workspace <id>', 'the workspace whose chain to use').default('demo');

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

export function buildProgram(): Command {
  const program = new Command('opstate')
    .description('Operational state of agent processes, on a verifiable chain-event log.')
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
      'make every Nth store append fail, to show fail-loud + retry',
      integer(0),
      0,
    )
    .option('--json', 'print the summary as JSON', false)
    .action(async (o) => {
      await withStore(
        o.store,
        async (store, label) => {
          const summary = await runDemo({
            store,
            storeLabel: label,
            workspaceId: o.workspace,
            seed: o.seed,
            transitions: o.transitions,
            speed: o.speed,
            failStoreEvery: o.failStoreEvery,
            progress: !o.json && o.transitions > 200,
            write: o.json ? () => {} : out,
          });
          out(o.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
          if (!o.json && !o.memory) {
            out(`\nLook at it:  opstate events --store ${o.store} --workspace ${o.workspace}`);
            out(`             opstate verify --store ${o.store} --workspace ${o.workspace}`);
          }
          if (!summary.verify.ok) throw new CommandFailure('the demo chain does not verify');
        },
        true,
        o.memory,
      );
    });

  program
    .command('events')
    .description('read the chain: a table, or --json for an array of stored events')
    .addOption(storeOption())
    .addOption(workspaceOption())
    .option('--prefix <text>', 'only event types starting with this, e.g. kora.boot.', '')
    .option('--after <seq>', 'only events after this seq', integer(0), 0)
    .option('--limit <n>', 'at most this many events (1–10000)', integer(1, 10_000), 100)
    .option('--follow', 'keep printing new events until interrupted', false)
    .option('--json', 'print one JSON array of stored events', false)
    .action(async (o) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      try {
        await withStore(o.store, (store) => runEvents(store, o.workspace, o, out, abort.signal));
      } finally {
        process.off('SIGINT', stop);
      }
    });

  program
    .command('verify')
    .description('verify the hash chain from genesis; exits 1 on any divergence')
    .addOption(storeOption())
    .addOption(workspaceOption())
    .option('--json', 'print the result as JSON', false)
    .action(async (o) => {
      await withStore(o.store, async (store) => {
        const result = await store.verify(o.workspace);
        if (o.json) out(JSON.stringify({ workspaceId: o.workspace, ...result }, null, 2));
        else if (result.ok)
          out(`workspace ${o.workspace}: ok, ${result.length} events, head ${result.headHash}`);
        else {
          const d = result.firstDivergence;
          out(
            `workspace ${o.workspace}: FAILED at seq ${d.seq}: ${d.kind}: ${d.detail} (${result.length} events verified before it)`,
          );
        }
        if (!result.ok) throw new CommandFailure(`chain of workspace ${o.workspace} does not verify`);
      });
    });

  program
    .command('chart')
    .description('print the chart: Mermaid state diagram, Graphviz DOT, or the machine definition as JSON')
    .addOption(new Option('--format <format>', 'output format').choices(CHART_FORMATS).default('mermaid'))
    .action((o) => {
      out(renderChart(o.format));
    });

  program
    .command('vocab')
    .description('the chain event types and the literal rules, as read from the chart')
    .option('--json', 'print as JSON', false)
    .action((o) => {
      const report = vocabReport();
      out(o.json ? JSON.stringify(report, null, 2) : formatVocab(report, null));
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; every other parse problem is a usage error.
      return e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
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
      return EXIT.failure;
    }
    err(`opstate: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failure;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
