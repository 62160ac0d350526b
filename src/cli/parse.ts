import { InvalidArgumentError } from 'commander';

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
