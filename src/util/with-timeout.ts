export interface WithTimeoutOptions {
  /**
   * Whether the pending timer keeps the process alive (default false). A bound on work is no reason for
   * a process to live: a hung store call must not hold an exiting process for its whole timeout. A
   * caller that awaits the answer (flush, stop) passes true, so its promise settles before exit.
   */
  readonly keepAlive?: boolean;
}

/**
 * Settles like `work`, or rejects with `onTimeout()` once `ms` have passed. The timer is cleared as soon
 * as the race settles and, unless `keepAlive`, never holds the event loop open.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  options: WithTimeoutOptions = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
        if (options.keepAlive !== true) timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
