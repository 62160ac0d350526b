import { createNoopMeter, metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { silentLogger } from '../../src/logger.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { type BenchSettings, type CaseResult, medians, ratioCase } from '../harness.js';
import { BATCH, bareReadyActor, noopStore, POSTURE_UPDATE } from './transition-cost.js';

/**
 * What OpenTelemetry metrics cost a transition. Three subjects in one run: a runtime with
 * `@opentelemetry/api` installed and no SDK registered (the default: nothing is attached), a runtime
 * recording into a real SDK MeterProvider (a periodic reader exporting to memory every second, as an
 * application would), and the bare XState actor of the same chart that the transition-cost target is
 * stated against.
 */
export async function metricsCost(s: BenchSettings): Promise<CaseResult[]> {
  if (metrics.getMeterProvider().getMeter('opstate') !== createNoopMeter()) {
    throw new Error('a global MeterProvider is registered: the "no SDK" subject would not be one');
  }
  const event = POSTURE_UPDATE;
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000 })],
  });

  const noSdk = createOperationalState({ store: noopStore, workspaceId: 'bench' }, { logger: silentLogger });
  const withSdk = createOperationalState(
    { store: noopStore, workspaceId: 'bench' },
    { logger: silentLogger, metrics: { meterProvider: provider } },
  );
  await noSdk.send({ type: 'GATES_PASSED' });
  await withSdk.send({ type: 'GATES_PASSED' });
  const bare = bareReadyActor();

  const ms = await medians(s, {
    noSdk: async () => {
      for (let i = 0; i < BATCH; i++) await noSdk.send(event);
      await noSdk.flush();
    },
    withSdk: async () => {
      for (let i = 0; i < BATCH; i++) await withSdk.send(event);
      await withSdk.flush();
      exporter.reset();
    },
    bareActor: () => {
      for (let i = 0; i < BATCH; i++) bare.send(event);
    },
  });
  await Promise.all([noSdk.stop(), withSdk.stop()]);
  await provider.shutdown();

  const ns = (name: string) => ((ms[name] ?? Number.NaN) * 1e6) / BATCH;
  return [
    ratioCase({
      name: 'transition cost, @opentelemetry/api installed, no SDK: runtime.send + emit vs bare XState actor',
      value: ns('noSdk'),
      unit: 'ns/transition',
      baseline: 'bare XState actor, same chart, no emit',
      baselineValue: ns('bareActor'),
      target: '≤ 2× bare actor',
      better: 'lower',
      targetRatio: 2,
    }),
    ratioCase({
      name: 'transition cost, OpenTelemetry SDK recording: runtime.send + emit vs bare XState actor',
      value: ns('withSdk'),
      unit: 'ns/transition',
      baseline: 'bare XState actor, same chart, no emit',
      baselineValue: ns('bareActor'),
      target: null,
      better: 'lower',
      targetRatio: null,
    }),
    ratioCase({
      name: 'diagnostic: transition cost with the OpenTelemetry SDK recording vs without an SDK',
      value: ns('withSdk'),
      unit: 'ns/transition',
      baseline: 'the same runtime, @opentelemetry/api installed, no SDK',
      baselineValue: ns('noSdk'),
      target: null,
      better: 'lower',
      targetRatio: null,
    }),
  ];
}
