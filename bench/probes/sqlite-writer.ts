/*
 * One writer process of the embedded-store peer cases (bench/cases/sqlite-peers.ts):
 *   node --import tsx bench/probes/sqlite-writer.ts <raw|opstate|opstate-worker|emmett> <file> <busyTimeoutMs>
 * Reads one JSON command per stdin line and answers each with one JSON line on stdout:
 *   {"cmd":"seed","ws":W,"events":N}            N events of history in W, in batches of 500
 *   {"cmd":"run","ws":W,"batch":B,"ms":T}       appends of B events to W for T ms
 *       → {"count":events,"start":epochMs,"end":epochMs,"cpuMs":this process's CPU time, all threads}
 *   {"cmd":"close"}
 * Every writer uses the same file settings (WAL, synchronous=FULL, the busy timeout given) and the same
 * ~200-byte payloads; every opstate event carries an idempotency key minted as the runtime mints it.
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { openEmmettSqlite } from '../peers/emmett-sqlite.js';

const [subject, file = '', busyText = '5000'] = process.argv.slice(2);
const busyTimeoutMs = Number(busyText);

/** A transition payload of about 200 bytes of canonical JSON. */
export function peerPayload(i: number) {
  return {
    claim_permission: 'normal',
    degradation_reasons: ['cost_limit_near'],
    from_primary_state: 'ready',
    to_primary_state: 'ready',
    trigger: `posture update #${i}: the operator raised the nightly cost ceiling`,
  };
}

type Append = (ws: string, from: number, n: number) => Promise<void>;

async function open(): Promise<{ append: Append; close(): Promise<void> }> {
  if (subject === 'raw') {
    const db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS bench_raw (
      id INTEGER PRIMARY KEY, workspace_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL,
      idempotency_key TEXT, recorded_at TEXT NOT NULL) STRICT`);
    const insert = db.prepare<[string, string, string, string, string]>(
      'INSERT INTO bench_raw (workspace_id, event_type, payload, idempotency_key, recorded_at) VALUES (?, ?, ?, ?, ?)',
    );
    const many = db.transaction((ws: string, from: number, n: number) => {
      const at = new Date().toISOString();
      for (let k = 0; k < n; k++) {
        insert.run(
          ws,
          GENERIC_TRANSITION_EVENT,
          JSON.stringify(peerPayload(from + k)),
          newIdempotencyKey(),
          at,
        );
      }
    });
    return {
      async append(ws, from, n) {
        if (n === 1) {
          const at = new Date().toISOString();
          insert.run(
            ws,
            GENERIC_TRANSITION_EVENT,
            JSON.stringify(peerPayload(from)),
            newIdempotencyKey(),
            at,
          );
        } else many.immediate(ws, from, n);
      },
      async close() {
        db.close();
      },
    };
  }
  if (subject === 'opstate' || subject === 'opstate-worker') {
    const store = await openSqliteChainStore({
      file,
      busyTimeoutMs,
      writer: subject === 'opstate' ? 'main' : 'worker',
    });
    return {
      async append(ws, from, n) {
        await store.append(
          ws,
          Array.from({ length: n }, (_, k) => ({
            eventType: GENERIC_TRANSITION_EVENT,
            payload: peerPayload(from + k),
            idempotencyKey: newIdempotencyKey(),
          })),
        );
      },
      close: () => store.close(),
    };
  }
  if (subject === 'emmett') {
    const peer = await openEmmettSqlite(file, busyTimeoutMs);
    return {
      async append(ws, from, n) {
        await peer.append(
          ws,
          Array.from({ length: n }, (_, k) => peerPayload(from + k)),
        );
      },
      close: () => peer.close(),
    };
  }
  throw new Error(`unknown subject ${JSON.stringify(subject)}`);
}

const writer = await open();
const now = () => performance.timeOrigin + performance.now();
let next = 0;
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line) as { cmd: string; ws?: string; events?: number; batch?: number; ms?: number };
  if (c.cmd === 'close') break;
  const ws = c.ws ?? '';
  if (c.cmd === 'seed') {
    for (let left = c.events ?? 0; left > 0; left -= 500) {
      const n = Math.min(500, left);
      await writer.append(ws, next, n);
      next += n;
    }
    process.stdout.write(`${JSON.stringify({ seeded: true })}\n`);
  } else if (c.cmd === 'run') {
    const batch = c.batch ?? 1;
    const cpu0 = process.cpuUsage();
    const start = now();
    const until = start + (c.ms ?? 1000);
    let count = 0;
    while (now() < until) {
      await writer.append(ws, next, batch);
      next += batch;
      count += batch;
    }
    const end = now();
    const { user, system } = process.cpuUsage(cpu0);
    process.stdout.write(`${JSON.stringify({ count, start, end, cpuMs: (user + system) / 1000 })}\n`);
  }
}
await writer.close();
// stdin may still be open (the parent's end of the pipe): nothing is left to do.
process.exit(0);
