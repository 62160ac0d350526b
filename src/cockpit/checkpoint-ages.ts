import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCheckpointText } from '../checkpoint/format.js';

/** What a checkpoint directory says about how fresh each workspace's newest checkpoint is. */
export interface CheckpointAges {
  /** Workspace → when its newest checkpoint was signed (ms since the epoch). */
  readonly newest: ReadonlyMap<string, number>;
  /** Files that are not checkpoints (skipped, counted so a broken writer shows). */
  readonly unreadable: number;
}

/**
 * Reads every `*.json` checkpoint in `dir` (as `opstate checkpoint --out` or a runtime's `onCheckpoint`
 * writes them). Their signatures are not checked here: the age is what matters to an alert, and
 * `opstate verify --checkpoint` is where one is authenticated.
 */
export async function readCheckpointAges(dir: string): Promise<CheckpointAges> {
  const newest = new Map<string, number>();
  let unreadable = 0;
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  for (const name of names) {
    try {
      const cp = parseCheckpointText(await readFile(join(dir, name), 'utf8'), name);
      const at = Date.parse(cp.at);
      if (at > (newest.get(cp.workspaceId) ?? -Infinity)) newest.set(cp.workspaceId, at);
    } catch {
      unreadable += 1;
    }
  }
  return { newest, unreadable };
}
