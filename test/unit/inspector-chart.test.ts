import { describe, expect, it } from 'vitest';
import { parseChart } from '../../inspector/src/chart.js';
import { applyRecord, emitView, emptyModel } from '../../inspector/src/model.js';
import { parseTrace } from '../../inspector/src/trace.js';
import { createMemoryChainStore, createOperationalState } from '../../src/index.js';
import { TRANSITION_TABLE } from '../../src/machine/index.js';
import { createInspectionRecorder } from '../../src/inspect/index.js';
import { capturingLogger, modeSwitchStore } from '../support/stores.js';

async function recorded() {
  const recorder = createInspectionRecorder();
  const rt = createOperationalState(
    { store: createMemoryChainStore(), workspaceId: 'ws-chart' },
    { logger: capturingLogger(), inspect: recorder },
  );
  await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
  await rt.send({ type: 'PAUSE', cause: 'cost_limit', addReasons: ['cost'] });
  await rt.flush();
  return recorder;
}

describe('inspector page: chart from the definition', () => {
  it('draws every table row as a labelled edge, with guard params and literals', async () => {
    const recorder = await recorded();
    const actor = recorder.records()[0]!;
    if (actor.type !== '@xstate.actor') throw new Error('expected the root actor record first');
    const chart = parseChart(actor.definition!)!;
    expect(chart.nodes.map((n) => n.id)).toStrictEqual(['booting', 'ready', 'active', 'paused', 'stopped']);
    expect(chart.nodes.find((n) => n.final)?.id).toBe('stopped');
    for (const row of TRANSITION_TABLE) {
      const edge = chart.edges.find((e) => e.source === row.from && e.target === row.to);
      expect(edge?.events, `${row.from} → ${row.to}`).toContain(row.event);
    }
    const toPaused = chart.edges.find((e) => e.source === 'ready' && e.target === 'paused')!;
    expect(toPaused.lines).toStrictEqual([
      { kind: 'event', text: 'PAUSE' },
      { kind: 'guard', text: 'if triggerContains(text: "cost 100%")' },
      { kind: 'literal', text: '⇒ kora.paused.cost_limit' },
    ]);
    // Events with the same guards and literals share a line; each literal-emitting edge shows its literal.
    const toStopped = chart.edges.find((e) => e.source === 'booting' && e.target === 'stopped')!;
    expect(toStopped.lines.map((l) => l.text)).toStrictEqual([
      'BOOT_FAILED, STOP',
      'if triggerContains(text: "invariant gate failure")',
      '⇒ kora.boot.failed',
    ]);
    const literals = chart.edges.flatMap((e) =>
      e.lines.filter((l) => l.kind === 'literal').map((l) => `${e.key} ${l.text}`),
    );
    expect(literals).toStrictEqual([
      'booting|ready ⇒ kora.boot.ready',
      'booting|stopped ⇒ kora.boot.failed',
      'booting|paused ⇒ kora.paused.cost_limit',
      'ready|paused ⇒ kora.paused.cost_limit',
      'active|paused ⇒ kora.paused.cost_limit',
      'paused|paused ⇒ kora.paused.cost_limit',
    ]);
    expect(chart.edgeOf.get('booting|GATES_PASSED')).toBe('booting|ready');
  });

  it('folds a trace into frames and rows: trigger, guard, literal, chain events', async () => {
    const recorder = await recorded();
    const { records, badLines } = parseTrace(`${recorder.toJSONL()}\n{oops\n`);
    expect(badLines).toStrictEqual([records.length + 2]);
    const model = emptyModel();
    for (const r of records) applyRecord(model, r);
    expect(model.frames.map((f) => f.context.primaryState)).toStrictEqual(['booting', 'ready', 'paused']);
    expect(model.frames[2]!.taken).toBe('ready|PAUSE');
    const pause = model.rows.find((r) => r.eventType === 'PAUSE')!;
    expect(pause).toMatchObject({
      kind: 'transition',
      from: 'ready',
      to: 'paused',
      trigger: 'cost 100%',
      guards: ['triggerContains(text: "cost 100%")'],
      literal: 'kora.paused.cost_limit',
      n: 2,
    });
    const emit = emitView(model, 2);
    expect(emit.status === 'appended' && emit.appended.map((a) => a.seq)).toStrictEqual([3, 4]);
  });

  it('keeps an emit failure only while it stands: the first append after it marks the store recovered', async () => {
    const store = modeSwitchStore('disk full');
    const recorder = createInspectionRecorder();
    const rt = createOperationalState(
      { store, workspaceId: 'ws-health' },
      { logger: capturingLogger(), inspect: recorder, retry: { initialDelayMs: 10, maxDelayMs: 20 } },
    );
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    store.setMode('throw');
    await rt.send({ type: 'CLAIM_ACQUIRED' });
    await new Promise((r) => setTimeout(r, 60));
    const failing = emptyModel();
    for (const r of recorder.records()) applyRecord(failing, r);
    expect(failing.emitHealth).toMatchObject({
      message: expect.stringContaining('disk full'),
      recoveredAt: null,
    });
    store.setMode('up');
    await rt.flush();
    const model = emptyModel();
    for (const r of recorder.records()) applyRecord(model, r);
    expect(model.emitHealth.failedAt).not.toBeNull();
    expect(model.emitHealth.recoveredAt).toBeGreaterThanOrEqual(model.emitHealth.failedAt!);
    await rt.stop();
  });
});
