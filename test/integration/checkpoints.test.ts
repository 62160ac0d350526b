/*
 * Signed checkpoints catch what a bare chain cannot: a cut tail or a full rewrite that also moved the head
 * row. Forged checkpoints and unknown keys are their own errors. On every store.
 */
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChainStore,
  type Checkpoint,
  CheckpointError,
  createOperationalState,
  silentLogger,
} from '../../src/index.js';
import { canonicalPayload } from '../../src/store/chain/index.js';
import {
  createCheckpoint,
  generateCheckpointKeys,
  keyIdOf,
  signCheckpoint,
  signingBytes,
  startCheckpointing,
  verifyWithCheckpoints,
} from '../../src/checkpoint/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace } from '../support/engines.js';
import { engines, rewriteFrom, type TamperableStore, tamperableEngines } from '../support/forge.js';

const keys = generateCheckpointKeys();
const otherKeys = generateCheckpointKeys();
const event = (n: number) => ({ eventType: GENERIC_TRANSITION_EVENT, payload: { n, trigger: `t${n}` } });
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

for (const engine of engines) {
  describe.skipIf(!engine.available)(`[${engine.name}] checkpoints`, () => {
    let store: ChainStore;
    beforeAll(async () => {
      store = await engine.open();
    });
    afterAll(async () => {
      await store.close();
    });

    it('signs the verified head, in the public format, and verifies against it', async () => {
      const ws = freshWorkspace();
      const appended = await store.append(ws, events(1, 5));
      const cp = await createCheckpoint(store, ws, keys.privateKeyPem);
      expect(cp).toMatchObject({ workspaceId: ws, seq: 5, headHash: appended[4]?.hash });
      expect(cp.keyId).toBe(keyIdOf(createPublicKey(keys.publicKeyPem)));
      // The signature covers the RFC 8785 text of the object without `signature`, checkable by anyone.
      const { signature, ...statement } = cp;
      const text = canonicalPayload(statement);
      expect(signingBytes(cp).toString('utf8')).toBe(text);
      expect(verify(null, Buffer.from(text), keys.publicKeyPem, Buffer.from(signature, 'base64'))).toBe(true);
      await store.append(ws, events(6, 7));
      expect(await verifyWithCheckpoints(store, ws, [cp], keys.publicKeyPem)).toMatchObject({
        ok: true,
        length: 7,
      });
    });

    it('a checkpoint ahead of the chain is truncated at the first seq the chain lacks', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(1, 3));
      const ahead = signCheckpoint({ workspaceId: ws, seq: 9, headHash: 'a'.repeat(64) }, keys.privateKeyPem);
      expect(await verifyWithCheckpoints(store, ws, [ahead], keys.publicKeyPem)).toMatchObject({
        ok: false,
        length: 3,
        firstDivergence: { seq: 4, kind: 'truncated' },
      });
    });

    it('a deleted workspace is truncated at seq 1 when a checkpoint remembers it', async () => {
      const ws = freshWorkspace();
      const cp = signCheckpoint({ workspaceId: ws, seq: 2, headHash: 'b'.repeat(64) }, keys.privateKeyPem);
      expect(await verifyWithCheckpoints(store, ws, [cp], keys.publicKeyPem)).toMatchObject({
        ok: false,
        firstDivergence: { seq: 1, kind: 'truncated' },
      });
    });

    it('a forged checkpoint is bad_signature; a key not given is unknown_key; another workspace is refused', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(1, 3));
      const cp = await createCheckpoint(store, ws, keys.privateKeyPem);
      const forged: Checkpoint = { ...cp, seq: 2 };
      await expect(verifyWithCheckpoints(store, ws, [forged], keys.publicKeyPem)).rejects.toMatchObject({
        name: 'CheckpointError',
        kind: 'bad_signature',
      });
      await expect(verifyWithCheckpoints(store, ws, [cp], otherKeys.publicKeyPem)).rejects.toMatchObject({
        kind: 'unknown_key',
      });
      // Re-signed with another key but still naming ours: the signature fails under our key.
      const resigned = signCheckpoint(
        { workspaceId: ws, seq: cp.seq, headHash: cp.headHash, at: new Date(cp.at) },
        otherKeys.privateKeyPem,
      );
      await expect(
        verifyWithCheckpoints(store, ws, [{ ...resigned, keyId: cp.keyId }], keys.publicKeyPem),
      ).rejects.toMatchObject({ kind: 'bad_signature' });
      await expect(verifyWithCheckpoints(store, 'elsewhere', [cp], keys.publicKeyPem)).rejects.toBeInstanceOf(
        CheckpointError,
      );
    });

    it('refuses to sign a workspace with no chain', async () => {
      await expect(createCheckpoint(store, freshWorkspace(), keys.privateKeyPem)).rejects.toMatchObject({
        kind: 'chain_invalid',
      });
    });

    it('the scheduler signs every N events, and what is new on stop', async () => {
      const ws = freshWorkspace();
      const got: Checkpoint[] = [];
      const errors: unknown[] = [];
      const schedule = startCheckpointing({
        store,
        workspaceId: ws,
        privateKey: keys.privateKeyPem,
        everyEvents: 3,
        onCheckpoint: (cp) => {
          got.push(cp);
        },
        onError: (e) => errors.push(e),
      });
      for (let n = 1; n <= 7; n++) await store.append(ws, [event(n)]);
      await schedule.checkpointNow();
      await schedule.stop();
      expect(errors).toStrictEqual([]);
      expect(got.map((cp) => cp.seq)).toStrictEqual([3, 6, 7]);
      expect(await verifyWithCheckpoints(store, ws, got, keys.publicKeyPem)).toMatchObject({
        ok: true,
        length: 7,
      });
    });

    it('the scheduler follows a running runtime on the same store, every N events', async () => {
      const ws = freshWorkspace();
      const got: Checkpoint[] = [];
      const schedule = startCheckpointing({
        store,
        workspaceId: ws,
        privateKey: keys.privateKeyPem,
        everyEvents: 4,
        onCheckpoint: (cp) => {
          got.push(cp);
        },
      });
      const rt = createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
      await rt.transitionTo('ready', 'all gates pass');
      for (let i = 0; i < 5; i++) {
        await rt.transitionTo('active', `work ${i}`);
        await rt.transitionTo('ready', `done ${i}`);
      }
      await rt.flush({ timeoutMs: 10_000 });
      await rt.stop();
      await schedule.stop();
      const length = (await store.verify(ws)).length;
      expect(length).toBeGreaterThan(8);
      expect(got.at(-1)?.seq).toBe(length);
      expect(got.slice(0, -1).every((cp) => cp.seq % 4 === 0)).toBe(true);
      expect(await verifyWithCheckpoints(store, ws, got, keys.publicKeyPem)).toMatchObject({
        ok: true,
        length,
      });
    });

    it('the scheduler signs on a timer when the chain moved', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(1, 2));
      const got: Checkpoint[] = [];
      const schedule = startCheckpointing({
        store,
        workspaceId: ws,
        privateKey: keys.privateKeyPem,
        everyMs: 50,
        onCheckpoint: (cp) => {
          got.push(cp);
        },
      });
      await expect.poll(() => got.length, { timeout: 2000 }).toBe(1);
      await store.append(ws, events(3, 3));
      await expect.poll(() => got.at(-1)?.seq, { timeout: 2000 }).toBe(3);
      await new Promise((r) => setTimeout(r, 150));
      await schedule.stop({ final: false });
      expect(got.map((cp) => cp.seq)).toStrictEqual([2, 3]);
    });
  });
}

for (const engine of tamperableEngines) {
  describe.skipIf(!engine.available)(`[${engine.name}] checkpoints against a rewritten chain`, () => {
    let t: TamperableStore;
    beforeAll(async () => {
      t = await engine.open();
    });
    afterAll(async () => {
      await t.store.close();
    });

    it('a cut tail with the head row moved verifies bare, and is truncated against a checkpoint', async () => {
      const ws = freshWorkspace();
      await t.store.append(ws, events(1, 8));
      const cp = await createCheckpoint(t.store, ws, keys.privateKeyPem);
      await rewriteFrom(t, ws, 6, [], { moveHead: true });
      expect(await t.store.verify(ws)).toMatchObject({ ok: true, length: 5 });
      expect(await verifyWithCheckpoints(t.store, ws, [cp], keys.publicKeyPem)).toMatchObject({
        ok: false,
        length: 5,
        firstDivergence: { seq: 6, kind: 'truncated' },
      });
    });

    it('a full rewrite with the head row moved verifies bare, and mismatches the checkpoint at its seq', async () => {
      const ws = freshWorkspace();
      await t.store.append(ws, events(1, 6));
      const early = await createCheckpoint(t.store, ws, keys.privateKeyPem);
      await t.store.append(ws, events(7, 8));
      const rewritten = Array.from({ length: 8 }, (_, i) => ({
        eventType: GENERIC_TRANSITION_EVENT,
        text: canonicalPayload({ n: i + 1, trigger: 'rewritten' }),
      }));
      await rewriteFrom(t, ws, 1, rewritten, { moveHead: true });
      expect(await t.store.verify(ws)).toMatchObject({ ok: true, length: 8 });
      expect(await verifyWithCheckpoints(t.store, ws, [early], keys.publicKeyPem)).toMatchObject({
        ok: false,
        length: 5,
        firstDivergence: { seq: 6, kind: 'checkpoint_mismatch' },
      });
    });
  });
}
