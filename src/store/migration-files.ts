import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** One versioned migration: plain SQL, applied once, recorded with its checksum. */
export interface Migration {
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the file's text: an applied migration that changed afterwards is refused, not re-run. */
  readonly checksum: string;
}

/** The `NNN_name.sql` files of an engine's migrations folder, in name order, each with its checksum. */
export function loadMigrationFiles(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(`${dir}/${name}`, 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql, 'utf8').digest('hex') };
    });
}
