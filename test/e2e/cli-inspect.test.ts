import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryChainStore, createOperationalState } from '../../src/index.js';
import { createInspectionRecorder } from '../../src/inspect/index.js';
import { cli, cliProcess } from '../support/cli.js';
import { capturingLogger } from '../support/stores.js';

describe('opstate inspect --trace', () => {
  it('serves a recorded trace to the page, behind the token, until interrupted', async () => {
    const recorder = createInspectionRecorder();
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-trace' },
      { logger: capturingLogger(), inspect: recorder },
    );
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('paused', 'cost 100%');
    await rt.stop();
    const file = join(mkdtempSync(join(tmpdir(), 'opstate-trace-')), 'run.jsonl');
    writeFileSync(file, `${recorder.toJSONL()}{broken\n`);

    const proc = cliProcess(['inspect', '--trace', file]);
    try {
      const [, url] = await proc.waitFor(/inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      expect(proc.output().stdout).toMatch(/\d+ records from .*run\.jsonl \(1 bad lines skipped\)/);
      const page = await fetch(url as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const bare = new URL(url as string);
      bare.search = '';
      expect((await fetch(bare)).status).toBe(403);
      const trace = new URL(url as string);
      trace.pathname = '/trace.jsonl';
      const served = await (await fetch(trace)).text();
      expect(served).toBe(recorder.toJSONL());
    } finally {
      proc.child.kill('SIGINT');
    }
    expect(await proc.exited).toBe(0);
  });

  it('exits 2 for a file that does not exist or holds no records', async () => {
    const missing = await cli(['inspect', '--trace', '/nonexistent/run.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --trace /nonexistent/run.jsonl: ENOENT');
    const empty = join(mkdtempSync(join(tmpdir(), 'opstate-trace-')), 'empty.jsonl');
    writeFileSync(empty, 'not a trace\n');
    const r = await cli(['inspect', '--trace', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds no inspector records');
  });
});
