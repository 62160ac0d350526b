import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../store/postgres/migrate.js';

/** The statement(s) of the migrations that seed `opstate.event_types`: the vocabulary as data. */
export function vocabularySeedSql(): string {
  const first = readFileSync(join(MIGRATIONS_DIR, '001_chain_log.sql'), 'utf8');
  const match = /INSERT INTO opstate\.event_types[\s\S]*?;/.exec(first);
  if (match === null) throw new Error('the first migration no longer seeds opstate.event_types');
  return `${match[0]}\n`;
}
