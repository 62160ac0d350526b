/**
 * `opstate/metrics`: the OpenTelemetry instruments the runtime records, as data (names, kinds, units,
 * attributes, bucket boundaries), and the shapes of the runtime's `metrics` option. Importing it loads
 * no OpenTelemetry package.
 */
export {
  type InstrumentKind,
  type MetricDescription,
  METER_NAME,
  MS_BUCKETS,
  RUNTIME_METRICS,
} from './catalog.js';
export type { MetricsOption, RuntimeMetricsOptions } from './options.js';
