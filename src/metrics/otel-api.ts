import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module, as this package sees it. */
export type OtelApiModule = typeof OtelApi;

let loaded: OtelApiModule | null | undefined;

/**
 * `@opentelemetry/api` when it is installed, else null. An optional peer: loaded on the first runtime
 * that may record, never by `import 'opstate'`. Loaded synchronously (the runtime is created
 * synchronously); both of its builds share one global registry, so the MeterProvider an application
 * registered through either is the one seen here.
 */
export function otelApi(): OtelApiModule | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as OtelApiModule;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/**
 * Whether anything registered an OpenTelemetry MeterProvider globally, read without loading the API.
 * `metrics.getMeterProvider()` reads the same slot (`Symbol.for('opentelemetry.js.api.1')`, where every
 * 1.x API keeps its globals) and answers the no-op provider when it is empty; seeing it empty spares the
 * runtime of a process without a metrics SDK the API's fifty modules (about 2 MiB and 25 ms). Anything
 * there, of whatever version, is left to the API to judge.
 */
export function globalMeterProviderRegistered(): boolean {
  const registry = (globalThis as Record<symbol, { metrics?: unknown } | undefined>)[
    Symbol.for('opentelemetry.js.api.1')
  ];
  return registry?.metrics !== undefined;
}
