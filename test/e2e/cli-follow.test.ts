/*
 * A second terminal on a running agent's embedded store: `opstate events --follow` and `opstate verify`
 * read the SQLite file while another process appends to it. They see its events live, and the agent
 * never waits on them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliProcess } from '../support/cli.js';
import { until } from '../support/stores.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-cli-follow-'));
const AGENT = join(import.meta.dirname, '..', 'integration', 'fixtures', 'agent.ts');
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('a second process on a running agent’s store', () => {
  it('events --follow shows the agent’s events live and verify passes, while the agent keeps appending', async () => {
    const dir = join(root, 'live');
    const agent = spawn(process.execPath, ['--import', 'tsx', AGENT, 'live', join(dir, 'chain.db'), 'demo'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(agent);
    const acked: number[] = [];
    let stderr = '';
    agent.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString('utf8').matchAll(/^acked (\d+) ([\d.]+)$/gm)) acked.push(Number(m[2]));
    });
    agent.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    await until(() => acked.length >= 5, 30_000).catch(() => {
      throw new Error(`agent did not start: ${stderr}`);
    });

    const follow = cliProcess(['events', '--store', dir, '--workspace', 'demo', '--follow']);
    try {
      await follow.waitFor(/"live \d+"/);
      const seenAtStart = acked.length;
      // Verify from a third process, several times, while both run.
      for (let i = 0; i < 3; i++) {
        const verify = await cli(['verify', '--store', dir, '--workspace', 'demo']);
        expect(verify.stderr).toBe('');
        expect(verify.code).toBe(0);
        expect(verify.stdout).toMatch(/^workspace demo: ok, \d+ events/);
      }
      // An event the agent appended after the follower started shows up in the follower.
      const later = seenAtStart + 10;
      await until(() => acked.length >= later, 30_000);
      await follow.waitFor(new RegExp(`"live ${later}"`), 10_000);
    } finally {
      follow.child.kill('SIGINT');
    }
    expect(await follow.exited).toBe(0);
    agent.kill('SIGKILL');
    // The agent never waited on the readers: every durable transition (+ flush) stayed well under a
    // second while they read (a blocked writer would sit on the busy timeout, 5 s).
    expect(Math.max(...acked)).toBeLessThan(1000);
  }, 120_000);

  it('events --follow follows a running `opstate demo --speed 1`', async () => {
    const dir = join(root, 'demo');
    const demo = cliProcess(['demo', '--store', dir, '--speed', '1', '--transitions', '150']);
    children.add(demo.child);
    try {
      await demo.waitFor(/booting → ready/);
      const follow = cliProcess(['events', '--store', dir, '--follow']);
      try {
        await follow.waitFor(/kora\.boot\.ready/);
        const firstTable = follow.output().stdout;
        const seqs = [...firstTable.matchAll(/│ \w+\s+│ (\d+)\s+│/g)].map((m) => Number(m[1]));
        const shownAtStart = Math.max(...seqs);
        // A later table, printed because the demo appended more: its seqs continue past the first.
        await until(() => {
          const more = follow.output().stdout.slice(firstTable.length);
          return [...more.matchAll(/│ \w+\s+│ (\d+)\s+│/g)].some((m) => Number(m[1]) > shownAtStart);
        }, 20_000);
      } finally {
        follow.child.kill('SIGINT');
      }
      expect(await follow.exited).toBe(0);
    } finally {
      demo.child.kill('SIGINT');
      await demo.exited;
    }
  }, 120_000);
});
