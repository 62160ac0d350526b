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
