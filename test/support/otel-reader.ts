import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';

/**
 * A real SDK MeterProvider whose reader exports to memory only when asked (`collect`): the tests read
 * exactly what an application's exporter would receive.
 */
export class OtelTestReader {
  readonly exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly reader = new PeriodicExportingMetricReader({
    exporter: this.exporter,
    exportIntervalMillis: 3_600_000,
  });
  readonly provider = new MeterProvider({ readers: [this.reader] });

  /** Collects now and returns every metric, by name. */
  async collect(): Promise<Map<string, MetricData>> {
    this.exporter.reset();
    await this.reader.forceFlush();
    const out = new Map<string, MetricData>();
    for (const rm of this.exporter.getMetrics()) {
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
    }
    return out;
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

const key = (attributes: Record<string, unknown>) =>
  Object.entries(attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');

/** A counter's or gauge's points as `attr=value,…` → value. */
export function pointValues(metric: MetricData | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of (metric?.dataPoints ?? []) as DataPoint<number>[]) out[key(p.attributes)] = p.value;
  return out;
}

/** A histogram's points as `attr=value,…` → its data (count, sum, min, max, buckets). */
export function histogramPoints(metric: MetricData | undefined): Record<string, Histogram> {
  const out: Record<string, Histogram> = {};
  for (const p of (metric?.dataPoints ?? []) as DataPoint<Histogram>[]) out[key(p.attributes)] = p.value;
  return out;
}
