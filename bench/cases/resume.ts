import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCheckpointKeys } from '../../src/checkpoint/keys.js';
import { signCheckpoint } from '../../src/checkpoint/sign.js';
import { silentLogger } from '../../src/logger.js';
import { resumeOperationalState } from '../../src/runtime/resume.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { buildSqliteChain } from '../bulk-chain.js';
import { type BenchSettings, type CaseResult, median, ratioCase } from '../harness.js';

/**
 * Resume of a long SQLite chain: with a signed checkpoint within 1,000 events of the head (the tail is
 * verified; target ≤ 50 ms), and without one (all of it is verified: a rate). Baselines in the same run:
 * the raw read of the same 1,000-row tail, and the store's own `verify` of the whole chain.
 */
export async function resumeCase(s: BenchSettings): Promise<CaseResult[]> {
  const length = s.quick ? 100_000 : 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-resume-'));
  const file = join(dir, 'chain.db');
  const ws = 'bench-resume';
  const cpSeq = length - 999;
  const built = Date.now();
  const chain = await buildSqliteChain(file, ws, length, [cpSeq]);
  process.stderr.write(
    `bench: built a ${length.toLocaleString('en-US')}-event chain in ${Date.now() - built} ms\n`,
  );
  const keys = generateCheckpointKeys();
  const checkpoint = signCheckpoint(
    { workspaceId: ws, seq: cpSeq, headHash: chain.hashes.get(cpSeq) ?? '' },
    keys.privateKeyPem,
  );
  const store = await openSqliteChainStore({ file });
  const raw = store as unknown as { read: typeof store.read };
  try {
    const rounds = s.quick ? 5 : 15;
    const withCheckpoint: number[] = [];
    const tailRead: number[] = [];
    for (let i = 0; i < rounds + 2; i++) {
      const t0 = performance.now();
      const rt = await resumeOperationalState(
        { store, workspaceId: ws },
        { logger: silentLogger, resume: { checkpoint, publicKey: keys.publicKeyPem } },
      );
      const t1 = performance.now();
      if (rt.current.primaryState !== 'paused') throw new Error('the resumed bench agent is not paused');
      await rt.stop();
      const t2 = performance.now();
      await raw.read(ws, { afterSeq: cpSeq - 1, limit: 1000 });
      const t3 = performance.now();
      if (i >= 2) {
        withCheckpoint.push(t1 - t0);
        tailRead.push(t3 - t2);
      }
    }
    const full: number[] = [];
    const verify: number[] = [];
    for (let i = 0; i < (s.quick ? 1 : 2); i++) {
      const t0 = performance.now();
      const rt = await resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
      const t1 = performance.now();
      await rt.stop();
      const t2 = performance.now();
      const result = await store.verify(ws);
      const t3 = performance.now();
      if (!result.ok) throw new Error('the bench chain does not verify');
      full.push(t1 - t0);
      verify.push(t3 - t2);
    }
    const ms = median(withCheckpoint);
    const row = ratioCase({
      name: `resume, ${length.toLocaleString('en-US')}-event SQLite chain, checkpoint 1,000 events back`,
      value: ms,
      unit: 'ms',
      baseline: 'raw read of the same 1,000-event tail',
      baselineValue: median(tailRead),
      target: '≤ 50 ms',
      better: 'lower',
      targetRatio: null,
    });
    const fullRate = length / (median(full) / 1000);
    return [
      {
        ...row,
        met: ms <= 50,
        range: { min: Math.min(...withCheckpoint), median: ms, max: Math.max(...withCheckpoint) },
      },
      ratioCase({
        name: `resume, ${length.toLocaleString('en-US')}-event SQLite chain, no checkpoint (verifies all)`,
        value: fullRate,
        unit: 'events/s',
        baseline: "the store's verify of the same chain",
        baselineValue: length / (median(verify) / 1000),
        target: null,
        better: 'higher',
        targetRatio: null,
      }),
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
