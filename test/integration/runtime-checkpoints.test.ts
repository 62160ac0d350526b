/*
 * The runtime writes signed checkpoints of its own chain as it goes (every N events) and one more on stop,
 * each of which verifies against the store; and it refuses, up front, a workspace id no store accepts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  createMemoryChainStore,
  createOperationalState,
  OperationalStateInputError,
  openSqliteChainStore,
  silentLogger,
} from '../../src/index.js';
import { generateCheckpointKeys, verifyWithCheckpoints } from '../../src/checkpoint/index.js';

const keys = generateCheckpointKeys();

describe('runtime checkpoints', () => {
  it('signs every N events and once more on stop; each checkpoint verifies against the store', async () => {
    const store = await openSqliteChainStore({
      file: join(mkdtempSync(join(tmpdir(), 'opstate-cp-')), 'c.db'),
    });
    const signed: Checkpoint[] = [];
    const ops = createOperationalState(
      { store, workspaceId: 'agent-1' },
      {
        logger: silentLogger,
        checkpoints: {
          privateKey: keys.privateKeyPem,
          everyEvents: 4,
          onCheckpoint: (cp) => void signed.push(cp),
        },
      },
    );
    await ops.transitionTo('ready', 'all §9.2 gates pass');
    for (let i = 0; i < 5; i++) {
      await ops.transitionTo('paused', 'cost 100%');
      await ops.transitionTo('ready', 'credit refreshed');
    }
    await ops.stop();
    const length = (await store.read('agent-1', { limit: 10_000 })).length;
    expect(signed.length).toBeGreaterThanOrEqual(2);
    expect(signed.map((cp) => cp.seq)).toEqual([...signed.map((cp) => cp.seq)].sort((a, b) => a - b));
    // The last one, written on stop, covers the whole chain.
    expect(signed.at(-1)?.seq).toBe(length);
    const verdict = await verifyWithCheckpoints(store, 'agent-1', signed, [keys.publicKeyPem]);
    expect(verdict.ok).toBe(true);
    await store.close();
  });

  it('needs a { store, workspaceId } target', () => {
    const provider = { connection: createMemoryChainStore(), resolveWorkspaceId: () => 'w' };
    expect(() =>
      createOperationalState(
        { provider },
        { checkpoints: { privateKey: keys.privateKeyPem, everyEvents: 1, onCheckpoint: () => {} } },
      ),
    ).toThrow(OperationalStateInputError);
  });

  it('refuses a workspace id with a lone surrogate before any emit', () => {
    expect(() =>
      createOperationalState({ store: createMemoryChainStore(), workspaceId: 'ws-\ud800' }),
    ).toThrow(/lone surrogate/);
  });
});
