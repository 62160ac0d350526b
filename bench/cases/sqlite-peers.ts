import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { type BenchSettings, type CaseResult, ratioCase, type Spread, spreadOf } from '../harness.js';

/*
 * The embedded store beside its peers on the four shapes an embedding application writes in, each writer
 * a process of its own (bench/probes/sqlite-writer.ts), rounds interleaved with the order rotated so drift
 * hits all alike, ratios taken per round:
 *   raw      better-sqlite3 INSERT into a plain table (no chain, no index but the rowid): the engine's ceiling;
 *   opstate  the SQLite chain store's append (main-thread writer), every event keyed as the runtime keys it;
 *            also with the writer on a worker thread (`writer: 'worker'`), a row of its own;
 *   Emmett   Emmett-sqlite 0.42 appendToStream, one stream per workspace.
 * Same file settings for all (WAL, synchronous=FULL, 5 s busy timeout), ~200-byte payloads, one file per
 * subject, and every workspace written already holds history. Every opstate chain is verified at the end.
 */
const PROBE = fileURLToPath(new URL('../probes/sqlite-writer.ts', import.meta.url));
const SUBJECTS = ['raw', 'opstate', 'opstate-worker', 'emmett'] as const;
type SubjectName = (typeof SUBJECTS)[number];
const PROCESSES = 4;

interface PeerCase {
  readonly key: string;
  readonly label: string;
  readonly processes: number;
  readonly sharedWorkspace: boolean;
  readonly batch: number;
  /** Target opstate ÷ raw, where the issue sets one. */
  readonly ofRaw: number | null;
}

const CASES: readonly PeerCase[] = [
  {
    key: 'seq',
    label: 'sequential 1-event appends',
    processes: 1,
    sharedWorkspace: false,
    batch: 1,
    ofRaw: null,
  },
  { key: 'batch', label: '500-event batches', processes: 1, sharedWorkspace: false, batch: 500, ofRaw: 0.4 },
  {
    key: 'p4w4',
    label: '4 processes, 4 workspaces, 1-event appends',
    processes: 4,
    sharedWorkspace: false,
    batch: 1,
    ofRaw: null,
  },
  {
    key: 'p4w1',
    label: '4 processes, 1 shared workspace, 1-event appends',
    processes: 4,
    sharedWorkspace: true,
    batch: 1,
    ofRaw: null,
  },
];

interface Writer {
  send(command: object): Promise<Record<string, number>>;
  close(): Promise<void>;
}

async function startWriter(subject: SubjectName, file: string): Promise<Writer> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', PROBE, subject, file, '5000'],
    { stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<Record<string, number>> => {
    const { value, done } = await lines.next();
    if (done === true) throw new Error(`${subject} writer exited: ${stderr}`);
    return JSON.parse(value as string) as Record<string, number>;
  };
  await nextLine(); // ready
  return {
    async send(command) {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      return nextLine();
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end(`${JSON.stringify({ cmd: 'close' })}\n`);
      await exited;
    },
  };
}

/** Runs the four cases; returns, per case, opstate ÷ raw and opstate ÷ Emmett-sqlite (and Emmett ÷ raw). */
export async function sqlitePeers(s: BenchSettings): Promise<CaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-peers-'));
  // Commits here wait on fsync, whose latency swings with whatever else the disk is doing: many short
  // slices, the order rotated, and the ratio taken per round keep that swing out of the ratios.
  const rounds = s.quick ? 3 : 9;
  const sliceMs = s.quick ? 300 : 600;
  const history = Number(process.env.BENCH_HISTORY ?? (s.quick ? 1000 : 5000));
  const writers = new Map<SubjectName, Writer[]>();
  try {
    for (const subject of SUBJECTS) {
      const file = join(dir, `${subject}.db`);
      // The first opener migrates alone; the others then open a migrated file.
      const first = await startWriter(subject, file);
      const rest = await Promise.all(Array.from({ length: PROCESSES - 1 }, () => startWriter(subject, file)));
      writers.set(subject, [first, ...rest]);
    }
    // Workspaces per case and process, the same names in every subject's file, each seeded with history
    // (and a few more workspaces beside them, so the indexes hold other workspaces' keys too).
    const shared = `peers-shared-${randomUUID()}`;
    const wsFor = new Map<string, string[]>();
    for (const c of CASES) {
      wsFor.set(
        c.key,
        Array.from({ length: c.processes }, () =>
          c.sharedWorkspace ? shared : `peers-${c.key}-${randomUUID()}`,
        ),
      );
    }
    const seeded = [
      ...new Set([...wsFor.values()].flat()),
      ...Array.from({ length: 4 }, () => `peers-other-${randomUUID()}`),
    ];
    for (const subject of SUBJECTS) {
      const [w] = writers.get(subject) ?? [];
      for (const ws of seeded) await w?.send({ cmd: 'seed', ws, events: history });
    }

    const rates = new Map<string, number[]>();
    // Events per CPU-second of the writer processes: what each costs, whatever share of the cores the
    // machine's other load leaves them (on a shared machine the wall-clock rates swing with it).
    const cpu = new Map<string, number[]>();
    const timed = async (subject: SubjectName, c: PeerCase, ms: number) => {
      const ws = wsFor.get(c.key) ?? [];
      const procs = (writers.get(subject) ?? []).slice(0, c.processes);
      if (process.env.BENCH_DEBUG) process.stderr.write(`run ${subject} ${c.key} ${ms}\n`);
      const replies = await Promise.all(
        procs.map((w, k) => w.send({ cmd: 'run', ws: ws[k], batch: c.batch, ms })),
      );
      const start = Math.min(...replies.map((r) => r['start'] ?? Number.NaN));
      const end = Math.max(...replies.map((r) => r['end'] ?? Number.NaN));
      const count = replies.reduce((sum, r) => sum + (r['count'] ?? 0), 0);
      const cpuMs = replies.reduce((sum, r) => sum + (r['cpuMs'] ?? 0), 0);
      const key = `${c.key}:${subject}`;
      cpu.set(key, [...(cpu.get(key) ?? []), count / (cpuMs / 1000)]);
      return count / ((end - start) / 1000);
    };
    for (const c of CASES) {
      for (const subject of SUBJECTS) await timed(subject, c, Math.min(200, sliceMs)); // warm-up
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < SUBJECTS.length; k++) {
          const subject = SUBJECTS[(k + r) % SUBJECTS.length] as SubjectName;
          const key = `${c.key}:${subject}`;
          rates.set(key, [...(rates.get(key) ?? []), await timed(subject, c, sliceMs)]);
        }
      }
    }
    for (const list of writers.values()) await Promise.all(list.map((w) => w.close()));
    writers.clear();

    for (const written of ['opstate.db', 'opstate-worker.db']) {
      const store = await openSqliteChainStore({ file: join(dir, written), readOnly: true });
      try {
        for (const ws of seeded) {
          const result = await store.verify(ws);
          if (!result.ok) throw new Error(`bench chain ${ws} does not verify: ${JSON.stringify(result)}`);
        }
      } finally {
        await store.close();
      }
    }

    const rows: CaseResult[] = [];
    const load = `${rounds} rounds of ${sliceMs} ms, history ${history.toLocaleString('en-US')} events per workspace`;
    for (const c of CASES) {
      const [mine, raw, em] = (['opstate', 'raw', 'emmett'] as const).map(
        (who) => rates.get(`${c.key}:${who}`) ?? [],
      );
      if (mine === undefined || raw === undefined || em === undefined) continue;
      const perRound = (a: readonly number[], b: readonly number[]) =>
        a.map((x, i) => x / (b[i] ?? Number.NaN));
      const ofRaw = spreadOf(perRound(mine, raw));
      const ofEmmett = spreadOf(perRound(mine, em));
      const emOfRaw = spreadOf(perRound(em, raw));
      const fmt = (x: Spread) => `${x.median.toFixed(3)} (${x.min.toFixed(3)}–${x.max.toFixed(3)})`;
      const [cpuMine, cpuRaw, cpuEm] = (['opstate', 'raw', 'emmett'] as const).map(
        (who) => cpu.get(`${c.key}:${who}`) ?? [],
      );
      const cpuNote = `per CPU-second: opstate ÷ raw ${fmt(spreadOf(perRound(cpuMine ?? [], cpuRaw ?? [])))}, opstate ÷ Emmett-sqlite ${fmt(spreadOf(perRound(cpuMine ?? [], cpuEm ?? [])))}`;
      rows.push(
        {
          ...ratioCase({
            name: `SQLite peers: ${c.label}, opstate ÷ raw`,
            value: spreadOf(mine).median,
            range: spreadOf(mine),
            unit: 'events/s',
            baseline: 'raw better-sqlite3 INSERT, same settings, same round',
            baselineValue: spreadOf(raw).median,
            baselineRange: spreadOf(raw),
            target: c.ofRaw === null ? null : `≥ ${c.ofRaw}× raw`,
            better: 'higher',
            targetRatio: c.ofRaw,
          }),
          ratio: ofRaw.median,
          spread: { min: ofRaw.min, max: ofRaw.max },
          ...(c.ofRaw === null ? {} : { met: ofRaw.median >= c.ofRaw }),
          note: `Emmett-sqlite ÷ raw ${fmt(emOfRaw)}; ${load}`,
        },
        {
          ...ratioCase({
            name: `SQLite peers: ${c.label}, opstate ÷ Emmett-sqlite 0.42`,
            value: spreadOf(mine).median,
            range: spreadOf(mine),
            unit: 'events/s',
            baseline: 'Emmett-sqlite 0.42 appendToStream, same settings, same round',
            baselineValue: spreadOf(em).median,
            baselineRange: spreadOf(em),
            target: '≥ 1.0× Emmett-sqlite',
            better: 'higher',
            targetRatio: 1,
          }),
          ratio: ofEmmett.median,
          spread: { min: ofEmmett.min, max: ofEmmett.max },
          met: ofEmmett.median >= 1,
          note: cpuNote,
        },
      );
      const thread = rates.get(`${c.key}:opstate-worker`) ?? [];
      const threadOfEmmett = spreadOf(perRound(thread, em));
      rows.push({
        ...ratioCase({
          name: `SQLite peers: ${c.label}, opstate (writer thread) ÷ Emmett-sqlite 0.42`,
          value: spreadOf(thread).median,
          range: spreadOf(thread),
          unit: 'events/s',
          baseline: 'Emmett-sqlite 0.42 appendToStream, same settings, same round',
          baselineValue: spreadOf(em).median,
          baselineRange: spreadOf(em),
          target: '≥ 1.0× Emmett-sqlite',
          better: 'higher',
          targetRatio: 1,
        }),
        ratio: threadOfEmmett.median,
        spread: { min: threadOfEmmett.min, max: threadOfEmmett.max },
        met: threadOfEmmett.median >= 1,
        note: `÷ raw ${fmt(spreadOf(perRound(thread, raw)))}; per CPU-second ÷ Emmett-sqlite ${fmt(spreadOf(perRound(cpu.get(`${c.key}:opstate-worker`) ?? [], cpuEm ?? [])))}`,
      });
    }
    return rows;
  } finally {
    for (const list of writers.values()) for (const w of list) await w.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
