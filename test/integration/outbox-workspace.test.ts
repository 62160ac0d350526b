/*
 * An outbox's entries belong to the workspace they were queued for: a SIGKILLed agent's leftovers are
 * never appended to another workspace, never deleted by it, and an outbox file written before entries
 * recorded their workspace opens only once the operator says whose its entries are.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  openSqliteChainStore,
  openSqliteOutbox,
  resumeOperationalState,
} from '../../src/index.js';
import type { ChainStore } from '../../src/store/chain/types.js';
import { OutboxWorkspaceError } from '../../src/store/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshSqliteFile, freshWorkspace } from '../support/engines.js';
import { readAll } from '../support/forge.js';
import { capturingLogger, until } from '../support/stores.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'resume-agent.ts');
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Runs the resume agent in `queue` mode: its last transition is only in the outbox when it says `queued`. */
async function agentKilledWithQueuedPause(spec: string, ws: string, outbox: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, 'queue', spec, ws, outbox], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await until(() => out.includes('queued') || child.exitCode !== null, 60_000).catch(() => {
    throw new Error(`agent did not queue its pause: ${err}`);
  });
  expect(err).toBe('');
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  children.delete(child);
}

const transitions = async (store: ChainStore, ws: string) =>
  (await readAll(store, ws))
    .filter((e) => e.eventType === GENERIC_TRANSITION_EVENT)
    .map((e) => `${String(e.payload.from_primary_state)}→${String(e.payload.to_primary_state)}`);

describe('[sqlite] the outbox of a SIGKILLed agent of another workspace', () => {
  it('leftovers of another workspace are never appended to this one, nor removed', async () => {
    const spec = freshSqliteFile();
    const file = freshSqliteFile('outbox');
    const ob = freshWorkspace('ob');
    const other = freshWorkspace('other');
    await agentKilledWithQueuedPause(spec, ob, file);

    // Opened for another workspace: refused, naming both, and nothing is touched.
    const refused = await openSqliteOutbox({ file, workspaceId: other }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      name: 'OutboxWorkspaceError',
      problem: 'foreign_leftovers',
      workspaceId: other,
      heldFor: [ob],
      entries: 1,
      outbox: file,
    });
    expect(refused).toBeInstanceOf(OutboxWorkspaceError);
    expect((refused as Error).message).toContain(`'${ob}'`);
    expect((refused as Error).message).toContain(`'${other}'`);

    const store = await openSqliteChainStore({ file: spec });
    try {
      // Opened for its own workspace but handed to another workspace's runtime: refused before reading it.
      const outbox = await openSqliteOutbox({ file, workspaceId: ob });
      expect(outbox.workspaceId).toBe(ob);
      await expect(resumeOperationalState({ store, workspaceId: other }, { outbox })).rejects.toMatchObject({
        name: 'OutboxWorkspaceError',
        problem: 'workspace_mismatch',
        workspaceId: other,
        heldFor: [ob],
      });
      expect(() => createOperationalState({ store, workspaceId: other }, { outbox })).toThrow(
        OutboxWorkspaceError,
      );
      expect(await readAll(store, other)).toStrictEqual([]);
      expect(await outbox.pending()).toHaveLength(1);

      // Its own workspace resumes from it: paused, the pause lands in its chain, the outbox empties.
      const rt = await resumeOperationalState(
        { store, workspaceId: ob },
        { outbox, logger: capturingLogger(), retry: FAST_RETRY },
      );
      expect(rt.current.primaryState).toBe('paused');
      expect(rt.resumedFrom?.outboxLeftovers).toBe(1);
      await rt.flush({ timeoutMs: 10_000 });
      await rt.stop();
      expect(await transitions(store, ob)).toStrictEqual(['booting→ready', 'ready→paused']);
      expect(await outbox.pending()).toStrictEqual([]);
      await outbox.close();

      // Drained, the file may serve another workspace.
      const reused = await openSqliteOutbox({ file, workspaceId: other });
      expect(await reused.pending()).toStrictEqual([]);
      await reused.close();
      expect(await readAll(store, other)).toStrictEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('[sqlite] a runtime whose provider resolves another workspace than its outbox', () => {
  it('fails each attempt (retried) and appends nothing; the entries stay in the outbox', async () => {
    const file = freshSqliteFile('outbox');
    const memory = createMemoryChainStore();
    const outbox = await openSqliteOutbox({ file, workspaceId: 'ob' });
    const logger = capturingLogger();
    const rt = createOperationalState(
      { provider: { connection: memory, resolveWorkspaceId: () => Promise.resolve('other') } },
      { outbox, logger, retry: FAST_RETRY },
    );
    const errors: unknown[] = [];
    rt.onEmit((o) => {
      if (!o.ok) errors.push(o);
    });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await until(() => errors.length >= 2);
    expect(errors[0]).toMatchObject({
      willRetry: true,
      error: { originalError: { name: 'OutboxWorkspaceError', workspaceId: 'other', heldFor: ['ob'] } },
    });
    await expect(rt.stop({ flushTimeoutMs: 20 })).rejects.toThrow(/stop timed out .*abandoned/);
    expect(await memory.read('other')).toStrictEqual([]);
    expect((await outbox.pending()).map((e) => e.transition.trigger)).toStrictEqual(['all §9.2 gates pass']);
    await outbox.close();
  });
});

/** An outbox file as the version before workspace labels wrote it, holding `triggers` as entries. */
function legacyOutbox(triggers: readonly string[]): string {
  const file = freshSqliteFile('legacy-outbox');
  const db = new Database(file);
  db.exec(`CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transition TEXT NOT NULL,
    events TEXT NOT NULL,
    queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ) STRICT`);
  const insert = db.prepare('INSERT INTO outbox (transition, events) VALUES (?, ?)');
  triggers.forEach((trigger, i) => {
    const transition = {
      at: new Date().toISOString(),
      from: 'booting',
      to: 'booting',
      trigger,
      claimPermission: 'none',
      degradationReasons: [],
      n: i + 1,
      previousClaimPermission: 'none',
      previousDegradationReasons: [],
      literal: null,
    };
    const payload = {
      from_primary_state: 'booting',
      to_primary_state: 'booting',
      claim_permission: 'none',
      degradation_reasons: [],
      trigger,
    };
    const events = [
      { eventType: GENERIC_TRANSITION_EVENT, payload, correlationId: `c-${i}`, idempotencyKey: `k-${i}` },
    ];
    insert.run(JSON.stringify(transition), JSON.stringify(events));
  });
  db.close();
  return file;
}

const columnsOf = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('outbox')`)
      .all()
      .map((c) => c.name);
  } finally {
    db.close();
  }
};

describe('[sqlite] an outbox file written before entries recorded their workspace', () => {
  it('with entries, refuses to open until told whose they are, and changes nothing meanwhile', async () => {
    const file = legacyOutbox(['queued 1', 'queued 2']);
    const refused = await openSqliteOutbox({ file, workspaceId: 'ob' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutboxWorkspaceError);
    expect(refused).toMatchObject({ problem: 'unlabelled_leftovers', workspaceId: 'ob', entries: 2 });
    expect((refused as Error).message).toMatch(/unlabelledWorkspaceId/);
    expect(columnsOf(file)).not.toContain('workspace_id');

    // Said to be another workspace's: refused as foreign leftovers, and the upgrade is rolled back.
    await expect(
      openSqliteOutbox({ file, workspaceId: 'other', unlabelledWorkspaceId: 'ob' }),
    ).rejects.toMatchObject({ problem: 'foreign_leftovers', workspaceId: 'other', heldFor: ['ob'] });
    expect(columnsOf(file)).not.toContain('workspace_id');

    // Said to be its own: labelled, appended first and in order, then gone.
    const outbox = await openSqliteOutbox({ file, workspaceId: 'ob', unlabelledWorkspaceId: 'ob' });
    const memory = createMemoryChainStore();
    const rt = createOperationalState(
      { store: memory, workspaceId: 'ob' },
      { outbox, logger: capturingLogger(), retry: FAST_RETRY },
    );
    await rt.transitionTo('ready', 'after the upgrade');
    await rt.flush({ timeoutMs: 10_000 });
    await rt.stop();
    expect((await memory.read('ob')).map((e) => e.payload.trigger)).toStrictEqual([
      'queued 1',
      'queued 2',
      'after the upgrade',
    ]);
    expect(await outbox.pending()).toStrictEqual([]);
    await outbox.close();
    expect(columnsOf(file)).toContain('workspace_id');
    // Labelled now: the option is no longer needed.
    const again = await openSqliteOutbox({ file, workspaceId: 'ob' });
    await again.close();
  });

  it('empty, opens for any workspace and is upgraded', async () => {
    const file = legacyOutbox([]);
    const outbox = await openSqliteOutbox({ file, workspaceId: 'ob' });
    expect(await outbox.pending()).toStrictEqual([]);
    await outbox.put({
      transition: { trigger: 'x' } as never,
      events: [],
    });
    expect(await outbox.pending()).toHaveLength(1);
    await outbox.close();
    expect(columnsOf(file)).toContain('workspace_id');
    await expect(openSqliteOutbox({ file, workspaceId: 'other' })).rejects.toMatchObject({
      problem: 'foreign_leftovers',
    });
  });
});
