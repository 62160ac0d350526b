/*
 * Resume only from a chain that verifies: every tamper kind the verifier names, made on a copy of a
 * store, makes resumeOperationalState refuse with ChainNotVerifiedError naming the seq and kind, and
 * starts nothing; the untouched original resumes. Signed checkpoints bound the work to the tail.
 */
import { copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ChainNotVerifiedError,
  type ChainStore,
  CheckpointError,
  createOperationalState,
  openSqliteChainStore,
  type OperationalStateRuntime,
  resumeOperationalState,
  silentLogger,
} from '../../src/index.js';
import { canonicalPayload } from '../../src/store/chain/index.js';
import { createCheckpoint, generateCheckpointKeys } from '../../src/checkpoint/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshSqliteFile, freshWorkspace, sqlEngines } from '../support/engines.js';
import { asRows, rewriteFrom, type TamperableStore } from '../support/forge.js';

const keys = generateCheckpointKeys();
const live: OperationalStateRuntime[] = [];
const stores: ChainStore[] = [];
afterAll(async () => {
  await Promise.all(live.map((rt) => rt.stop({ flushTimeoutMs: 2000 }).catch(() => undefined)));
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
});

/** Eight transitions (ten events: two literals): ready/active toggles, then paused. */
async function life(store: ChainStore, ws: string): Promise<void> {
  const rt = createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
  await rt.transitionTo('ready', 'all §9.2 gates pass');
  for (let i = 0; i < 3; i++) {
    await rt.transitionTo('active', `claim acquired #${i}`);
    await rt.transitionTo('ready', `claim released #${i}`);
  }
  await rt.transitionTo('paused', 'cost 100%', { addReasons: ['cost'] });
  await rt.stop();
}

async function expectRefusal(store: ChainStore, ws: string, seq: number, kind: string, options = {}) {
  const attempt = resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger, ...options });
  await expect(attempt).rejects.toBeInstanceOf(ChainNotVerifiedError);
  await expect(attempt).rejects.toMatchObject({ seq, kind, workspaceId: ws });
}

type Kind = 'gap' | 'link_break' | 'hash_mismatch' | 'non_canonical' | 'head_mismatch' | 'truncated' | 'fork';

/** Statements (SQL) or a forge that make the chain of `ws` fail with `kind` at the seq returned. */
async function tamper(t: TamperableStore, ws: string, kind: Kind): Promise<number> {
  const sqlite = t.engine === 'sqlite';
  const log = sqlite ? 'event_log' : 'opstate.event_log';
  const w = `'${ws}'`;
  switch (kind) {
    case 'gap':
      await t.tamper([`DELETE FROM ${log} WHERE workspace_id = ${w} AND seq = 3`]);
      return 3;
    case 'link_break':
      await t.tamper([
        `UPDATE ${log} SET prev_hash = ${sqlite ? 'zeroblob(32)' : "decode(repeat('00', 32), 'hex')"} WHERE workspace_id = ${w} AND seq = 4`,
      ]);
      return 4;
    case 'hash_mismatch':
      await t.tamper([
        `UPDATE ${log} SET payload_canonical = '${canonicalPayload({ forged: true })}' WHERE workspace_id = ${w} AND seq = 3`,
      ]);
      return 3;
    case 'non_canonical':
      await rewriteFrom(t, ws, 5, [{ eventType: GENERIC_TRANSITION_EVENT, text: '{ "b":1.0, "a":"x"}' }], {
        moveHead: true,
      });
      return 5;
    case 'head_mismatch': {
      const forged = { eventType: GENERIC_TRANSITION_EVENT, text: canonicalPayload({ forged: true }) };
      const rest = await asRows(t.store, ws, 3);
      await rewriteFrom(t, ws, 3, [forged, ...rest.slice(0, -1)]);
      return rest.length + 2;
    }
    case 'truncated':
      await rewriteFrom(t, ws, 7, []);
      return 7;
    case 'fork':
      // Rebuilt without its keys (as whoever owns the file can), then a second row at seq 3.
      await t.tamper([
        'ALTER TABLE event_log RENAME TO event_log_keyed',
        'CREATE TABLE event_log AS SELECT * FROM event_log_keyed',
        'DROP TABLE event_log_keyed',
        `INSERT INTO event_log SELECT workspace_id, seq, 'ffffffff-ffff-4fff-bfff-ffffffffffff', event_type,
           payload_canonical, correlation_id, NULL, prev_hash, hash, hash_version, recorded_at
           FROM event_log WHERE workspace_id = ${w} AND seq = 3`,
      ]);
      return 3;
  }
}

function sqliteTamper(file: string): TamperableStore['tamper'] {
  return async (statements) => {
    const db = new Database(file);
    try {
      const triggers = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .all();
      db.transaction(() => {
        for (const tr of triggers) db.exec(`DROP TRIGGER "${tr.name}"`);
        for (const s of statements) db.exec(s);
      })();
    } finally {
      db.close();
    }
  };
}

describe('[sqlite] resume refuses a tampered copy of a store, naming seq and kind', () => {
  const kinds: Kind[] = [
    'gap',
    'link_break',
    'hash_mismatch',
    'non_canonical',
    'head_mismatch',
    'truncated',
    'fork',
  ];
  for (const kind of kinds) {
    it(kind, async () => {
      const original = freshSqliteFile('original');
      const ws = freshWorkspace();
      const first = await openSqliteChainStore({ file: original });
      await life(first, ws);
      await first.close();
      const copy = freshSqliteFile('copy');
      copyFileSync(original, copy);
      const store = await openSqliteChainStore({ file: copy });
      stores.push(store);
      const seq = await tamper({ store, engine: 'sqlite', tamper: sqliteTamper(copy) }, ws, kind);
      await expectRefusal(store, ws, seq, kind);
      // The original still resumes, paused as it was.
      const intact = await openSqliteChainStore({ file: original });
      stores.push(intact);
      const rt = await resumeOperationalState({ store: intact, workspaceId: ws }, { logger: silentLogger });
      live.push(rt);
      expect(rt.current.primaryState).toBe('paused');
    });
  }

  it('checkpoint_mismatch: history rewritten consistently up to a new head disagrees with a signed checkpoint', async () => {
    const file = freshSqliteFile();
    const ws = freshWorkspace();
    const store = await openSqliteChainStore({ file });
    stores.push(store);
    await life(store, ws);
    const checkpoint = await createCheckpoint(store, ws, keys.privateKeyPem);
    const rows = await asRows(store, ws, 2);
    const forged = { eventType: GENERIC_TRANSITION_EVENT, text: canonicalPayload({ forged: true }) };
    await rewriteFrom(
      { store, engine: 'sqlite', tamper: sqliteTamper(file) },
      ws,
      2,
      [forged, ...rows.slice(1)],
      {
        moveHead: true,
      },
    );
    // Without the checkpoint the rewrite is self-consistent; with it, the tail disagrees at its seq.
    await expectRefusal(store, ws, checkpoint.seq, 'checkpoint_mismatch', {
      resume: { checkpoint, publicKey: keys.publicKeyPem },
    });
  });
});

for (const engine of sqlEngines) {
  describe.skipIf(!engine.available)(
    `[${engine.name}] resume refuses a tampered chain, naming seq and kind`,
    () => {
      const kinds: Kind[] = [
        'gap',
        'link_break',
        'hash_mismatch',
        'non_canonical',
        'head_mismatch',
        'truncated',
      ];
      for (const kind of kinds) {
        it(kind, async () => {
          const store = await engine.open();
          stores.push(store);
          const ws = freshWorkspace();
          await life(store, ws);
          const seq = await tamper({ store, engine: 'postgres', tamper: store.tamper }, ws, kind);
          await expectRefusal(store, ws, seq, kind);
        });
      }
    },
  );
}

describe('[sqlite] resume from a signed checkpoint verifies the tail only', () => {
  it('resumes from the latest checkpoint that authenticates; a tamper before it goes unread, one after it is refused', async () => {
    const file = freshSqliteFile();
    const ws = freshWorkspace();
    const store = await openSqliteChainStore({ file });
    stores.push(store);
    await life(store, ws);
    const early = await createCheckpoint(store, ws, keys.privateKeyPem);
    const rt0 = await resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
    await rt0.transitionTo('ready', 'operator clears via kora_control reset');
    await rt0.transitionTo('paused', 'operator');
    await rt0.stop();
    const late = await createCheckpoint(store, ws, keys.privateKeyPem);
    const stranger = generateCheckpointKeys();
    const forgedLater = { ...late, seq: late.seq + 5 }; // signature no longer matches
    const options = {
      logger: silentLogger,
      resume: {
        checkpoints: [early, late, forgedLater],
        publicKey: [keys.publicKeyPem, stranger.publicKeyPem],
      },
    };
    const rt = await resumeOperationalState({ store, workspaceId: ws }, options);
    live.push(rt);
    expect(rt.current.primaryState).toBe('paused');
    expect(rt.resumedFrom?.seq).toBe(late.seq);
    await rt.stop();
    // A tamper before the checkpoint is the checkpoint's to vouch for: the tail path does not read it.
    await sqliteTamper(file)([
      `UPDATE event_log SET prev_hash = zeroblob(32) WHERE workspace_id = '${ws}' AND seq = 2`,
    ]);
    const again = await resumeOperationalState({ store, workspaceId: ws }, options);
    live.push(again);
    expect(again.current.primaryState).toBe('paused');
    await again.stop();
    // The full path sees it.
    await expectRefusal(store, ws, 2, 'link_break');
    // No checkpoint authenticates: the checkpoint error, not a guess.
    await expect(
      resumeOperationalState(
        { store, workspaceId: ws },
        { logger: silentLogger, resume: { checkpoint: late, publicKey: stranger.publicKeyPem } },
      ),
    ).rejects.toBeInstanceOf(CheckpointError);
  });
});
