import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ChainStoreError } from '../../errors.js';

interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
}

/** A held data-directory lock; `release` is idempotent and synchronous so it can run on process exit. */
export interface DirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes an exclusive lock on an embedded data directory: an O_EXCL lock file beside it (not inside it,
 * so PGlite's initdb sees the directory as it expects) holding the owner's pid. PGlite takes no lock of
 * its own and two openers corrupt the directory, so a live holder is an error naming its pid. A lock
 * whose pid is dead on this host is stale (the holder crashed) and is taken over; a holder on another
 * host cannot be checked and is never taken over. There is no timeout-based takeover: a slow live holder
 * must never lose its lock.
 */
export function acquireDirLock(dataDir: string): DirLock {
  const path = `${dataDir.replace(/\/+$/, '')}.opstate.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ChainStoreError(
          'unavailable',
          `cannot create lock file ${path}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      const holder = readHolder(path);
      if (holder !== null && (holder.hostname !== hostname() || isAlive(holder.pid))) {
        throw new ChainStoreError(
          'locked',
          `PGlite data directory ${dataDir} is in use by pid ${holder.pid} on ${holder.hostname} ` +
            `(since ${holder.since}; lock file ${path}). Two openers would corrupt it: stop that process, ` +
            'or remove the lock file if you are sure it is gone.',
        );
      }
      // Stale (holder dead) or unreadable (a crash between create and write): remove and retry once.
      try {
        unlinkSync(path);
      } catch {
        // Another opener removed it first; the retry decides who wins.
      }
      continue;
    }
    const holder: LockHolder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(holder));
    closeSync(fd);
    let released = false;
    const onExit = () => release();
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      try {
        // Only remove our own lock: a stale-takeover by another process must not be undone.
        if (readHolder(path)?.pid === process.pid) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
    process.on('exit', onExit);
    return { path, release };
  }
  throw new ChainStoreError(
    'locked',
    `could not take the lock ${path} for ${dataDir}: another opener raced us`,
  );
}

function readHolder(path: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return null;
    return { pid: parsed.pid, hostname: parsed.hostname, since: String(parsed.since) };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
