import { InvalidArgumentError } from 'commander';
import { MAX_EVENT_TYPE_PREFIX } from '../store/chain/validate.js';
import { UsageError } from './exit-codes.js';

/** Commander argument parser for a non-negative integer flag; names the flag and the bad value. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
}

/** Commander argument parser for a positive number (e.g. a speed factor). */
export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected a number ≥ 0, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Commander argument parser for `--fail-store-every`: 0 (off) or at least 2. With 1 every append,
 * retries included, would fail and the demo would never end; with n ≥ 2 each failed attempt is followed
 * by one that lands.
 */
export function failEvery(raw: string): number {
  const n = integer(0, 1_000_000)(raw);
  if (n === 1) {
    throw new InvalidArgumentError(
      'got 1: every append, retries included, would fail and nothing would ever land; use 0 (off) or 2 or more',
    );
  }
  return n;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** `scheme://user:password@`: the password part, to be redacted. */
const CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i;

/**
 * Commander argument parser for `--store`: a directory, or a PostgreSQL URL with a host (`postgres://`
 * alone would silently mean the driver's defaults). Any other `scheme://` is refused rather than taken for
 * a directory name.
 */
export function storeSpec(raw: string): string {
  // Commander echoes a bad value in its message: never echo a password.
  const refuse = (message: string): Error =>
    CREDENTIALS.test(raw)
      ? new UsageError(`--store ${raw.replace(CREDENTIALS, '$1***@')} is invalid: ${message}`)
      : new InvalidArgumentError(message);
  if (raw.trim().length === 0)
    throw new InvalidArgumentError(
      '--store is empty: pass a directory (the store is <dir>/chain.db) or a postgres:// URL',
    );
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return raw;
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw refuse(`scheme ${scheme}:// is not supported: give a directory or a postgres:// URL`);
  }
  let url: URL;
  try {
    url = new URL(raw);
    // pg decodes these; a bad %-escape would otherwise surface later as a bare URIError.
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    decodeURIComponent(url.pathname);
  } catch {
    throw refuse('not a valid postgres:// URL');
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw refuse(
      'a postgres:// URL needs a host: write postgres://user@host:port/database (or ?host=/socket/dir)',
    );
  }
  return raw;
}

/** Commander argument parser for `--prefix`: no longer than any event type can be, as the stores require. */
export function eventTypePrefix(raw: string): string {
  if (raw.length > MAX_EVENT_TYPE_PREFIX) {
    throw new InvalidArgumentError(
      `expected at most ${MAX_EVENT_TYPE_PREFIX} characters (no event type is longer), got ${raw.length}`,
    );
  }
  return raw;
}
