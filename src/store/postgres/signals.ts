/**
 * Closes open embedded stores on SIGINT/SIGTERM. PGlite must be closed cleanly (an interrupted close has
 * left data directories that abort on the next open), so the handler closes everything registered, then
 * re-raises the signal for the default exit, unless the application has its own handler, in which case
 * exiting is the application's call.
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const closers = new Set<() => Promise<void>>();
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  const pending = [...closers].map((close) => close().catch(() => undefined));
  closers.clear();
  uninstall();
  void Promise.all(pending).then(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  installed = false;
}

/** Registers a closer; returns the function that unregisters it (call it from the store's close). */
export function closeOnSignals(close: () => Promise<void>): () => void {
  closers.add(close);
  if (!installed) {
    for (const s of SIGNALS) process.on(s, onSignal);
    installed = true;
  }
  return () => {
    closers.delete(close);
    if (closers.size === 0 && installed) uninstall();
  };
}
