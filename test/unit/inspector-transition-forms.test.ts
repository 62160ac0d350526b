import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { parseChart } from '../../inspector/src/chart.js';
import { applyRecord, emptyModel } from '../../inspector/src/model.js';
import { createInspectionRecorder } from '../../src/inspect/index.js';
import { trafficLight } from '../support/traffic-light.js';

const edgesOf = (definition: string) =>
  (parseChart(definition)?.edges ?? []).map((e) => `${e.source} → ${e.target}: ${e.events.join(', ')}`);

describe('the inspector draws every transition form XState accepts', () => {
  it('string, object, array, guarded array, targetless, always, after (ms and named), #id targets', () => {
    expect(edgesOf(JSON.stringify(trafficLight.config)).sort()).toEqual(
      [
        'green → yellow: TIMER',
        'green → flashing: EMERGENCY',
        'yellow → red: TIMER, after 2000 ms',
        'red → redLong: TIMER',
        'red → green: TIMER',
        'red → red: PING',
        'redLong → green: after rushHourDelay',
        'flashing → green: RESET, always',
      ].sort(),
    );
    const guarded = parseChart(JSON.stringify(trafficLight.config))?.edges.find(
      (e) => e.key === 'red|redLong',
    );
    expect(guarded?.lines).toContainEqual({ kind: 'guard', text: 'if rushHour' });
  });

  it('recorded from a running actor, the page model has the chart, and no opstate fields', () => {
    const recorder = createInspectionRecorder();
    const actor = createActor(trafficLight, { inspect: recorder.observer }).start();
    actor.send({ type: 'TIMER' });
    actor.stop();
    const model = emptyModel();
    for (const record of recorder.records()) applyRecord(model, record);
    expect(model.chart?.edges.length).toBe(8);
    const frame = model.frames.at(-1);
    expect(frame?.value).toBe('yellow');
    expect(frame?.context.opstate).toBe(false);
  });
});
