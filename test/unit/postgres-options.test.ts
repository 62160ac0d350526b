import { describe, expect, it } from 'vitest';
import { ChainStoreError } from '../../src/errors.js';
import { resolveOptions } from '../../src/store/postgres/options.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';

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
    // Every form the driver reads passes: both URL schemes, a socket directory, libpq's key=value words.
    for (const connectionString of [
      'postgresql://agent@db/opstate',
      'socket:/var/run/postgresql?db=opstate',
      'host=db dbname=opstate user=agent',
    ])
      expect(resolveOptions({ connectionString })).toMatchObject({ connectionString });
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
    [
      { connectionString: 'mysql://x' },
      /connectionString must be a postgres:\/\/ or postgresql:\/\/ URL, got a mysql:\/\/ URL/,
    ],
    [{ listenConnectionString: 'HTTP://db' }, /listenConnectionString must be .* URL, got a http:\/\/ URL/],
  ])('refuses %j with a typed error naming the value', (bad, message) => {
    const attempt = () => resolveOptions({ connectionString: url, ...(bad as object) });
    expect(attempt).toThrow(ChainStoreError);
    expect(attempt).toThrow(message);
  });

  it('a server that cannot be reached is reported as a connection failure, not as a failed migration', async () => {
    // Port 1 on loopback: nothing listens there, so the connect is refused at once.
    const err = await openPostgresChainStore({
      connectionString: 'postgres://agent@127.0.0.1:1/opstate',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainStoreError);
    expect(err).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(
        /^PostgreSQL connection failed at postgres:\/\/agent@127\.0\.0\.1:1\/opstate: .*ECONNREFUSED/,
      ),
    });
  });
});
