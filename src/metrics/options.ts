import type { Meter, MeterProvider } from '@opentelemetry/api';
import { packageVersion } from '../package-version.js';
import { OperationalStateInputError } from '../errors.js';
import { METER_NAME } from './catalog.js';
import { globalMeterProviderRegistered, otelApi } from './otel-api.js';

/** The runtime's `metrics` option in its object form. */
export interface RuntimeMetricsOptions {
  /** Record on this meter (its name and version are yours to choose). Wins over `meterProvider`. */
  readonly meter?: Meter;
  /** Get the `opstate` meter from this provider instead of the global one. */
  readonly meterProvider?: MeterProvider;
  /**
   * Adds a `workspace` attribute to the per-agent gauges (`opstate.state`, `opstate.emit.pending`,
   * `opstate.checkpoint.age`): one series per agent, so only for fleets your backend can hold.
   * Default false: the gauges are summed (the age: the oldest) over the runtimes sharing a meter.
   */
  readonly workspaceAttribute?: boolean;
}

/**
 * Where the runtime records OpenTelemetry metrics. Default (`undefined` or `true`): the global
 * MeterProvider, when `@opentelemetry/api` is installed and an SDK registered one; with none registered
 * nothing is recorded and nothing is attached. `false`: off. A `MeterProvider` or a `Meter` directly,
 * or RuntimeMetricsOptions.
 */
export type MetricsOption = boolean | Meter | MeterProvider | RuntimeMetricsOptions;

/** The option read: the meter to record on (null: off) and whether to label gauges by workspace. */
export interface ResolvedMetrics {
  readonly meter: Meter;
  readonly workspaceAttribute: boolean;
}

const isProvider = (v: object): v is MeterProvider =>
  typeof (v as Partial<MeterProvider>).getMeter === 'function';
const isMeter = (v: object): v is Meter => typeof (v as Partial<Meter>).createCounter === 'function';

const OBJECT_KEYS: ReadonlySet<string> = new Set(['meter', 'meterProvider', 'workspaceAttribute']);

let version: string | undefined;

function meterOf(provider: MeterProvider): Meter {
  version ??= packageVersion();
  return provider.getMeter(METER_NAME, version);
}

/** A no-op meter records nothing: the runtime then attaches nothing at all. */
function live(meter: Meter): Meter | null {
  const api = otelApi();
  return api !== null && meter === api.createNoopMeter() ? null : meter;
}

/** Reads the `metrics` option; throws OperationalStateInputError naming it when it is none of the forms. */
export function resolveMetrics(option: unknown): ResolvedMetrics | null {
  if (option === false) return null;
  if (option === undefined || option === true) return wrap(globalMeter(), false);
  if (typeof option !== 'object' || option === null) throw badOption(option);
  if (isMeter(option)) return wrap(live(option), false);
  if (isProvider(option)) return wrap(live(meterOf(option)), false);
  const o = option as RuntimeMetricsOptions;
  for (const key of Object.keys(o)) {
    if (!OBJECT_KEYS.has(key)) throw badOption(option, `unknown key ${JSON.stringify(key)}`);
  }
  const workspaceAttribute = o.workspaceAttribute ?? false;
  if (typeof workspaceAttribute !== 'boolean')
    throw badOption(option, 'workspaceAttribute must be a boolean');
  if (o.meter !== undefined) {
    if (typeof o.meter !== 'object' || o.meter === null || !isMeter(o.meter)) {
      throw badOption(option, 'meter must be an OpenTelemetry Meter');
    }
    return wrap(live(o.meter), workspaceAttribute);
  }
  if (o.meterProvider !== undefined) {
    if (typeof o.meterProvider !== 'object' || o.meterProvider === null || !isProvider(o.meterProvider)) {
      throw badOption(option, 'meterProvider must be an OpenTelemetry MeterProvider');
    }
    return wrap(live(meterOf(o.meterProvider)), workspaceAttribute);
  }
  return wrap(globalMeter(), workspaceAttribute);
}

/** The globally registered provider's meter; null (the API never loaded) when none is registered. */
function globalMeter(): Meter | null {
  if (!globalMeterProviderRegistered()) return null;
  const api = otelApi();
  return api === null ? null : live(meterOf(api.metrics.getMeterProvider()));
}

function wrap(meter: Meter | null, workspaceAttribute: boolean): ResolvedMetrics | null {
  return meter === null ? null : { meter, workspaceAttribute };
}

function badOption(value: unknown, why?: string): OperationalStateInputError {
  return new OperationalStateInputError(
    'options.metrics',
    value,
    why ?? 'expected a boolean, a MeterProvider, a Meter or { meter?, meterProvider?, workspaceAttribute? }',
  );
}
