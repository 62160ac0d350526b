/*
 * `node --import tsx bench/lock-wait.ts [holdMs]`: the agent's event-loop delay while another process
 * holds SQLite's write lock (BEGIN IMMEDIATE, default 10 s), with transitions sent every 10 ms throughout.
 * Each subject runs in a child process of its own against a fresh file, next to the same measurement of
 * a raw better-sqlite3 writer that waits in SQLite's busy timeout (the blocking baseline):
 *   - opstate, writer 'main' (the default): waits for the lock on a timer;
 *   - opstate, writer 'worker': waits on its worker thread;
 *   - raw better-sqlite3, busy_timeout 5000, one BEGIN IMMEDIATE insert every 10 ms.
 * Prints one JSON line per subject and a Markdown table: p99 and max event-loop delay
 * (perf_hooks.monitorEventLoopDelay, 1 ms resolution), the longest gap between ticks of a 5 ms timer
 * (a block inside one loop iteration can escape the histogram), sends that resolved while the lock was
 * held, and whether every send landed after the release. Targets: p99 ≤ 20 ms, max ≤ 50 ms while held.
 * The landing of the backlog after the release is shown apart: with the main-thread writer it is a
 * synchronous commit of up to maxBatch transitions, which the worker writer takes off the loop.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { silentLogger } from '../src/logger.js';
import { createOperationalState } from '../src/runtime/create-operational-state.js';
import { GENERIC_TRANSITION_EVENT } from '../src/domain/vocabulary.js';
import { openSqliteChainStore } from '../src/store/sqlite/sqlite-store.js';

const SUBJECTS = ['opstate-main', 'opstate-worker', 'raw-busy-timeout'] as const;
type SubjectName = (typeof SUBJECTS)[number];
const HOLDER = join(import.meta.dirname, '..', 'test', 'integration', 'fixtures', 'lock-holder.ts');
const SEND_EVERY_MS = 10;

interface Measurement {
  subject: SubjectName;
  holdMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  maxTimerGapMs: number;
  drainLoopMaxMs: number;
  drainTimerGapMs: number;
  sent: number;
  resolvedWhileHeld: number;
  landed: number;
}

/** Starts the lock holder; resolves when it holds the lock, with a promise of its release. */
function holdLock(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file, String(holdMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolveLocked) => {
    const released = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('locked\n')) resolveLocked({ released });
        if (out.includes('released\n')) resolve();
      });
    });
  });
}

async function measure(subject: SubjectName, file: string, holdMs: number): Promise<Measurement> {
  let send: (i: number) => Promise<void>;
  let finish: () => Promise<number>;
  if (subject === 'raw-busy-timeout') {
    const db = new Database(file, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS t (i INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO t (i) VALUES (?)');
    const write = db.transaction((i: number) => insert.run(i));
    send = async (i) => {
      // Past the busy timeout SQLite gives up (SQLITE_BUSY): an append loop tries again.
      for (;;) {
        try {
          write.immediate(i);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
        }
      }
    };
    finish = async () => {
      const n = (db.prepare('SELECT count(*) AS n FROM t WHERE i >= 0').get() as { n: number }).n;
      db.close();
      return n;
    };
  } else {
    const store = await openSqliteChainStore({
      file,
      writer: subject === 'opstate-main' ? 'main' : 'worker',
    });
    const rt = createOperationalState({ store, workspaceId: 'bench' }, { logger: silentLogger });
    await rt.send({ type: 'GATES_PASSED' });
    await rt.flush();
    send = async (i) => {
      await rt.send({ type: 'UPDATE_POSTURE', trigger: `posture ${i}` });
    };
    finish = async () => {
      await rt.flush();
      let n = 0;
      for (let after = 0; ;) {
        const page = await store.read('bench', { afterSeq: after, limit: 10_000 });
        if (page.length === 0) break;
        n += page.filter(
          (e) => e.eventType === GENERIC_TRANSITION_EVENT && /^posture \d/.test(String(e.payload.trigger)),
        ).length;
        after = page.at(-1)?.seq ?? after;
      }
      await rt.stop();
      await store.close();
      return n;
    };
  }
  // Warm up (JIT, statements, the emit path) before the lock is taken; the holder needs the file too.
  for (let i = 0; i < 200; i++) await send(-1 - i);
  const { released } = await holdLock(file, holdMs);
  let held = true;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  // After the release, the backlog lands: its own histogram (a main-thread commit of a large batch).
  const drain = monitorEventLoopDelay({ resolution: 1 });
  let heldTimerGapMs = 0;
  void released.then(() => {
    held = false;
    loop.disable();
    drain.enable();
    heldTimerGapMs = maxTimerGapMs;
    maxTimerGapMs = 0;
  });
  loop.enable();
  let maxTimerGapMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxTimerGapMs = Math.max(maxTimerGapMs, now - last);
    last = now;
  }, 5);
  let sent = 0;
  let resolvedWhileHeld = 0;
  while (held) {
    await send(sent);
    sent += 1;
    if (held) resolvedWhileHeld += 1;
    await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS));
  }
  await released;
  const landed = await finish();
  drain.disable();
  clearInterval(ticker);
  return {
    subject,
    holdMs,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    maxTimerGapMs: heldTimerGapMs,
    drainLoopMaxMs: drain.max / 1e6,
    drainTimerGapMs: maxTimerGapMs,
    sent,
    resolvedWhileHeld,
    landed,
  };
}

function runChild(subject: SubjectName, holdMs: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--subject', subject, String(holdMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${subject} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Measurement);
    });
  });
}

const args = process.argv.slice(2);
if (args[0] === '--subject') {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-lock-'));
  try {
    const m = await measure(args[1] as SubjectName, join(dir, 'chain.db'), Number(args[2]));
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const holdMs = Number(args[0] ?? 10_000);
  const rows: Measurement[] = [];
  for (const subject of SUBJECTS) {
    const m = await runChild(subject, holdMs);
    process.stdout.write(`${JSON.stringify(m)}\n`);
    rows.push(m);
  }
  const raw = rows.find((r) => r.subject === 'raw-busy-timeout');
  process.stdout.write(
    `\n| subject (lock held ${holdMs} ms) | loop p99 ms | loop max ms | max 5 ms-timer gap ms | gap vs raw | resolved while held / sent | landed | after release: loop max ms / timer gap ms |\n|---|---|---|---|---|---|---|---|\n`,
  );
  for (const r of rows) {
    const ratio = raw === undefined ? '–' : `${(r.maxTimerGapMs / raw.maxTimerGapMs).toFixed(3)}×`;
    process.stdout.write(
      `| ${r.subject} | ${r.loopP99Ms.toFixed(1)} | ${r.loopMaxMs.toFixed(1)} | ${r.maxTimerGapMs.toFixed(1)} | ${ratio} | ${r.resolvedWhileHeld} / ${r.sent} | ${r.landed} | ${r.drainLoopMaxMs.toFixed(1)} / ${r.drainTimerGapMs.toFixed(1)} |\n`,
    );
  }
}
