import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainStoreError, openSqliteChainStore } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';

/** A real small disk: a 4 MiB tmpfs. Mounting needs root with CAP_SYS_ADMIN; without it, say why. */
const disk = mkdtempSync(join(tmpdir(), 'opstate-disk-full-'));
let skipReason: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'pipe' });
} catch (err) {
  skipReason = `cannot mount a 4 MiB tmpfs here (needs root with CAP_SYS_ADMIN): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
}
afterAll(() => {
  if (skipReason === null) execFileSync('umount', [disk]);
  rmSync(disk, { recursive: true, force: true });
});

const filler = (name: string, bytes: number) => writeFileSync(join(disk, name), Buffer.alloc(bytes, 1));
const event = (n: number) => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload: { n, note: 'x'.repeat(2000) },
  idempotencyKey: `disk-full-${n}`,
});

describe.skipIf(skipReason !== null)(
  `SQLite on a full disk${skipReason === null ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    it('recovers once space returns, with less free space than the WAL, and loses nothing acknowledged', async () => {
      // Other files on the disk, one of which goes away later: the WAL can never reach SQLite's automatic
      // checkpoint (1,000 pages, about 4 MiB) on what is left.
      filler('stays', 1024 * 1024);
      filler('goes', 1024 * 1024);
      const store = await openSqliteChainStore({ file: join(disk, 'chain.db') });
      try {
        let n = 0;
        for (;;) {
          try {
            await store.append('ws', [event(n + 1)]);
            n += 1;
          } catch (err) {
            expect(err).toBeInstanceOf(ChainStoreError);
            expect((err as ChainStoreError).kind).toBe('unavailable');
            expect((err as Error).message).toContain('SQLITE_FULL');
            break;
          }
        }
        const beforeFull = n;
        expect(beforeFull).toBeGreaterThan(50);
        // Space returns, less of it than the WAL holds.
        rmSync(join(disk, 'goes'));
        let consecutiveFailures = 0;
        while (n < beforeFull + 300) {
          try {
            await store.append('ws', [event(n + 1)]);
            n += 1;
            consecutiveFailures = 0;
          } catch (err) {
            consecutiveFailures += 1;
            if (consecutiveFailures > 5) {
              const files = execFileSync('ls', ['-l', disk]).toString();
              throw new Error(`no recovery after ${n - beforeFull} appends once space returned:\n${files}`, {
                cause: err,
              });
            }
          }
        }
        expect(await store.verify('ws')).toMatchObject({ ok: true, length: n });
        const keys = (await store.read('ws', { limit: 10_000 })).map((e) => e.idempotencyKey);
        expect(keys).toEqual(Array.from({ length: n }, (_, i) => `disk-full-${i + 1}`));
      } finally {
        await store.close();
      }
    });
  },
);
