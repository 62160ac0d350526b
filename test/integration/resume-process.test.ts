/*
 * Resume across real processes: a paused agent killed with SIGKILL comes back paused in a new process;
 * a resume fences the process that held the workspace; races of three processes resuming one workspace,
 * killed at random moments (during resume included), leave one owner and a chain that verifies; an
 * outbox's leftover from a killed process is part of what is resumed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openPostgresChainStore,
  openSqliteChainStore,
  resumeOperationalState,
  silentLogger,
} from '../../src/index.js';
import { type OwnedChainStore } from '../../src/store/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshSqliteFile, freshWorkspace, PG_URL } from '../support/engines.js';
import { readAll } from '../support/forge.js';
import { until } from '../support/stores.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'resume-agent.ts');
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface Agent {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  stderr: string;
}

function agent(...args: string[]): Agent {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const a: Agent = {
    child,
    lines: [],
    stderr: '',
    exited: new Promise((resolve) =>
      child.on('exit', (code) => {
        children.delete(child);
        resolve(code);
      }),
    ),
  };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    a.lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => (a.stderr += chunk.toString('utf8')));
  return a;
}

const said = (a: Agent, prefix: string) => a.lines.find((l) => l.startsWith(prefix));

async function kill9(a: Agent): Promise<void> {
  a.child.kill('SIGKILL');
  await a.exited;
}

interface Target {
  readonly name: string;
  readonly available: boolean;
  spec(): string;
  open(spec: string): Promise<OwnedChainStore>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    available: true,
    spec: () => freshSqliteFile(),
    open: (file) => openSqliteChainStore({ file }),
  },
  {
    name: 'postgres',
    available: PG_URL !== null,
    spec: () => PG_URL ?? '',
    open: (url) => openPostgresChainStore({ connectionString: url }),
  },
];

for (const t of targets) {
  describe.skipIf(!t.available)(`[${t.name}] resume in a new process`, () => {
    it('a paused agent killed with SIGKILL resumes paused, same reasons, and its next transition continues the chain', async () => {
      const spec = t.spec();
      const ws = freshWorkspace();
      const first = agent('pause', spec, ws);
      await until(() => said(first, 'paused') !== undefined || first.child.exitCode !== null, 60_000);
      expect(first.stderr).toBe('');
      await kill9(first);
      const second = agent('resume', spec, ws);
      expect(await second.exited).toBe(0);
      const resumed = JSON.parse((said(second, 'resumed ') ?? '').slice('resumed '.length)) as {
        current: { primaryState: string; claimPermission: string; degradationReasons: string[] };
        resumedFrom: { seq: number; state: string; epoch: number };
      };
      expect(resumed.current).toMatchObject({
        primaryState: 'paused',
        claimPermission: 'critical_only',
        degradationReasons: ['auth', 'cost'],
      });
      expect(resumed.resumedFrom).toMatchObject({ state: 'paused', epoch: 2 });
      const store = await t.open(spec);
      try {
        expect(await store.verify(ws)).toMatchObject({ ok: true });
        const events = await readAll(store, ws);
        const next = events.find((e) => e.seq === resumed.resumedFrom.seq + 1);
        expect(next?.payload).toMatchObject({ from_primary_state: 'paused', to_primary_state: 'ready' });
      } finally {
        await store.close();
      }
    }, 120_000);

    it('process B resumes the workspace of running process A: A is fenced, and after B’s claim the chain holds only B', async () => {
      const spec = t.spec();
      const ws = freshWorkspace();
      const a = agent('loop', spec, ws);
      const store = await t.open(spec);
      try {
        // A has appended a few transitions.
        for (let t0 = Date.now(); (await store.read(ws)).length < 6 && a.child.exitCode === null;) {
          if (Date.now() - t0 > 60_000) throw new Error('process A appended nothing');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const b = await resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
        await until(() => said(a, 'fenced') !== undefined || a.child.exitCode !== null, 30_000);
        expect(said(a, 'fenced')).toBeDefined();
        expect(await a.exited).toBe(0);
        await b.transitionTo('ready', 'all §9.2 gates pass e2');
        await b.transitionTo('active', 'claim acquired e2');
        await b.stop();
        const claim = await store.ownership.current(ws);
        expect(claim?.epoch).toBe(2);
        const after = (await readAll(store, ws)).filter((e) => e.seq > (claim?.resumedFromSeq ?? 0));
        expect(after.map((e) => String(e.payload.trigger))).toStrictEqual([
          'all §9.2 gates pass e2',
          'all §9.2 gates pass e2',
          'claim acquired e2',
        ]);
        expect(await store.verify(ws)).toMatchObject({ ok: true });
      } finally {
        await store.close();
      }
    }, 120_000);
  });
}

describe('[sqlite] 20 rounds of kill/resume races between 3 processes', () => {
  it('leave one owner per round and a chain that verifies, each claim followed only by its owner', async () => {
    const spec = freshSqliteFile();
    const ws = freshWorkspace();
    let rounds = 0;
    for (let round = 0; round < 20; round++) {
      const trio = [agent('loop', spec, ws), agent('loop', spec, ws), agent('loop', spec, ws)];
      if (round % 4 === 3) {
        // Killed at a random moment, resume included.
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(Math.random() * 2200)));
      } else {
        // Two of three are fenced by the newest claim; the third owns the workspace.
        await until(
          () =>
            (trio.filter((a) => said(a, 'fenced') !== undefined).length >= 2 &&
              trio.every((a) => said(a, 'owner ') !== undefined)) ||
            trio.some((a) => a.child.exitCode !== null && said(a, 'fenced') === undefined),
          60_000,
        );
        for (const a of trio) expect(a.stderr).toBe('');
        const owners = trio.filter((a) => said(a, 'fenced') === undefined);
        expect(owners).toHaveLength(1);
        const epochs = trio.map((a) => Number((said(a, 'owner ') ?? 'owner 0').slice(6)));
        const ownerEpoch = Number((said(owners[0] as Agent, 'owner ') ?? '').slice(6));
        expect(ownerEpoch).toBe(Math.max(...epochs));
        rounds += 1;
      }
      await Promise.all(trio.map(kill9));
    }
    expect(rounds).toBe(15);
    const store = await openSqliteChainStore({ file: spec });
    try {
      expect(await store.verify(ws)).toMatchObject({ ok: true });
      const claims = await store.ownership.claims(ws);
      expect(claims.length).toBeGreaterThanOrEqual(45);
      for (const e of await readAll(store, ws)) {
        if (e.eventType !== GENERIC_TRANSITION_EVENT) continue;
        const owner = claims.filter((c) => c.resumedFromSeq < e.seq).at(-1);
        expect(String(e.payload.trigger)).toContain(` e${owner?.epoch} `.trimEnd());
      }
      // The workspace is claimable after all that.
      const rt = await resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
      expect(rt.resumedFrom?.epoch).toBe(claims.length + 1);
      await rt.stop();
    } finally {
      await store.close();
    }
  }, 600_000);
});

describe('[sqlite] an outbox leftover of a killed process', () => {
  it('is part of what is resumed: the queued pause holds, and lands under the new owner', async () => {
    const spec = freshSqliteFile();
    const outbox = freshSqliteFile('outbox');
    const ws = freshWorkspace();
    const first = agent('queue', spec, ws, outbox);
    await until(() => said(first, 'queued') !== undefined || first.child.exitCode !== null, 60_000);
    expect(first.stderr).toBe('');
    await kill9(first);
    const store = await openSqliteChainStore({ file: spec });
    try {
      // The chain alone ends in ready; the outbox holds the pause.
      const before = await readAll(store, ws);
      expect(before.at(-1)?.payload).toMatchObject({ to_primary_state: 'ready' });
      const second = agent('resume', spec, ws, outbox);
      expect(await second.exited).toBe(0);
      const resumed = JSON.parse((said(second, 'resumed ') ?? '').slice('resumed '.length)) as {
        current: { primaryState: string; degradationReasons: string[] };
        resumedFrom: { outboxLeftovers: number };
      };
      expect(resumed.current).toMatchObject({ primaryState: 'paused', degradationReasons: ['operator'] });
      expect(resumed.resumedFrom.outboxLeftovers).toBe(1);
      const after = (await readAll(store, ws)).filter((e) => e.eventType === GENERIC_TRANSITION_EVENT);
      expect(
        after.map((e) => `${String(e.payload.from_primary_state)}→${String(e.payload.to_primary_state)}`),
      ).toStrictEqual(['booting→ready', 'ready→paused', 'paused→ready']);
      expect(await store.verify(ws)).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  }, 120_000);
});
