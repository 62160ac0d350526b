import { randomUUID } from 'node:crypto';
import { type ChainStore } from '../../src/index.js';
import { canonicalPayload, chainHash, genesisHash } from '../../src/store/chain/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteChainStore } from '../../src/index.js';
import { type Engine, engines as listedEngines, sqlEngines, type Tamper } from './engines.js';

let sqliteDir: string | null = null;
/** A fresh SQLite store file per open: tests on SQLite never share a file. */
function openFreshSqlite() {
  sqliteDir ??= mkdtempSync(join(tmpdir(), 'opstate-integrity-'));
  return openSqliteChainStore({ file: join(sqliteDir, `${randomUUID()}.db`) });
}

/**
 * Every engine, SQLite included even while test/support/engines.ts does not list it yet (it comes with
 * the embedded branch's test support; then this adds nothing).
 */
export const engines: readonly { name: string; available: boolean; open(): Promise<ChainStore> }[] = [
  ...(listedEngines as readonly Engine[]),
  ...((listedEngines as readonly Engine[]).some((e) => (e.name as string) === 'sqlite')
    ? []
    : [{ name: 'sqlite', available: true, open: openFreshSqlite }]),
];

/** A store that a test may tamper with as an attacker with full database access would. */
export interface TamperableStore {
  readonly store: ChainStore;
  readonly engine: string;
  readonly tamper: Tamper;
}

/** Every engine whose history a test can edit behind the store's back (the memory store's is unreachable). */
export const tamperableEngines: readonly {
  name: string;
  available: boolean;
  open(): Promise<TamperableStore>;
}[] = [
  ...sqlEngines.map((e) => ({
    name: e.name as string,
    available: e.available,
    async open(): Promise<TamperableStore> {
      const store = await e.open();
      return { store, engine: e.name, tamper: store.tamper };
    },
  })),
  ...engines
    .filter((e) => (e.name as string).startsWith('sqlite'))
    .map((e) => ({
      name: e.name as string,
      available: e.available,
      async open(): Promise<TamperableStore> {
        const store = await e.open();
        return { store, engine: 'sqlite', tamper: tamperSqlite((store as unknown as { file: string }).file) };
      },
    })),
];

/** A second connection to the file that drops the append-only triggers, as anyone who can write it can. */
function tamperSqlite(file: string): Tamper {
  return async (statements) => {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 5000');
      const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
        name: string;
      }[];
      db.transaction(() => {
        for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
        for (const s of statements) db.exec(s);
      })();
    } finally {
      db.close();
    }
  };
}

/** A row to write as a forger would: any event type and stored text, hashed to link correctly. */
export interface ForgedRow {
  readonly eventType: string;
  /** Stored verbatim (canonical or not). */
  readonly text: string;
}

export interface ForgeOptions {
  /** Also move the head row to the new last row (what a careful attacker does). Default false. */
  readonly moveHead?: boolean;
}

/** Every event of a chain, read through the public API. */
export async function readAll(store: ChainStore, ws: string) {
  const out = [];
  for (let after = 0; ;) {
    const page = await store.read(ws, { afterSeq: after, limit: 10_000 });
    out.push(...page);
    const last = page.at(-1);
    if (last === undefined) return out;
    after = last.seq;
  }
}

/**
 * Replaces the chain from seq `from` on with `rows`, re-hashed so every link is consistent: a forger with
 * full write access (append-only trigger silenced). The head row stays unless `moveHead`.
 */
export async function rewriteFrom(
  { store, engine, tamper }: TamperableStore,
  ws: string,
  from: number,
  rows: readonly ForgedRow[],
  options: ForgeOptions = {},
): Promise<void> {
  const before = await readAll(store, ws);
  let prev = from === 1 ? genesisHash(ws) : (before[from - 2]?.hash ?? '');
  const sqlite = engine === 'sqlite';
  const table = (name: string) => (sqlite ? name : `opstate.${name}`);
  const bytes = (hex: string) => (sqlite ? `X'${hex}'` : `decode('${hex}', 'hex')`);
  const str = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const statements = [`DELETE FROM ${table('event_log')} WHERE workspace_id = ${str(ws)} AND seq >= ${from}`];
  let seq = from - 1;
  for (const row of rows) {
    seq += 1;
    const hash = chainHash(prev, seq, row.eventType, row.text);
    statements.push(
      `INSERT INTO ${table('event_log')} (workspace_id, seq, event_id, event_type, payload_canonical, prev_hash, hash, recorded_at)
       VALUES (${str(ws)}, ${seq}, ${str(randomUUID())}, ${str(row.eventType)}, ${str(row.text)}, ${bytes(prev)}, ${bytes(hash)}, ${str(new Date().toISOString())})`,
    );
    prev = hash;
  }
  if (options.moveHead) {
    statements.push(
      `UPDATE ${table('chain_head')} SET seq = ${seq}, head_hash = ${bytes(prev)} WHERE workspace_id = ${str(ws)}`,
    );
  }
  await tamper(statements);
}

/** The stored rows of a chain as forged rows (their canonical text), to splice into a rewrite. */
export async function asRows(store: ChainStore, ws: string, fromSeq = 1): Promise<ForgedRow[]> {
  return (await readAll(store, ws))
    .filter((e) => e.seq >= fromSeq)
    .map((e) => ({ eventType: e.eventType, text: canonicalPayload(e.payload) }));
}
