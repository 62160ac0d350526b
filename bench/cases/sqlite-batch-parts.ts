import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { chainHash } from '../../src/store/chain/hash.js';
import { prepareEvents } from '../../src/store/chain/prepare.js';
import { appendedEvents } from '../../src/store/sqlite/written-event.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { type BenchSettings, type CaseResult, ratioCase } from '../harness.js';

const BATCH = 500;

/** The peer cases' transition payload: about 200 bytes of canonical JSON. */
const payload = (i: number) => ({
  claim_permission: 'normal',
  degradation_reasons: ['cost_limit_near'],
  from_primary_state: 'ready',
  to_primary_state: 'ready',
  trigger: `posture update #${i}: the operator raised the nightly cost ceiling`,
});

/** CPU milliseconds per call of `run`, the least over a few rounds (others' load only ever adds). */
async function cpuMs(run: () => unknown, calls: number, rounds: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) await run();
    const { user, system } = process.cpuUsage(before);
    best = Math.min(best, (user + system) / 1000 / calls);
  }
  return best;
}

/**
 * Where a 500-event batch's CPU goes: the parts of `store.append` that run outside SQLite, measured
 * alone, beside the whole append and beside raw better-sqlite3 inserting 500 rows into a plain table of
 * a file with the same settings (building its rows included). The same payloads and keys as the peer
 * cases; the store's workspace holds history.
 */
export async function sqliteBatchParts(s: BenchSettings): Promise<CaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-parts-'));
  const rounds = s.quick ? 3 : 7;
  const calls = s.quick ? 5 : 20;
  const inputs = () =>
    Array.from({ length: BATCH }, (_, i) => ({
      eventType: GENERIC_TRANSITION_EVENT,
      payload: payload(i),
      idempotencyKey: newIdempotencyKey(),
    }));
  try {
    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec(`CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, workspace_id TEXT NOT NULL,
      event_type TEXT NOT NULL, payload TEXT NOT NULL, idempotency_key TEXT, recorded_at TEXT NOT NULL) STRICT`);
    const insert = raw.prepare<[string, string, string, string, string]>(
      'INSERT INTO bench_raw (workspace_id, event_type, payload, idempotency_key, recorded_at) VALUES (?, ?, ?, ?, ?)',
    );
    const rawBatch = raw.transaction((ws: string) => {
      const at = new Date().toISOString();
      for (let i = 0; i < BATCH; i++) {
        insert.run(ws, GENERIC_TRANSITION_EVENT, JSON.stringify(payload(i)), newIdempotencyKey(), at);
      }
    });
    const store = await openSqliteChainStore({ file: join(dir, 'opstate.db') });
    const ws = `parts-${randomUUID()}`;
    for (let k = 0; k < 10; k++) await store.append(ws, inputs());

    const given = inputs();
    const prepared = prepareEvents(given);
    let prev = '0'.repeat(64);
    const written = {
      recordedAt: new Date().toISOString(),
      startSeq: 0,
      startHash: prev,
      eventIds: prepared.map(() => randomUUID()),
      hashes: prepared.map(() => prev),
      duplicates: [],
    };
    // Built before the timing: the caller's part is not the append's.
    const batches = Array.from({ length: calls * rounds }, inputs);
    const parts: [string, number][] = [
      ['validation and canonical JSON', await cpuMs(() => prepareEvents(given), calls, rounds)],
      [
        'SHA-256 links',
        await cpuMs(
          () => {
            for (const [i, e] of prepared.entries())
              prev = chainHash(prev, i + 1, e.eventType, e.payloadCanonical);
          },
          calls,
          rounds,
        ),
      ],
      ['result objects', await cpuMs(() => appendedEvents(ws, prepared, written), calls, rounds)],
      [
        'the whole store.append (commit and fsync included)',
        await cpuMs(() => store.append(ws, batches.pop() ?? inputs()), calls, rounds),
      ],
    ];
    const rawMs = await cpuMs(() => rawBatch.immediate(`raw-${ws}`), calls, rounds);
    await store.close();
    raw.close();
    return parts.map(([part, ms]) =>
      ratioCase({
        name: `SQLite 500-event batch, CPU of: ${part}`,
        value: ms,
        unit: 'ms',
        baseline: 'raw better-sqlite3, 500 rows into a plain table, same settings (CPU)',
        baselineValue: rawMs,
        target: null,
        better: 'lower',
        targetRatio: null,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
