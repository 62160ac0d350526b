import { existsSync, realpathSync, renameSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { embeddedFile, isPostgresUrl } from '../open-store.js';
import { UsageError } from '../exit-codes.js';

/**
 * A plain demo run starts a fresh chain, so the same seed gives the same head: if the workspace already
 * has a chain in the embedded store, the whole file (every workspace in it) is kept under a new name,
 * `chain-<UTC time>.db` beside it, and the run creates a new `chain.db`. Nothing is deleted. On
 * PostgreSQL (an append-only server nobody should rename under you) such a run is refused instead.
 * Returns the path the previous file was kept at, or null when there was nothing to set aside.
 */
export async function setAsideDemoChain(spec: string, workspaceId: string): Promise<string | null> {
  if (isPostgresUrl(spec)) return null;
  const file = embeddedFile(spec);
  if (!existsSync(file)) return null;
  const { openSqliteChainStore } = await import('../../store/sqlite/sqlite-store.js');
  const store = await openSqliteChainStore({ file, readOnly: true });
  let used: boolean;
  try {
    used = (await store.read(workspaceId, { limit: 1 })).length > 0;
  } finally {
    await store.close();
  }
  if (!used) return null;
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const kept = join(dirname(file), `chain-${stamp}.db`);
  // The WAL companions travel with their file: SQLite pairs them by name.
  for (const suffix of ['-wal', '-shm', '']) {
    if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${kept}${suffix}`);
  }
  return kept;
}

/** The refusal for a plain run on a PostgreSQL workspace that already has a chain. */
export function existingChainOnServer(workspaceId: string): UsageError {
  return new UsageError(
    `workspace ${workspaceId} already has a chain on this server: pass --resume to continue its agent, ` +
      'or --workspace <new id> for a fresh chain (same seed, same head)',
  );
}

/**
 * How to run this CLI again from where it runs now: `opstate` when installed on PATH, `npx opstate`
 * when installed in the project here, `node <path>/dist/cli/main.js` from a checkout (where neither
 * works: a package's own bin is not linked into its own node_modules).
 */
export function selfCommand(script: string | undefined = process.argv[1], cwd = process.cwd()): string {
  if (script === undefined) return 'opstate';
  let path = script;
  try {
    path = realpathSync(script);
  } catch {
    // keep the path as given
  }
  const installed = path.includes(`${sep}node_modules${sep}opstate${sep}`);
  if (!installed) {
    const rel = relative(cwd, path);
    const shown = rel.includes(' ') ? JSON.stringify(rel) : rel;
    // From source (a development run through tsx), node alone cannot load it.
    return path.endsWith('.ts') ? `npx tsx ${shown}` : `node ${shown}`;
  }
  const local = path.startsWith(join(cwd, 'node_modules') + sep);
  return local ? 'npx opstate' : 'opstate';
}
