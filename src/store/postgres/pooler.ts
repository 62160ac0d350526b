import type pg from 'pg';

/**
 * True when the client reaches PostgreSQL through a connection pooler. PgBouncer answers the startup
 * with a cancel key of its own, so the backend pid the client was told is not the server's
 * `pg_backend_pid()`; a direct connection (or a plain TCP proxy) passes the server's through.
 */
export async function behindPooler(client: pg.ClientBase): Promise<boolean> {
  const rows = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const told = toldPid(client);
  return told !== null && rows[0]?.pid !== told;
}

/** The backend pid the client was told at connect (node-postgres keeps it, untyped); null before. */
export function toldPid(client: pg.ClientBase): number | null {
  const told = (client as unknown as { processID?: unknown }).processID;
  return typeof told === 'number' ? told : null;
}
