import { AsyncLocalStorage } from 'node:async_hooks';

/** Called as a verify walks a chain: events verified so far, and the head row's seq when the store gave it. */
export type VerifyProgressListener = (checked: number, total: number | undefined) => void;

/** How often (in events) the verifier reports: rare enough to cost nothing per event. */
export const PROGRESS_EVERY = 4096;

const context = new AsyncLocalStorage<VerifyProgressListener>();

/**
 * Runs `fn` (typically `store.verify(ws)`) with `onProgress` listening to every verifier it starts. It
 * reaches through any store that verifies with the shared verifier, without a progress parameter on the
 * `ChainStore` interface; the CLI draws its progress bar from it.
 */
export function withVerifyProgress<T>(onProgress: VerifyProgressListener, fn: () => Promise<T>): Promise<T> {
  return context.run(onProgress, fn);
}

/** The listener of the enclosing `withVerifyProgress`, if any (read once per verify). */
export function currentVerifyProgress(): VerifyProgressListener | undefined {
  return context.getStore();
}
