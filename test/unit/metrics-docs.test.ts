import { join } from 'node:path';
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryChainStore, createOperationalState, silentLogger } from '../../src/index.js';
import { generateCheckpointKeys } from '../../src/checkpoint/index.js';
import { RUNTIME_METRICS } from '../../src/metrics/index.js';
import { codeList, markdownTable } from '../support/markdown-table.js';
import { OtelTestReader } from '../support/otel-reader.js';

const PAGE = join(import.meta.dirname, '..', '..', 'docs', 'metrics.md');
const otel = new OtelTestReader();
afterAll(() => otel.shutdown());

function kindOf(m: MetricData): string {
  if (m.dataPointType === DataPointType.SUM && m.isMonotonic) return 'counter';
  if (m.dataPointType === DataPointType.HISTOGRAM) return 'histogram';
  if (m.dataPointType === DataPointType.GAUGE) return 'observable gauge';
  return `unexpected ${m.dataPointType}`;
}

/** Every instrument once, each with data: an outage of one attempt, checkpoints, workspace labels. */
async function exported(): Promise<Map<string, MetricData>> {
  const store = createMemoryChainStore();
  const append = store.append.bind(store);
  let down = true;
  store.append = (ws, events) => (down ? Promise.reject(new Error('down')) : append(ws, events));
  const rt = createOperationalState(
    { store, workspaceId: 'org_docs' },
    {
      logger: silentLogger,
      retry: { initialDelayMs: 1, maxDelayMs: 1 },
      metrics: { meterProvider: otel.provider, workspaceAttribute: true },
      checkpoints: {
        privateKey: generateCheckpointKeys().privateKeyPem,
        everyEvents: 1,
        onCheckpoint: () => {},
      },
    },
  );
  rt.onEmit((o) => {
    if (!o.ok) down = false;
  });
  await rt.transitionTo('ready', 'all §9.2 gates pass');
  await rt.flush();
  const metrics = await otel.collect();
  await rt.stop();
  return metrics;
}

describe('docs/metrics.md', () => {
  it('lists exactly the instruments an in-memory exporter sees, with their kind, unit and attributes', async () => {
    const rows = markdownTable(PAGE, 'instrument');
    const seen = await exported();
    expect(rows.map((r) => codeList(r.instrument ?? '')[0]).sort()).toEqual([...seen.keys()].sort());
    for (const row of rows) {
      const name = codeList(row.instrument ?? '')[0] as string;
      const m = seen.get(name) as MetricData;
      expect(row.kind, name).toBe(kindOf(m));
      expect(codeList(row.unit ?? ''), name).toEqual([m.descriptor.unit]);
      const documented = codeList(row.attributes ?? '');
      const keys = new Set(m.dataPoints.flatMap((p) => Object.keys(p.attributes)));
      expect([...keys].sort(), name).toEqual([...documented].sort());
      expect(row.meaning?.length, name).toBeGreaterThan(20);
      const described = RUNTIME_METRICS.find((d) => d.name === name);
      expect(described?.attributes, name).toEqual(documented);
    }
  });
});
