/**
 * The logging surface opstate needs: a subset of pino's, so a pino logger (or anything shaped like it)
 * can be passed as is. Errors are logged as `logger.error({ err, ...fields }, message)`.
 */
export interface Logger {
  error(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
}

/**
 * The default: errors and warnings to stderr, one line each, followed by the `err` (with its stack) when
 * the entry has one, so the cause of a failed emit shows; info and debug are dropped.
 */
export const consoleLogger: Logger = {
  error: (fields, message) => print(console.error, 'ERROR', fields, message),
  warn: (fields, message) => print(console.warn, 'WARN', fields, message),
  info: () => {},
  debug: () => {},
};

function print(sink: (...args: unknown[]) => void, level: string, fields: object, message?: string): void {
  const err = (fields as { err?: unknown }).err;
  const line = `[opstate] ${level} ${message ?? ''}`;
  if (err === undefined) sink(line, summarize(fields));
  else sink(line, summarize(fields), err);
}

/** A logger that drops everything, for callers who observe failures through events instead. */
export const silentLogger: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

function summarize(fields: object): string {
  const { err: _err, ...rest } = fields as { err?: unknown };
  try {
    return JSON.stringify(rest);
  } catch {
    return '';
  }
}

/** Calls the logger and swallows anything it throws: a broken logger must not break the machine. */
export function safeLog(logger: Logger, level: keyof Logger, fields: object, message: string): void {
  try {
    logger[level](fields, message);
  } catch {
    // Nowhere left to report it; the failure itself is still counted by the caller.
  }
}
