import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createInspectionRecorder } from '../../src/inspect/recorder.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { createMemoryChainStore } from '../../src/store/memory/memory-store.js';
import { cli, cliProcess } from '../support/cli.js';

// The README promises: exit 0 ok, 1 a problem found, 2 a usage error (naming the bad value). One row per
// case, mirroring the README's command table: every command and every flag it lists has a row here (the
// last tests check both lists against `--help`, so a new flag without a row fails).

interface Row {
  readonly args: readonly string[];
  readonly exit: 0 | 1 | 2;
  /** The first line of stdout (exit 0) or stderr (otherwise), unless `stream` says which. */
  readonly first: RegExp;
  readonly stream?: 'stdout' | 'stderr';
  /**
   * A long-running command: wait for `first` on stdout (and for this, if given, before Ctrl-C), then
   * Ctrl-C (SIGINT), which must exit 0.
   */
  readonly interrupt?: true | RegExp;
  /** Needs a PostgreSQL server. */
  readonly pg?: true;
}

const work = mkdtempSync(join(tmpdir(), 'opstate-exit-'));
const STORE = join(work, 'store');
const FILE = join(work, 'a-file');
const MISSING = join(work, 'missing');
const TRACE = join(work, 'trace.jsonl');
const KEY = join(work, 'opstate.key');
const PUB = join(work, 'opstate.pub');
const CHECKPOINT = join(work, 'checkpoint.json');
const PG = inject('pgUrl');
const CANON_IN = join(work, 'canon.json');
const TOKEN_FILE = join(work, 'cockpit.token');
const NOT_SQLITE = join(work, 'not-sqlite');
const OPEN_KEY = join(work, 'open.key');
const DUP_CHECKPOINT = join(work, 'checkpoint-dup.json');
const CANON_DUP = join(work, 'canon-dup.json');

const ROWS: readonly Row[] = [
  { args: ['--version'], exit: 0, first: /^\d+\.\d+\.\d+$/ },
  { args: ['-V'], exit: 0, first: /^\d+\.\d+\.\d+$/ },
  { args: ['--help'], exit: 0, first: /^Usage: opstate/ },
  { args: [], exit: 2, first: /^Usage: opstate/ },
  { args: ['explode'], exit: 2, first: /unknown command 'explode'/ },

  { args: ['demo', '--memory', '--speed', '0'], exit: 0, first: /^\s+1 {2}booting → / },
  { args: ['demo', '--memory', '--speed', '0', '--json'], exit: 0, first: /^\{$/ },
  {
    args: ['demo', '--memory', '--speed', '0', '--seed', '3', '--transitions', '16'],
    exit: 0,
    first: /^\s+1 /,
  },
  // Every other append fails: each failure is retried and lands, so the demo ends, and says so.
  { args: ['demo', '--memory', '--speed', '0', '--fail-store-every', '2'], exit: 0, first: /^\s+1 / },
  {
    args: ['demo', '--memory', '--fail-store-every', '1'],
    exit: 2,
    first: /'--fail-store-every <n>' argument '1'/,
  },
  { args: ['demo', '--memory', '--seed', 'x'], exit: 2, first: /'--seed <n>' argument 'x' is invalid/ },
  { args: ['demo', '--memory', '--speed', '-1'], exit: 2, first: /'--speed <x>' argument '-1' is invalid/ },
  { args: ['demo', '--memory', '--transitions', '1'], exit: 2, first: /'--transitions <n>' argument '1'/ },
  {
    args: ['demo', '--memory', '--workspace', ''],
    exit: 2,
    first: /'--workspace <id>' argument '' is invalid/,
  },
  { args: ['demo', '--store', FILE], exit: 2, first: /--store .*a-file is a file, not a directory/ },
  {
    args: ['demo', '--store', 'postgres://'],
    exit: 2,
    first: /argument 'postgres:\/\/' is invalid.*needs a host/,
  },
  {
    args: ['demo', '--memory', '--speed', '0', '--inspect'],
    exit: 0,
    first: /^inspector: http:\/\/127\.0\.0\.1:\d+\/\?token=/,
    interrupt: /still serving the run/,
  },
  { args: ['demo', '--store', STORE, '--workspace', 'second', '--speed', '0'], exit: 0, first: /^\s+1 / },
  {
    args: ['demo', '--store', STORE, '--workspace', 'resumed', '--resume', '--speed', '0'],
    exit: 0,
    first: /^resumed from an empty chain, owner epoch 1: starts in booting/,
  },
  // The file now holds more than the demo's workspace: a fresh demo will not move it.
  {
    args: ['demo', '--store', STORE, '--speed', '0'],
    exit: 2,
    first: /chain\.db holds other workspaces besides demo \("resumed", "second"\)/,
  },
  { args: ['status', '--store', STORE], exit: 0, first: /^workspace {4}demo in / },
  { args: ['status', '--store', STORE, '--workspace', 'nobody', '--json'], exit: 0, first: /^\{$/ },
  { args: ['status', '--store', MISSING], exit: 2, first: /store directory .*missing does not exist/ },

  { args: ['events', '--store', STORE], exit: 0, first: /^┌/ },
  { args: ['events', '--store', STORE, '--json'], exit: 0, first: /^\[$/ },
  {
    args: ['events', '--store', STORE, '--prefix', 'kora.boot.', '--after', '1', '--limit', '5'],
    exit: 0,
    first: /^┌/,
  },
  { args: ['events', '--store', STORE, '--follow'], exit: 0, first: /^┌/, interrupt: true },
  { args: ['events', '--store', STORE, '--limit', '0'], exit: 2, first: /'--limit <n>' argument '0'/ },
  { args: ['events', '--store', STORE, '--after', '-1'], exit: 2, first: /'--after <seq>' argument '-1'/ },
  { args: ['events', '--store', STORE, '--workspace', ''], exit: 2, first: /'--workspace <id>' argument ''/ },
  { args: ['events', '--store', MISSING], exit: 2, first: /store directory .*missing does not exist/ },
  {
    args: ['events', '--store', STORE, '--prefix', 'k'.repeat(300)],
    exit: 2,
    first: /'--prefix <text>' argument .* is invalid. expected at most 256 characters/,
  },
  // One code for one cause: a chain.db that is not SQLite is a wrong --store in every command.
  { args: ['events', '--store', NOT_SQLITE], exit: 2, first: /not an opstate chain store/ },
  { args: ['verify', '--store', NOT_SQLITE], exit: 2, first: /not an opstate chain store/ },
  { args: ['demo', '--store', NOT_SQLITE, '--speed', '0'], exit: 2, first: /not an opstate chain store/ },
  { args: ['events', '--store', FILE], exit: 2, first: /is a file, not a directory/ },

  {
    args: ['verify', '--store', STORE],
    exit: 0,
    first: /^workspace demo: ok, \d+ events, head [0-9a-f]{64}$/,
  },
  { args: ['verify', '--store', STORE, '--json'], exit: 0, first: /^\{$/ },
  { args: ['verify', '--store', STORE, '--all'], exit: 0, first: /^workspace (demo|second): ok/ },
  { args: ['verify', '--store', STORE, '--all', '--json'], exit: 0, first: /^\[$/ },
  {
    args: ['verify', '--store', STORE, '--workspace', 'nobody'],
    exit: 1,
    first: /^workspace nobody: FAILED/,
    stream: 'stdout',
  },
  { args: ['verify', '--store', 'postgres://'], exit: 2, first: /needs a host/ },
  { args: ['verify', '--store', 'postgresql://'], exit: 2, first: /needs a host/ },
  {
    args: ['verify', '--store', 'postgres://h:99999/db'],
    exit: 2,
    first: /'postgres:\/\/h:99999\/db' is invalid/,
  },
  {
    args: ['verify', '--store', 'postgres://u:%ZZ@h/db'],
    exit: 2,
    first: /is invalid. not a valid postgres/,
  },
  { args: ['verify', '--store', 'mysql://h/db'], exit: 2, first: /scheme mysql:\/\/ is not supported/ },
  // A bad URL carrying a password is named with the password redacted.
  {
    args: ['verify', '--store', 'postgres://u:secret@/db'],
    exit: 2,
    first: /^opstate: --store postgres:\/\/u:\*\*\*@\/db is invalid: /,
  },
  { args: ['verify', '--store', ''], exit: 2, first: /argument '' is invalid/ },
  { args: ['verify', '--store', 'postgres://127.0.0.1:1/none'], exit: 1, first: /^opstate: store error/ },

  { args: ['chart'], exit: 0, first: /^stateDiagram-v2$/ },
  { args: ['chart', '--format', 'dot'], exit: 0, first: /^digraph / },
  { args: ['chart', '--format', 'json'], exit: 0, first: /^\{$/ },
  { args: ['chart', '--format', 'xml'], exit: 2, first: /argument 'xml' is invalid/ },

  { args: ['vocab'], exit: 0, first: /\S/ },
  { args: ['vocab', '--json'], exit: 0, first: /^\{$/ },

  {
    args: ['migrate', '--store', PG ?? 'postgres://'],
    exit: 0,
    first: /^(schema is up to date|applied: )/,
    pg: true,
  },
  { args: ['migrate'], exit: 2, first: /required option '--store/ },
  { args: ['migrate', '--store', STORE], exit: 2, first: /is not a postgres:\/\/ URL/ },
  { args: ['migrate', '--store', 'postgres://'], exit: 2, first: /needs a host/ },

  {
    args: ['inspect', '--trace', TRACE, '--port', '0'],
    exit: 0,
    first: /^\d+ records from /,
    interrupt: true,
  },
  { args: ['inspect', '--trace', MISSING], exit: 2, first: /cannot read --trace/ },
  { args: ['inspect', '--trace', TRACE, '--port', '70000'], exit: 2, first: /'--port <n>' argument '70000'/ },
  { args: ['inspect'], exit: 2, first: /required option '--trace/ },

  {
    args: ['keygen', '--private-key', join(work, 'k2.key'), '--public-key', join(work, 'k2.pub')],
    exit: 0,
    first: /^wrote .*k2\.key \(private, mode 0600\)/,
  },
  {
    args: ['keygen', '--private-key', KEY, '--public-key', join(work, 'k3.pub')],
    exit: 2,
    first: /refusing to overwrite .*opstate\.key/,
  },
  { args: ['keygen'], exit: 2, first: /required option '--private-key/ },
  {
    args: ['keygen', '--private-key', join(work, 'k4.key')],
    exit: 2,
    first: /required option '--public-key/,
  },

  { args: ['checkpoint', '--store', STORE, '--private-key', KEY], exit: 0, first: /^\{$/ },
  {
    args: [
      'checkpoint',
      '--store',
      STORE,
      '--workspace',
      'demo',
      '--private-key',
      KEY,
      '--out',
      join(work, 'cp2.json'),
    ],
    exit: 0,
    first: /^checkpoint of demo at seq \d+ written to /,
  },
  {
    args: ['checkpoint', '--store', STORE, '--private-key', MISSING],
    exit: 2,
    first: /cannot read private key file/,
  },
  { args: ['checkpoint', '--store', STORE], exit: 2, first: /required option '--private-key/ },
  {
    args: ['checkpoint', '--store', STORE, '--private-key', OPEN_KEY],
    exit: 2,
    first: /open\.key is accessible by group or others \(mode 0644\).*chmod 600 /,
  },
  {
    args: ['verify', '--store', STORE, '--checkpoint', DUP_CHECKPOINT, '--public-key', PUB],
    exit: 2,
    first: /checkpoint-dup\.json is malformed: duplicate key "seq"/,
  },
  {
    args: ['verify', '--store', STORE, '--checkpoint', CHECKPOINT, '--public-key', PUB],
    exit: 0,
    first: /^workspace demo: ok, \d+ events, head [0-9a-f]{64} \(1 checkpoint matched\)$/,
  },
  {
    args: ['verify', '--store', STORE, '--checkpoint', MISSING, '--public-key', PUB],
    exit: 2,
    first: /cannot read checkpoint file/,
  },

  { args: ['cockpit', '--store', STORE, '--once'], exit: 0, first: /^┌─+┬/ },
  { args: ['cockpit', '--store', STORE, '--once', '--json'], exit: 0, first: /^\{$/ },
  { args: ['cockpit', '--store', MISSING, '--once'], exit: 2, first: /--store .*missing does not exist/ },
  { args: ['cockpit', '--store', STORE, '--poll-ms', '5'], exit: 2, first: /'--poll-ms <n>' argument '5'/ },
  {
    args: ['cockpit', '--store', STORE, '--port', '0'],
    exit: 0,
    first: /^cockpit: http:\/\/127\.0\.0\.1:\d+\/\?token=/,
    interrupt: /^\d+ workspaces? in .*; watching: (push|poll every \d+ ms) \(.*\)$/m,
  },
  {
    args: ['cockpit', '--store', STORE, '--port', '0', '--metrics', '--token-file', TOKEN_FILE],
    exit: 0,
    first: /^cockpit: http:\/\/127\.0\.0\.1:\d+\/\?token=/,
    interrupt: /^\d+ workspaces? in .*; watching: (push|poll every \d+ ms) \(.*\)$/m,
  },
  {
    args: ['cockpit', '--store', STORE, '--listen-url', 'postgres://viewer@db.internal/opstate', '--once'],
    exit: 2,
    first: /--listen-url goes with a postgres:\/\/ store/,
  },
  {
    args: [
      'cockpit',
      '--store',
      'postgres://viewer@127.0.0.1:1/opstate',
      '--listen-url',
      'http://u:secret@h/x',
    ],
    exit: 2,
    first: /--listen-url must be a postgres:\/\/ URL .*got "http:\/\/u:\*\*\*@h\/x"/,
  },
  {
    args: ['cockpit', '--store', STORE, '--checkpoints', FILE],
    exit: 2,
    first: /--checkpoints goes with --metrics/,
  },

  { args: ['canonicalize', CANON_IN], exit: 0, first: /^\{"a":100,"b":"\u007f"\}$/ },
  { args: ['canonicalize', CANON_DUP], exit: 2, first: /duplicate key "seq"/ },
  { args: ['canonicalize', FILE], exit: 2, first: /a-file: not JSON/ },
  { args: ['canonicalize', MISSING], exit: 2, first: /cannot read .*missing/ },
];

beforeAll(async () => {
  writeFileSync(FILE, 'not a store\n');
  writeFileSync(CANON_IN, '{ "b": "\u007f", "a": 1e2 }\n');
  writeFileSync(CANON_DUP, '{ "seq": 41, "seq": 42 }\n');
  const made = await cli(['demo', '--store', STORE, '--speed', '0', '--transitions', '16'], {
    timeoutMs: 120_000,
  });
  expect(made.code, made.stderr).toBe(0);
  const keys = await cli(['keygen', '--private-key', KEY, '--public-key', PUB]);
  expect(keys.code, keys.stderr).toBe(0);
  const signed = await cli(['checkpoint', '--store', STORE, '--private-key', KEY, '--out', CHECKPOINT]);
  expect(signed.code, signed.stderr).toBe(0);
  mkdirSync(NOT_SQLITE);
  writeFileSync(join(NOT_SQLITE, 'chain.db'), 'not a SQLite database, just text\n');
  copyFileSync(KEY, OPEN_KEY);
  chmodSync(OPEN_KEY, 0o644);
  // An earlier seq named first: JSON.parse would keep the genuine one, and verify would pass.
  writeFileSync(
    DUP_CHECKPOINT,
    readFileSync(CHECKPOINT, 'utf8').replace(
      /"seq": (\d+)/,
      (_m, seq: string) => `"seq": ${Number(seq) - 1}, "seq": ${seq}`,
    ),
  );
  // A trace as a user would record one.
  const recorder = createInspectionRecorder();
  const runtime = createOperationalState(
    { store: createMemoryChainStore(), workspaceId: 'trace' },
    { inspect: recorder },
  );
  await runtime.transitionTo('ready', 'all §9.2 gates pass');
  await runtime.stop();
  writeFileSync(TRACE, recorder.toJSONL());
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const firstLine = (text: string) => text.split('\n')[0] ?? '';

async function check(row: Row): Promise<void> {
  if (row.interrupt) {
    const proc = cliProcess(row.args, work);
    await proc.waitFor(new RegExp(row.first.source, 'm'), 60_000);
    if (row.interrupt !== true) await proc.waitFor(row.interrupt, 60_000);
    expect(firstLine(proc.output().stdout)).toMatch(row.first);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(row.exit);
    return;
  }
  const r = await cli(row.args, { cwd: work, timeoutMs: 90_000 });
  const stream = row.stream ?? (row.exit === 0 ? 'stdout' : 'stderr');
  expect({ code: r.code, first: firstLine(r[stream]) }, `${r.stdout}\n${r.stderr}`).toEqual({
    code: row.exit,
    first: expect.stringMatching(row.first),
  });
}

const title = (row: Row) =>
  `opstate ${row.args.map((a) => a.replace(work, '<tmp>') || "''").join(' ')} → ${row.exit}`;
// Rows on the shared store run one after another, so a row that writes (checkpoint --out) is not raced.
const onStore = (row: Row) => row.args.includes(STORE);

describe.concurrent('opstate exit codes and first lines', () => {
  for (const row of ROWS.filter((r) => !onStore(r))) {
    it.skipIf(row.pg === true && PG === null)(title(row), () => check(row), 120_000);
  }
});

describe.sequential('opstate exit codes and first lines, on one embedded store', () => {
  for (const row of ROWS.filter(onStore)) it(title(row), () => check(row), 120_000);
});

/** `opstate [command] --help`: the commands, or one command's long flags. */
async function helpList(command?: string): Promise<string[]> {
  const r = await cli(command === undefined ? ['--help'] : [command, '--help']);
  const section = command === undefined ? /\nCommands:\n([\s\S]*)/ : /\nOptions:\n([\s\S]*)/;
  const body = section.exec(r.stdout)?.[1] ?? '';
  if (command === undefined) {
    return [...body.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
  }
  return [...new Set([...body.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))].filter((f) => f !== '--help');
}

/**
 * The documented command table: `| \`opstate <command>\` | flags … |` rows, in the README or any page
 * under docs/ (the table may move between them; every command must be in one of them).
 */
function readmeTable(): Map<string, string> {
  const docs = new URL('../../docs/', import.meta.url);
  const pages = [new URL('../../README.md', import.meta.url)];
  if (existsSync(docs)) {
    for (const name of readdirSync(docs)) if (name.endsWith('.md')) pages.push(new URL(name, docs));
  }
  const rows = new Map<string, string>();
  for (const page of pages) {
    for (const m of readFileSync(page, 'utf8').matchAll(/^\| `opstate ([a-z-]+)` *\|([^\n]*)$/gm))
      rows.set(m[1] as string, `${rows.get(m[1] as string) ?? ''}${m[2] as string}`);
  }
  return rows;
}

describe('the table covers the CLI', () => {
  it('has a row for every command and every flag of every command, and the README lists them all', async () => {
    const commands = await helpList();
    expect(commands.length).toBeGreaterThan(4);
    const readme = readmeTable();
    const missing: string[] = [];
    for (const command of commands) {
      const rows = ROWS.filter((r) => r.args[0] === command);
      if (rows.length === 0) missing.push(`test: ${command}`);
      if (!readme.has(command)) missing.push(`README: ${command}`);
      for (const flag of await helpList(command)) {
        if (!rows.some((r) => r.args.includes(flag))) missing.push(`test: ${command} ${flag}`);
        if (!(readme.get(command) ?? '').includes(`\`${flag}`)) missing.push(`README: ${command} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
  }, 120_000);
});
