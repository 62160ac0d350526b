/*
 * `opstate canonicalize` prints the RFC 8785 text of a JSON document: fed a stored event's payload (as
 * `events --json` prints it), its output is the exact text the chain hashed, so an operator recomputes
 * the event's hash from it without jq (which escapes U+007F, where RFC 8785 does not).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChainEvent } from '../../src/index.js';
import { chainHash } from '../../src/store/chain/index.js';
import { cli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'opstate-canon-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** `opstate canonicalize` with `input` on standard input. */
function canonicalize(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', tsx, entry, 'canonicalize'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('opstate canonicalize', () => {
  it('recomputes every stored hash of a demo chain from events --json, through standard input', async () => {
    const store = join(work, 'store');
    const made = await cli(['demo', '--store', store, '--speed', '0', '--transitions', '16'], {
      timeoutMs: 120_000,
    });
    expect(made.code, made.stderr).toBe(0);
    const read = await cli(['events', '--store', store, '--json']);
    const events = JSON.parse(read.stdout) as ChainEvent[];
    expect(events.length).toBeGreaterThan(16);
    for (const e of events.slice(0, 4)) {
      const r = await canonicalize(JSON.stringify(e.payload, null, 2));
      expect(r.code, r.stderr).toBe(0);
      expect(chainHash(e.prevHash, e.seq, e.eventType, r.stdout)).toBe(e.hash);
    }
  }, 180_000);

  it('keeps U+007F as is (RFC 8785), sorts keys by UTF-16 code units, writes no newline', async () => {
    const r = await canonicalize('{"é":1,"z":"\\u007f","a":[1.0,1e21,-0]}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"a":[1,1e+21,0],"z":"\u007f","é":1}');
  });

  it('refuses duplicate keys, bad JSON and lone surrogates with exit 2, naming where', async () => {
    const dup = await canonicalize('{"a":{"seq":41,"seq":42}}');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/duplicate key "seq" in \$\.a at line 1, column 16/);
    const bad = await canonicalize('{"a":');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/standard input: not JSON/);
    const lone = await canonicalize('{"a":"\\ud800"}');
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/lone surrogate at \$\.a/);
  });
});
