/*
 * The holes an outside verifier found (issue 13), on every store whose history can be edited behind its
 * back: a forged insert under an untouched head row, non-canonical stored text, colliding workspace ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChainStore, ChainStoreError } from '../../src/index.js';
import { canonicalPayload, verifyChain } from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace, type SqlStoreUnderTest } from '../support/engines.js';
import { asRows, engines, rewriteFrom, type TamperableStore, tamperableEngines } from '../support/forge.js';

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
  describe.skipIf(!engine.available)(`[${engine.name}] tamper evidence`, () => {
    let t: TamperableStore;
    beforeAll(async () => {
      t = await engine.open();
    });
    afterAll(async () => {
      await t.store.close();
    });

    it('hole 1: a forged insert in the middle, re-hashed to the end under an untouched head row, fails', async () => {
      const ws = await chainOf(t.store, 6);
      const forged = { eventType: GENERIC_TRANSITION_EVENT, text: canonicalPayload({ forged: true }) };
      await rewriteFrom(t, ws, 3, [forged, ...(await asRows(t.store, ws, 3))]);
      expect(await t.store.verify(ws)).toMatchObject({
        ok: false,
        firstDivergence: { seq: 6, kind: 'head_mismatch' },
      });
    });

    it('hole 1: a cut tail under the old head row is truncated at the first missing seq', async () => {
      const ws = await chainOf(t.store, 6);
      await rewriteFrom(t, ws, 5, []);
      expect(await t.store.verify(ws)).toMatchObject({
        ok: false,
        length: 4,
        firstDivergence: { seq: 5, kind: 'truncated' },
      });
    });

    it('hole 2: non-canonical stored text with a matching hash is non_canonical at its seq', async () => {
      const ws = await chainOf(t.store, 3);
      const text = '{ "b":1.0, "a":"\u00e9"}';
      await rewriteFrom(t, ws, 4, [{ eventType: GENERIC_TRANSITION_EVENT, text }], { moveHead: true });
      expect(await t.store.verify(ws)).toMatchObject({
        ok: false,
        length: 3,
        firstDivergence: { seq: 4, kind: 'non_canonical' },
      });
      // The public verifier over read() sees a payload whose canonical form was not what got hashed.
      expect(await verifyChain(ws, await t.store.read(ws))).toMatchObject({
        ok: false,
        firstDivergence: { seq: 4 },
      });
    });

    // Only PostgreSQL has a server-side append function a caller can hand raw text to.
    if (engine.name === 'postgres')
      it('hole 2: non-canonical text through opstate.chain_append itself is flagged', async () => {
        const ws = await chainOf(t.store, 2);
        const raw = (t.store as SqlStoreUnderTest).raw;
        await raw('SELECT opstate.chain_append($1, ARRAY[$2], ARRAY[$3], ARRAY[NULL], ARRAY[NULL])', [
          ws,
          GENERIC_TRANSITION_EVENT,
          '{ "b":1.0, "a":"\u00e9"}',
        ]);
        expect(await t.store.verify(ws)).toMatchObject({
          ok: false,
          firstDivergence: { seq: 3, kind: 'non_canonical' },
        });
      });
  });
}

for (const engine of engines) {
  describe.skipIf(!engine.available)(`[${engine.name}] workspace ids`, () => {
    let store: ChainStore;
    beforeAll(async () => {
      store = await engine.open();
    });
    afterAll(async () => {
      await store.close();
    });

    it('hole 3: ids with a lone surrogate are refused with a typed error, so ws-\\ud800 and ws-\\udbff never collide', async () => {
      const suffix = freshWorkspace('');
      for (const ws of [`ws-\ud800${suffix}`, `ws-\udbff${suffix}`]) {
        await expect(store.append(ws, [event(1)])).rejects.toSatisfy(
          (e) =>
            e instanceof ChainStoreError &&
            e.kind === 'invalid_input' &&
            e.message.includes(JSON.stringify(ws)),
        );
        await expect(store.read(ws)).rejects.toBeInstanceOf(ChainStoreError);
        await expect(store.verify(ws)).rejects.toBeInstanceOf(ChainStoreError);
      }
      // Nothing landed under the replacement character either.
      expect(await store.read(`ws-\ufffd${suffix}`)).toStrictEqual([]);
    });

    it('the 256-character limit counts characters as the database does: 256 emoji fit, 257 do not', async () => {
      const tag = freshWorkspace('').slice(-8);
      const fits = `${tag}${'😀'.repeat(256 - tag.length)}`;
      expect(await store.append(fits, [event(1)])).toMatchObject([{ seq: 1, workspaceId: fits }]);
      expect(await store.verify(fits)).toMatchObject({ ok: true, length: 1 });
      await expect(store.append(`${fits}😀`, [event(1)])).rejects.toMatchObject({
        kind: 'invalid_input',
        message: expect.stringContaining('at most 256 characters'),
      });
    });
  });
}
