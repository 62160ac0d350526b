/*
 * What a verifier must flag beyond the links themselves, on every store whose history can be edited
 * behind its back: a row's hash_version, a row past the head row, and one verdict for a chain whether
 * it is verified by the store or by verifyChain over read().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChainStore, CheckpointError } from '../../src/index.js';
import { verifyChain } from '../../src/store/chain/index.js';
import { createCheckpoint, generateCheckpointKeys } from '../../src/checkpoint/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace } from '../support/engines.js';
import { readAll, rewriteFrom, type TamperableStore, tamperableEngines } from '../support/forge.js';

const event = (n: number) => ({ eventType: GENERIC_TRANSITION_EVENT, payload: { n, trigger: `t${n}` } });

async function chainOf(store: ChainStore, n: number): Promise<string> {
  const ws = freshWorkspace();
  await store.append(
    ws,
    Array.from({ length: n }, (_, i) => event(i + 1)),
  );
  return ws;
}

for (const engine of tamperableEngines) {
  describe.skipIf(!engine.available)(
    `[${engine.name}] verify checks every stored column it relies on`,
    () => {
      let t: TamperableStore;
      const table = (name: string) => (engine.name.startsWith('sqlite') ? name : `opstate.${name}`);
      beforeAll(async () => {
        t = await engine.open();
      });
      afterAll(async () => {
        await t.store.close();
      });

      it('a row whose hash_version is not 1 is unknown_hash_version at its seq, from the store and from read()', async () => {
        const ws = await chainOf(t.store, 3);
        await t.tamper([
          `UPDATE ${table('event_log')} SET hash_version = 2 WHERE workspace_id = '${ws}' AND seq = 2`,
        ]);
        const expected = { ok: false, length: 1, firstDivergence: { seq: 2, kind: 'unknown_hash_version' } };
        expect(await t.store.verify(ws)).toMatchObject(expected);
        expect(await verifyChain(ws, await readAll(t.store, ws))).toMatchObject(expected);
      });

      it('a validly hashed row after the head row is past_head, and checkpoint refuses to sign it', async () => {
        const ws = await chainOf(t.store, 3);
        const extra = { eventType: GENERIC_TRANSITION_EVENT, text: '{"n":4,"trigger":"t4"}' };
        await rewriteFrom(t, ws, 4, [extra]);
        expect(await t.store.verify(ws)).toMatchObject({
          ok: false,
          length: 3,
          firstDivergence: { seq: 4, kind: 'past_head' },
        });
        const { privateKeyPem } = generateCheckpointKeys();
        await expect(createCheckpoint(t.store, ws, privateKeyPem)).rejects.toSatisfy(
          (e) => e instanceof CheckpointError && e.kind === 'chain_invalid' && /past_head/.test(e.message),
        );
      });

      it('appends landing while verify walks the chain are not past_head', async () => {
        const ws = await chainOf(t.store, 50);
        let appending = true;
        const appender = (async () => {
          for (let i = 51; appending; i++) await t.store.append(ws, [event(i)]);
        })();
        try {
          for (let round = 0; round < 10; round++) {
            expect(await t.store.verify(ws)).toMatchObject({ ok: true });
          }
        } finally {
          appending = false;
          await appender;
        }
      });

      it('verifyChain over read() says non_canonical where the store does: one chain, one verdict', async () => {
        const ws = await chainOf(t.store, 3);
        const text = '{ "b":1.0, "a":"\u00e9"}';
        await rewriteFrom(t, ws, 4, [{ eventType: GENERIC_TRANSITION_EVENT, text }], { moveHead: true });
        const expected = { ok: false, length: 3, firstDivergence: { seq: 4, kind: 'non_canonical' } };
        expect(await t.store.verify(ws)).toMatchObject(expected);
        expect(await verifyChain(ws, await readAll(t.store, ws))).toMatchObject(expected);
      });

      if (engine.name.startsWith('sqlite'))
        it('payload bytes that are not UTF-8 are non_canonical, not read as U+FFFD and passed', async () => {
          const ws = await chainOf(t.store, 2);
          // Hashed as the text a lossy decoder shows (U+FFFD), stored as the byte 0xFF.
          await rewriteFrom(t, ws, 3, [{ eventType: GENERIC_TRANSITION_EVENT, text: '{"n":"\ufffd"}' }], {
            moveHead: true,
          });
          await t.tamper([
            `UPDATE event_log SET payload_canonical = CAST(X'7b226e223a22ff227d' AS TEXT) WHERE workspace_id = '${ws}' AND seq = 3`,
          ]);
          expect(await t.store.verify(ws)).toMatchObject({
            ok: false,
            length: 2,
            firstDivergence: { seq: 3, kind: 'non_canonical', detail: expect.stringMatching(/UTF-8/) },
          });
        });
    },
  );
}
