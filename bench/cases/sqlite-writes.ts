import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { type BenchSettings, type CaseResult, median, ratioCase } from '../harness.js';

/*
 * What each write of a chain commit costs, one write added at a time on files with the store's settings
 * (WAL, synchronous=FULL) and history (5,000 events in the measured workspace, 20,000 in others):
 *   raw        one row in a rowid table (the baseline);
 *   log        the row in the event log, clustered on (workspace_id, seq), with its hashes;
 *   key        + the idempotency-key index, keys minted as the runtime mints them (UUIDv7);
 *   key (v4)   the same index fed random UUIDs, for comparison;
 *   head       + the head row moved in the same commit (the store as it is);
 *   fork       + a unique index on (workspace_id, prev_hash), the second fork guard the store dropped.
 * Two measures: WAL pages written per commit (from the WAL's growth, checkpoints off: exact, load-free)
 * and commits per second against raw in the same round (noisy on a busy machine).
 */
const PAGE = 4096;
const FRAME = PAGE + 24;

interface Level {
  readonly key: string;
  readonly label: string;
  readonly ddl: string;
  readonly keyed: 'v7' | 'v4' | null;
  readonly head: boolean;
}

const LOG = `CREATE TABLE log (workspace_id TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL,
  event_type TEXT NOT NULL, payload_canonical TEXT NOT NULL, idempotency_key TEXT, prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (workspace_id, seq)) STRICT, WITHOUT ROWID;
  CREATE TABLE head (workspace_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, head_hash BLOB NOT NULL) STRICT;`;
const KEY = 'CREATE UNIQUE INDEX log_key ON log (workspace_id, idempotency_key);';
const FORK = 'CREATE UNIQUE INDEX log_prev ON log (workspace_id, prev_hash);';

const LEVELS: readonly Level[] = [
  { key: 'raw', label: 'raw row (rowid table)', ddl: '', keyed: null, head: false },
  { key: 'log', label: 'event row, clustered on (workspace, seq)', ddl: LOG, keyed: null, head: false },
  { key: 'key', label: '+ idempotency-key index (UUIDv7 keys)', ddl: LOG + KEY, keyed: 'v7', head: false },
  {
    key: 'keyv4',
    label: '+ idempotency-key index (random UUIDv4 keys)',
    ddl: LOG + KEY,
    keyed: 'v4',
    head: false,
  },
  { key: 'head', label: '+ head row (the store as it is)', ddl: LOG + KEY, keyed: 'v7', head: true },
  {
    key: 'fork',
    label: '+ unique (workspace, prev_hash) fork guard (dropped)',
    ddl: LOG + KEY + FORK,
    keyed: 'v7',
    head: true,
  },
];

const payload = (i: number) =>
  JSON.stringify({
    claim_permission: 'normal',
    degradation_reasons: ['cost_limit_near'],
    from_primary_state: 'ready',
    to_primary_state: 'ready',
    trigger: `posture update #${i}: the operator raised the nightly cost ceiling`,
  });

function openLevel(dir: string, level: Level) {
  const file = join(dir, `${level.key}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE raw (id INTEGER PRIMARY KEY, workspace_id TEXT NOT NULL, payload TEXT NOT NULL) STRICT',
  );
  // The raw level gets the chain tables too (unused), so every file has the same statements.
  db.exec(level.ddl === '' ? LOG : level.ddl);
  const insertRaw = db.prepare<[string, string]>('INSERT INTO raw (workspace_id, payload) VALUES (?, ?)');
  const insertLog = db.prepare<[string, number, string, string, string | null, Buffer, Buffer, string]>(
    `INSERT INTO log (workspace_id, seq, event_id, event_type, payload_canonical, idempotency_key, prev_hash, hash, recorded_at)
     VALUES (?, ?, ?, 'kora.operational_state.transitioned', ?, ?, ?, ?, ?)`,
  );
  const moveHead = db.prepare<[string, number, Buffer]>(
    'INSERT INTO head (workspace_id, seq, head_hash) VALUES (?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq, head_hash = excluded.head_hash',
  );
  const state = new Map<string, { seq: number; prev: Buffer }>();
  const commit = db.transaction((ws: string, n: number) => {
    const at = new Date().toISOString();
    if (level.key === 'raw') {
      for (let k = 0; k < n; k++) insertRaw.run(ws, payload(k));
      return;
    }
    const s = state.get(ws) ?? { seq: 0, prev: randomBytes(32) };
    for (let k = 0; k < n; k++) {
      const hash = createHash('sha256').update(s.prev).update(payload(s.seq)).digest();
      s.seq += 1;
      const key = level.keyed === 'v7' ? newIdempotencyKey() : level.keyed === 'v4' ? randomUUID() : null;
      insertLog.run(ws, s.seq, randomUUID(), payload(s.seq), key, s.prev, hash, at);
      s.prev = hash;
    }
    if (level.head) moveHead.run(ws, s.seq, s.prev);
    state.set(ws, s);
  });
  return {
    file,
    commit: (ws: string, n: number) => commit.immediate(ws, n),
    checkpoint: () => db.pragma('wal_checkpoint(TRUNCATE)'),
    autocheckpoint: (on: boolean) => db.pragma(`wal_autocheckpoint = ${on ? 1000 : 0}`),
    close: () => db.close(),
  };
}

export async function sqliteWrites(s: BenchSettings): Promise<CaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-writes-'));
  const rounds = s.quick ? 3 : 7;
  const commits = s.quick ? 30 : 100;
  const levels = LEVELS.map((l) => ({ level: l, db: openLevel(dir, l) }));
  try {
    for (const { db } of levels) {
      for (let w = 0; w < 4; w++) for (let b = 0; b < 10; b++) db.commit(`other-${w}`, 500);
      for (let b = 0; b < 10; b++) db.commit('measured', 500);
      db.checkpoint();
    }
    // Pages per commit: exact, from the WAL's growth with checkpoints off.
    const pages = new Map<string, { one: number; batch: number }>();
    for (const { level, db } of levels) {
      db.autocheckpoint(false);
      db.checkpoint();
      const wal = () => statSync(`${db.file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      let before = wal();
      for (let i = 0; i < 50; i++) db.commit('measured', 1);
      const one = (wal() - before) / FRAME / 50;
      db.checkpoint();
      before = wal();
      for (let i = 0; i < 5; i++) db.commit('measured', 500);
      const batch = (wal() - before) / FRAME / 5;
      db.checkpoint();
      db.autocheckpoint(true);
      pages.set(level.key, { one, batch });
    }
    // Rates, rounds interleaved with the order rotated, ratio to raw per round.
    const rates = new Map<string, { one: number[]; batch: number[] }>();
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < levels.length; k++) {
        const { level, db } = levels[(k + r) % levels.length] as (typeof levels)[number];
        let t = performance.now();
        for (let i = 0; i < commits; i++) db.commit('measured', 1);
        const one = commits / ((performance.now() - t) / 1000);
        t = performance.now();
        for (let i = 0; i < 4; i++) db.commit('measured', 500);
        const batch = 2000 / ((performance.now() - t) / 1000);
        const got = rates.get(level.key) ?? { one: [], batch: [] };
        got.one.push(one);
        got.batch.push(batch);
        rates.set(level.key, got);
      }
    }
    const raw = rates.get('raw') ?? { one: [], batch: [] };
    const rows: CaseResult[] = [];
    for (const { level } of levels) {
      const got = rates.get(level.key) ?? { one: [], batch: [] };
      const p = pages.get(level.key) ?? { one: Number.NaN, batch: Number.NaN };
      const perRound = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? Number.NaN)));
      rows.push({
        ...ratioCase({
          name: `SQLite write per commit: ${level.label}`,
          value: median(got.one),
          unit: '1-event commits/s',
          baseline: 'raw row, same round',
          baselineValue: median(raw.one),
          target: null,
          better: 'higher',
          targetRatio: null,
        }),
        ratio: perRound(got.one, raw.one),
        note: `WAL pages per commit: ${p.one.toFixed(1)} (1 event), ${p.batch.toFixed(1)} (500 events); 500-event batches ÷ raw ${perRound(got.batch, raw.batch).toFixed(2)}`,
      });
    }
    return rows;
  } finally {
    for (const { db } of levels) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
