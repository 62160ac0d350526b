import { closeSync, existsSync, openSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { embeddedFile, isPostgresUrl } from '../open-store.js';
import { UsageError } from '../exit-codes.js';

/** The WAL companions travel with their file: SQLite pairs them by name. The file itself goes last. */
const COMPANIONS = ['-wal', '-shm', ''] as const;

/** How many names `chain-<time>-<n>.db` to try within one millisecond before giving up. */
const MAX_NAME_TRIES = 1000;

/**
 * A plain demo run starts a fresh chain, so the same seed gives the same head: if the workspace already
 * has a chain in the embedded store, the file is kept under a new name, `chain-<UTC time>.db` beside it
 * (a `-<n>` suffix when that name is taken; an existing file is never replaced), and the run creates a new
 * `chain.db`. Nothing is deleted. A file that also holds other workspaces is refused instead: an agent
 * may be appending to it, and renaming the file under it would strand its appends. On PostgreSQL (an
 * append-only server nobody should rename under you) such a run is refused too.
 * Returns the path the previous file was kept at, or null when there was nothing to set aside.
 */
export async function setAsideDemoChain(spec: string, workspaceId: string): Promise<string | null> {
  if (isPostgresUrl(spec)) return null;
  const file = embeddedFile(spec);
  if (!existsSync(file)) return null;
  const { openSqliteChainStore } = await import('../../store/sqlite/sqlite-store.js');
  const store = await openSqliteChainStore({ file, readOnly: true });
  let workspaces: string[];
  try {
    workspaces = await store.workspaces();
  } finally {
    await store.close();
  }
  if (!workspaces.includes(workspaceId)) return null;
  const others = workspaces.filter((w) => w !== workspaceId);
  if (others.length > 0) throw sharedFileRefused(file, spec, workspaceId, others);
  return keepAside(file);
}

function sharedFileRefused(file: string, spec: string, workspaceId: string, others: string[]): UsageError {
  const shown = others.slice(0, 5).map((w) => JSON.stringify(w));
  const more = others.length > shown.length ? ` and ${others.length - shown.length} more` : '';
  return new UsageError(
    `${file} holds other workspaces besides ${workspaceId} (${shown.join(', ')}${more}): a fresh demo ` +
      'would set the whole file aside under any agent appending to it, so it leaves the file alone. ' +
      `Pass --store <another dir> for a fresh demo, --workspace <new id> for a fresh chain in ${spec}, ` +
      `or --resume to continue ${workspaceId}`,
  );
}

/**
 * Renames `file` (and its WAL companions) to the first free `chain-<UTC time>[-n].db` beside it. Each
 * name is first created exclusively, so no existing file (another run's kept copy included) is replaced;
 * the rename then lands on that empty placeholder.
 */
function keepAside(file: string): string {
  const dir = dirname(file);
  const stamp = new Date().toISOString().replaceAll(':', '-');
  const present = COMPANIONS.filter((suffix) => existsSync(`${file}${suffix}`));
  for (let n = 0; n < MAX_NAME_TRIES; n++) {
    const kept = join(dir, `chain-${stamp}${n === 0 ? '' : `-${n}`}.db`);
    const reserved = reserve(kept, present, file);
    if (reserved === null) continue;
    const moved: string[] = [];
    try {
      for (const suffix of present) {
        renameSync(`${file}${suffix}`, `${kept}${suffix}`);
        moved.push(suffix);
      }
    } catch (err) {
      // Put back what moved, so the store stays whole under its own name.
      for (const suffix of moved.reverse()) renameQuietly(`${kept}${suffix}`, `${file}${suffix}`);
      for (const suffix of present.filter((s) => !moved.includes(s))) unlinkQuietly(`${kept}${suffix}`);
      throw cannotSetAside(file, err);
    }
    return kept;
  }
  throw new UsageError(
    `cannot set aside ${file}: ${MAX_NAME_TRIES} names chain-${stamp}-<n>.db in ${dir} are taken; ` +
      'pass --store <another dir>, or --resume',
  );
}

/** Creates an empty file for each name `kept`+suffix, none existing before; null if one already does. */
function reserve(kept: string, suffixes: readonly string[], file: string): string[] | null {
  // A stray companion under the name would be paired with the kept file by SQLite: skip that name too.
  if (COMPANIONS.some((suffix) => existsSync(`${kept}${suffix}`))) return null;
  const made: string[] = [];
  for (const suffix of suffixes) {
    try {
      closeSync(openSync(`${kept}${suffix}`, 'wx'));
      made.push(`${kept}${suffix}`);
    } catch (err) {
      for (const path of made) unlinkQuietly(path);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw cannotSetAside(file, err);
    }
  }
  return made;
}

function cannotSetAside(file: string, err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = err instanceof Error ? err.message : String(err);
  const hint =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? `the directory ${dirname(file)} is not writable here`
      : `it could not be renamed`;
  return new UsageError(
    `cannot set aside the previous chain file ${file} (${why}): ${hint}; it is unchanged. ` +
      `Pass --store <a writable dir> for a fresh demo, or --resume to continue the chain in ${basename(file)}`,
  );
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // best effort: the error being reported says the file could not be moved
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // best effort: an empty placeholder left behind holds no data
  }
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
