import {
  type OpenedStore,
  type OpenStoreSpecOptions,
  openStoreSpec,
  StoreSpecError,
} from '../store/open-store.js';
import { UsageError } from './exit-codes.js';

export {
  EMBEDDED_FILE,
  embeddedFile,
  isPostgresUrl,
  type OpenedStore,
  redactUrl,
} from '../store/open-store.js';

export const DEFAULT_STORE = './.opstate';

/**
 * Opens the store a `--store` flag names (see `openStoreSpec`); a spec that names nothing usable is a
 * usage error (exit 2) with the same words.
 */
export async function openStore(spec: string, options: OpenStoreSpecOptions = {}): Promise<OpenedStore> {
  try {
    return await openStoreSpec(spec, options);
  } catch (err) {
    if (err instanceof StoreSpecError) throw new UsageError(err.message);
    throw err;
  }
}
