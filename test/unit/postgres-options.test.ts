import { describe, expect, it } from 'vitest';
import { ChainStoreError } from '../../src/errors.js';
import { resolveOptions } from '../../src/store/postgres/options.js';

const url = 'postgres://agent@127.0.0.1:6432/opstate';

describe('PostgreSQL store options', () => {
  it('sizes the default pool for an agent (2) and polls every second when it cannot LISTEN', () => {
    expect(resolveOptions({ connectionString: url })).toMatchObject({
      maxConnections: 2,
      pollIntervalMs: 1000,
      listenConnectionString: undefined,
      preparedStatements: true,
    });
    expect(
      resolveOptions({ connectionString: url, listenConnectionString: 'postgres://v@db:5432/opstate' }),
    ).toMatchObject({ listenConnectionString: 'postgres://v@db:5432/opstate' });
  });

  it.each([
    [{ listenConnectionString: '' }, /listenConnectionString must be a non-empty postgres:\/\/ URL, got ""/],
    [
      { listenConnectionString: 5432 },
      /listenConnectionString must be a non-empty postgres:\/\/ URL, got 5432/,
    ],
    [{ pollIntervalMs: 0 }, /pollIntervalMs must be an integer between 1 and 600000, got 0/],
    [{ pollIntervalMs: 2.5 }, /pollIntervalMs must be an integer between 1 and 600000, got 2\.5/],
    [{ maxConnections: -1 }, /maxConnections must be an integer between 1 and 1000, got -1/],
    [{ preparedStatements: 'no' }, /preparedStatements must be true or false, got "no"/],
  ])('refuses %j with a typed error naming the value', (bad, message) => {
    const attempt = () => resolveOptions({ connectionString: url, ...(bad as object) });
    expect(attempt).toThrow(ChainStoreError);
    expect(attempt).toThrow(message);
  });
});
