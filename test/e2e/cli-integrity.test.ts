/*
 * Checkpoints end to end through the real `opstate` binary: keygen, checkpoint, verify against
 * checkpoints (checked with openssl too), the exit codes for forged, unknown-key and malformed files,
 * the whole-chain JSON export, and progress bars only on a terminal.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, openPostgresChainStore } from '../../src/index.js';
import { signCheckpoint } from '../../src/checkpoint/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { cli } from '../support/cli.js';
import { freshWorkspace, PG_URL } from '../support/engines.js';
import { poolOf } from '../../src/store/postgres/pool-registry.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-cli-integrity-'));
const store = join(root, 'store');
const at = (name: string) => join(root, name);
const ws = 'demo';

describe('opstate keygen / checkpoint / verify --checkpoint / events --json', () => {
  let checkpoint: Checkpoint;
  let chainLength = 0;

  beforeAll(async () => {
    const demo = await cli(['demo', '--store', store, '--speed', '0', '--transitions', '120', '--json'], {
      cwd: root,
      timeoutMs: 120_000,
    });
    expect(demo.code).toBe(0);
    const keygen = await cli(['keygen', '--private-key', at('key.pem'), '--public-key', at('key.pub')]);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout).toMatch(/keyId [0-9a-f]{64}/);
    const other = await cli(['keygen', '--private-key', at('other.pem'), '--public-key', at('other.pub')]);
    expect(other.code).toBe(0);
    const cp = await cli(['checkpoint', '--store', store, '--workspace', ws, '--private-key', at('key.pem')]);
    expect(cp.code).toBe(0);
    checkpoint = JSON.parse(cp.stdout) as Checkpoint;
    chainLength = checkpoint.seq;
    writeFileSync(at('cp.json'), cp.stdout);
  }, 180_000);

  it('keygen writes a 0600 private key and refuses to overwrite either file (exit 2)', async () => {
    expect(statSync(at('key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(at('key.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await cli(['keygen', '--private-key', at('new.pem'), '--public-key', at('key.pub')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('refusing to overwrite');
    expect(existsSync(at('new.pem'))).toBe(false);
  });

  it('the checkpoint is checkable with openssl alone', () => {
    // Sorted keys and no whitespace are the RFC 8785 form of this flat, ASCII-only object.
    const { signature, ...statement } = checkpoint;
    const sorted = Object.fromEntries(Object.entries(statement).sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(at('statement.json'), JSON.stringify(sorted));
    writeFileSync(at('sig.bin'), Buffer.from(signature, 'base64'));
    const verified = execFileSync('openssl', [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      at('key.pub'),
      '-rawin',
      '-in',
      at('statement.json'),
      '-sigfile',
      at('sig.bin'),
    ]).toString();
    expect(verified).toContain('Signature Verified Successfully');
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', at('key.pub'), '-outform', 'DER']);
    expect(execFileSync('sha256sum', { input: der }).toString().slice(0, 64)).toBe(checkpoint.keyId);
  });

  it('verify against the checkpoint: ok, exit 0', async () => {
    const r = await cli([
      'verify',
      '--store',
      store,
      '--workspace',
      ws,
      '--checkpoint',
      at('cp.json'),
      '--public-key',
      at('key.pub'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^workspace demo: ok, \d+ events, head [0-9a-f]{64} \(1 checkpoint matched\)/);
  });

  it('a forged checkpoint exits 1 naming bad_signature; an unknown key exits 1 naming unknown_key', async () => {
    writeFileSync(at('forged.json'), JSON.stringify({ ...checkpoint, seq: checkpoint.seq - 1 }));
    const forged = await cli([
      'verify',
      '--store',
      store,
      '--workspace',
      ws,
      '--checkpoint',
      at('forged.json'),
      '--public-key',
      at('key.pub'),
    ]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/bad_signature: checkpoint file .*forged\.json/);
    const unknown = await cli([
      'verify',
      '--store',
      store,
      '--workspace',
      ws,
      '--checkpoint',
      at('cp.json'),
      '--public-key',
      at('other.pub'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown_key');
  });

  it('a checkpoint ahead of the chain exits 1 naming the seq and truncated', async () => {
    const ahead = signCheckpoint(
      { workspaceId: ws, seq: chainLength + 50, headHash: 'c'.repeat(64) },
      readFileSync(at('key.pem'), 'utf8'),
    );
    writeFileSync(at('ahead.json'), JSON.stringify(ahead));
    const r = await cli([
      'verify',
      '--store',
      store,
      '--workspace',
      ws,
      '--checkpoint',
      at('cp.json'),
      '--checkpoint',
      at('ahead.json'),
      '--public-key',
      at('key.pub'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAILED at seq ${chainLength + 1}: truncated`);
  });

  it.each([
    [
      'a malformed checkpoint file',
      ['--checkpoint', 'bad.json', '--public-key', 'key.pub'],
      /bad\.json is not a checkpoint/,
    ],
    [
      'a checkpoint file that is not JSON',
      ['--checkpoint', 'key.pub', '--public-key', 'key.pub'],
      /is not JSON/,
    ],
    [
      'an unreadable checkpoint file',
      ['--checkpoint', 'missing.json', '--public-key', 'key.pub'],
      /cannot read checkpoint file/,
    ],
    [
      'a malformed public key',
      ['--checkpoint', 'cp.json', '--public-key', 'cp.json'],
      /is not a PEM public key/,
    ],
    ['a checkpoint without a public key', ['--checkpoint', 'cp.json'], /needs --public-key/],
  ])('%s exits 2', async (_label, args, message) => {
    writeFileSync(at('bad.json'), JSON.stringify({ ...checkpoint, seq: 'ten' }));
    const r = await cli([
      'verify',
      '--store',
      store,
      '--workspace',
      ws,
      ...args.map((a) => (a.startsWith('--') ? a : at(a))),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('an ill-formed --workspace is a usage error (exit 2) naming it', async () => {
    const r = await cli(['verify', '--store', store, '--workspace', '']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('workspaceId must be a non-empty string');
  });

  it('checkpoint with an unreadable private key exits 2; --out writes the file', async () => {
    const bad = await cli(['checkpoint', '--store', store, '--private-key', at('key.pub')]);
    expect(bad.code).toBe(2);
    const out = await cli([
      'checkpoint',
      '--store',
      store,
      '--private-key',
      at('key.pem'),
      '--out',
      at('cp2.json'),
    ]);
    expect(out.code).toBe(0);
    expect(JSON.parse(readFileSync(at('cp2.json'), 'utf8'))).toMatchObject({
      workspaceId: ws,
      seq: chainLength,
    });
  });

  it('events --json exports the whole chain (more than the old 100), --limit cuts it', async () => {
    expect(chainLength).toBeGreaterThan(100);
    const all = await cli(['events', '--store', store, '--workspace', ws, '--json']);
    expect(all.code).toBe(0);
    const events = JSON.parse(all.stdout) as { seq: number }[];
    expect(events.map((e) => e.seq)).toStrictEqual(Array.from({ length: chainLength }, (_, i) => i + 1));
    expect(all.stderr).toBe('');
    const five = await cli([
      'events',
      '--store',
      store,
      '--workspace',
      ws,
      '--json',
      '--limit',
      '5',
      '--after',
      '3',
    ]);
    expect((JSON.parse(five.stdout) as { seq: number }[]).map((e) => e.seq)).toStrictEqual([4, 5, 6, 7, 8]);
  });

  it('progress bars show on a terminal (stderr a TTY), with rate and ETA, and never when piped', () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    for (const [args, label] of [
      [['verify', '--store', store, '--workspace', ws], 'verifying demo'],
      [['events', '--store', store, '--workspace', ws, '--json'], 'exporting demo'],
    ] as const) {
      // script(1) gives the command a pseudo-terminal; stdout goes to a file, stderr stays on the terminal.
      const command = `'${process.execPath}' --import '${tsx}' '${entry}' ${args.map((a) => `'${a}'`).join(' ')} > '${at('tty-out')}'`;
      const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(label);
      expect(r.stdout).toMatch(/\d+ (events|seqs)\/s \| ETA/);
    }
  });
});

describe.skipIf(PG_URL === null)('opstate verify on PostgreSQL names non_canonical and head_mismatch', () => {
  it('non-canonical text appended through chain_append exits 1 with its seq and kind', async () => {
    const store = await openPostgresChainStore({ connectionString: PG_URL ?? '' });
    const ws = freshWorkspace('cli');
    try {
      await store.append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: { n: 1 } }]);
      await poolOf(store).query(
        'SELECT opstate.chain_append($1, ARRAY[$2], ARRAY[$3], ARRAY[NULL], ARRAY[NULL])',
        [ws, GENERIC_TRANSITION_EVENT, '{ "b":1.0, "a":"\u00e9"}'],
      );
    } finally {
      await store.close();
    }
    const r = await cli(['verify', '--store', PG_URL ?? '', '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`workspace ${ws}: FAILED at seq 2: non_canonical:`);
  });
});

describe("the docs' chain-format examples", () => {
  it('the worked checkpoint verifies with openssl and `opstate canonicalize`, and the hash example gives the hashes shown', () => {
    const page = (name: string) =>
      readFileSync(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), 'utf8');
    const section = page('checkpoints.md');
    const dir = mkdtempSync(join(tmpdir(), 'opstate-readme-'));
    /** The text of the fenced block that starts at `marker` (its fence line included in the marker). */
    const block = (text: string, marker: string) => {
      const start = text.indexOf('\n', text.indexOf(marker)) + 1;
      return text.slice(start, text.indexOf('```', start));
    };
    // `npx opstate` as a reader's project runs it: here, this checkout's CLI.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const npx = `npx() { if [ "$1" = opstate ]; then shift; '${process.execPath}' --import '${tsx}' '${entry}' "$@"; else command npx "$@"; fi; }\n`;
    writeFileSync(join(dir, 'checkpoint.json'), block(section, '```json\n'));
    const verified = execFileSync('bash', ['-c', npx + block(section, '```sh\ncat > demo.pub')], {
      cwd: dir,
    }).toString();
    expect(verified).toContain('Signature Verified Successfully');
    const cp = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Checkpoint;
    expect(verified).toContain(cp.keyId);
    const hashes = execFileSync('bash', [
      '-c',
      block(page('chain-format.md'), "```sh\nprintf 'genesis:demo'"),
    ]).toString();
    expect(hashes).toContain('44c164d7b284734d00f1af647482dbc1da7af0afc98991999eb990c09de64651');
    expect(hashes).toContain('bf1f6b3e9630135c1ce126bdd5104148bad061676aff2d723f8ff6a974b35721');
  });
});
