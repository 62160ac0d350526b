import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as ZodModule from 'zod';

/** The `z` namespace of zod. */
export type Zod = typeof ZodModule.z;

const require = createRequire(import.meta.url);
let loaded: Zod | undefined;

/*
 * Loading zod costs a process about 10 MiB of memory and most of opstate's import time, and the happy
 * path of the store and the runtime never needs it: their checks are written out, and zod runs only to
 * word what a bad input got wrong, or for the public schemas of `opstate/chart`. So it loads on first
 * need, synchronously, since the checks that need it are synchronous. Where Node can require an ES
 * module, the ES build is loaded: the very instance `import 'zod'` gives, so only one zod is ever in
 * memory; older Node gets zod's CommonJS build.
 */
function loadZod(): Zod {
  if ((process.features as { require_module?: boolean }).require_module === true) {
    try {
      return (require(fileURLToPath(import.meta.resolve('zod'))) as typeof ZodModule).z;
    } catch {
      // A loader that cannot resolve from here (a test runner's): the CommonJS build below serves.
    }
  }
  return (require('zod') as typeof ZodModule).z;
}

/** zod's `z`, loaded on the first call. */
export function zod(): Zod {
  loaded ??= loadZod();
  return loaded;
}

/** A value built with zod on first use, then kept: for schemas only a failing input needs. */
export function onDemand<T>(build: (z: Zod) => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => {
    built ??= { value: build(zod()) };
    return built.value;
  };
}
