import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

describe('opstate (the real binary)', () => {
  it.each([[[]], [['demo']], [['events']], [['verify']], [['chart']], [['vocab']]])(
    '%j --help exits 0',
    async (cmd) => {
      const r = await cli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: opstate/);
    },
  );

  it('exits 2 on an unknown flag or command, naming it', async () => {
    const flag = await cli(['verify', '--everything']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--everything'");
    const cmd = await cli(['explode']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'explode'");
  });

  it('exits 2 on a bad value, naming the value', async () => {
    const r = await cli(['demo', '--memory', '--transitions', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"lots"');
    const f = await cli(['chart', '--format', 'xml']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/xml/);
  });

  it('exits 2 for a store directory that does not exist, saying how to fix it', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'opstate-cli-')), 'nope');
    const r = await cli(['verify', '--store', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`store directory ${missing} does not exist`);
    expect(r.stderr).toContain('opstate demo');
  });

  it('prints the chart in each format', async () => {
    const mermaid = await cli(['chart']);
    expect(mermaid.stdout).toMatch(/^stateDiagram-v2\n/);
    const dot = await cli(['chart', '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph operationalState \{/);
    const json = await cli(['chart', '--format', 'json']);
    expect(JSON.parse(json.stdout).states.booting.on.GATES_PASSED[0].guard.params.text).toBe(
      'all §9.2 gates pass',
    );
  });

  it('prints the vocabulary with the literal rules read from the chart', async () => {
    const r = await cli(['vocab', '--json']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as {
      eventTypes: string[];
      rules: { literal: string; from: string; to: string }[];
    };
    expect(v.eventTypes).toContain('kora.paused.cost_limit');
    expect(v.rules).toContainEqual(
      expect.objectContaining({ literal: 'kora.boot.ready', from: 'booting', to: 'ready' }),
    );
  });

  it('runs the demo in memory: same seed, same transitions, same chain head; the chain verifies', async () => {
    const args = ['demo', '--memory', '--speed', '0', '--seed', '11', '--transitions', '30'];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    expect(a.code).toBe(0);
    const lines = (s: string) => s.split('\n').filter((l) => /→|seq /.test(l));
    expect(lines(a.stdout).length).toBeGreaterThan(30);
    expect(lines(a.stdout)).toStrictEqual(lines(b.stdout));
    expect(a.stdout).toMatch(/verify\s+ok/);
    const json = await cli([...args, '--json']);
    const summary = JSON.parse(json.stdout);
    expect(summary).toMatchObject({ seed: 11, transitions: 30, finalState: 'stopped', verify: { ok: true } });
    expect(summary.literals['kora.boot.ready']).toBe(1);
    expect(a.stdout).toContain(summary.head.hash);
  });
});
