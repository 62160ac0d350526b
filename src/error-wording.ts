/** `Name('message')`, like Python's repr of an exception, for causes. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}(${JSON.stringify(err.message)})`;
  try {
    return `thrown ${typeof err}: ${JSON.stringify(err)}`;
  } catch {
    return `thrown ${typeof err}`;
  }
}
