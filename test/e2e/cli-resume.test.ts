/*
 * The CLI side of resume: `demo` runs start a fresh chain (same seed, same head; the previous file is
 * kept), `demo --resume` continues a killed demo (a paused one stays paused), `status` says what a
 * resume would start in, and `events` marks restarts in text and JSON.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createOperationalState,
  openSqliteChainStore,
  resumeOperationalState,
  silentLogger,
} from '../../src/index.js';
import { selfCommand } from '../../src/cli/demo/demo-chain.js';
import { cli, cliProcess } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'opstate-cli-resume-'));

describe('opstate demo: a fresh chain per run, and --resume', () => {
  it('two plain runs with one seed give one head; the first chain is kept in its own file', async () => {
    const dir = join(work, 'twice');
    const args = ['demo', '--store', dir, '--speed', '0', '--seed', '7', '--transitions', '24'];
    const first = await cli([...args, '--json']);
    const second = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const head = (JSON.parse(first.stdout) as { head: { hash: string } }).head.hash;
    expect(second.stdout).toContain(head);
    expect(second.stdout).toMatch(
      /previous chain file kept as .*chain-[0-9TZ.-]+\.db; this run starts a fresh chain/,
    );
    const kept = readdirSync(dir).filter((f) => /^chain-.*\.db$/.test(f));
    expect(kept).toHaveLength(1);
    const old = await openSqliteChainStore({ file: join(dir, kept[0] ?? ''), readOnly: true });
    expect(await old.verify('demo')).toMatchObject({ ok: true, headHash: head });
    await old.close();
    // The closing lines name a command that works from here (tsx from a source checkout).
    expect(second.stdout).toMatch(/Look at it: {2}npx tsx src\/cli\/main\.ts events --store /);
  }, 120_000);

  it('a demo killed while paused resumes paused (status says so first)', async () => {
    const dir = join(work, 'killed');
    const demo = cliProcess(['demo', '--store', dir, '--speed', '1', '--seed', '7', '--transitions', '200']);
    await demo.waitFor(/→ paused /, 90_000);
    demo.child.kill('SIGKILL');
    await demo.exited;
    const status = await cli(['status', '--store', dir, '--workspace', 'demo', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as {
      startsIn: { state: string };
      lastVerifiedSeq: number;
      owner: unknown;
    };
    expect(report.startsIn.state).toBe('paused');
    expect(report.owner).toBeNull();
    const resumed = await cli(['demo', '--store', dir, '--resume', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as {
      finalState: string;
      resumed: { startedIn: string; played: boolean; from: { seq: number; epoch: number } };
      verify: { ok: boolean };
    };
    expect(summary).toMatchObject({
      finalState: 'paused',
      resumed: { startedIn: 'paused', played: false },
      verify: { ok: true },
    });
    expect(summary.resumed.from).toMatchObject({ seq: report.lastVerifiedSeq, epoch: 1 });
    const text = await cli(['status', '--store', dir, '--workspace', 'demo']);
    expect(text.stdout).toMatch(/resume {7}would start in paused/);
    expect(text.stdout).toMatch(/owner {8}epoch 1, claimed /);
    // No fresh chain for a resume: nothing was set aside.
    expect(readdirSync(dir).filter((f) => /^chain-.*\.db$/.test(f))).toHaveLength(0);
  }, 180_000);
});

describe('opstate events: restarts', () => {
  it('marks a fresh boot and a resume in the table and in --json; a resumed paused agent shows no break', async () => {
    const dir = join(work, 'restarts');
    const file = join(dir, 'chain.db');
    const store = await openSqliteChainStore({ file });
    const target = { store, workspaceId: 'demo' };
    const first = createOperationalState(target, { logger: silentLogger });
    await first.transitionTo('ready', 'all §9.2 gates pass');
    await first.stop();
    const fresh = createOperationalState(target, { logger: silentLogger }); // a restart without resume
    await fresh.transitionTo('ready', 'all §9.2 gates pass');
    await fresh.transitionTo('paused', 'operator');
    await fresh.stop();
    const resumedPaused = await resumeOperationalState(target, { logger: silentLogger });
    await resumedPaused.transitionTo('ready', 'operator clears via kora_control reset');
    await resumedPaused.stop();
    const resumedReady = await resumeOperationalState(target, { logger: silentLogger });
    await resumedReady.transitionTo('ready', 'all §9.2 gates pass');
    await resumedReady.stop();
    await store.close();

    const table = await cli(['events', '--store', dir]);
    expect(table.code, table.stderr).toBe(0);
    const marks = table.stdout.split('\n').filter((l) => l.includes('restart:'));
    expect(marks).toHaveLength(3);
    expect(marks[0]).toContain('restart: fresh boot');
    expect(marks[1]).toContain('restart: resumed from seq');
    expect(marks[2]).toContain('restart: resumed from seq');
    const json = await cli(['events', '--store', dir, '--json']);
    const events = JSON.parse(json.stdout) as {
      seq: number;
      restart?: { kind: string; break: boolean; resumedFromSeq: number };
    }[];
    const restarts = events.filter((e) => e.restart !== undefined).map((e) => e.restart);
    expect(restarts).toMatchObject([
      { kind: 'fresh_boot', break: true },
      { kind: 'resumed', break: false }, // paused → ready continues the chain: no false break
      { kind: 'resumed', break: true },
    ]);
    // Listing from the middle still sees the restart at its first event.
    const seq = events.find((e) => e.restart?.kind === 'fresh_boot')?.seq ?? 0;
    const tail = await cli(['events', '--store', dir, '--after', String(seq - 1)]);
    expect(tail.stdout.split('\n')[3]).toContain('restart: fresh boot');
    expect(existsSync(file)).toBe(true);
  }, 120_000);
});

describe('selfCommand', () => {
  it('names the command that works where the CLI runs', () => {
    expect(selfCommand('/home/u/opstate/dist/cli/main.js', '/home/u/opstate')).toBe('node dist/cli/main.js');
    expect(selfCommand('/home/u/opstate/src/cli/main.ts', '/home/u/opstate')).toBe('npx tsx src/cli/main.ts');
    expect(selfCommand('/home/u/app/node_modules/opstate/dist/cli/main.js', '/home/u/app')).toBe(
      'npx opstate',
    );
    expect(selfCommand('/usr/lib/node_modules/opstate/dist/cli/main.js', '/home/u/app')).toBe('opstate');
  });
});
