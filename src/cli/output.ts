import { EXIT } from './exit-codes.js';
import { showControlsButLines } from '../util/control-chars.js';

/** A writer of CLI output blocks (text or JSON) to `stream`: control characters escaped, ending in a newline. */
const linesTo =
  (stream: NodeJS.WriteStream) =>
  (text: string): void => {
    const safe = showControlsButLines(text);
    stream.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  };

/** Prints a block of CLI output on stdout. */
export const out = linesTo(process.stdout);

/** The same on stderr, for messages (which may quote stored strings). */
export const err = linesTo(process.stderr);

/**
 * A reader that goes away (`opstate events | head -3`) ends the command quietly with exit 0, as it ends
 * any Unix tool; without a listener, Node would crash on the stream's EPIPE error with a stack trace.
 * Any other write error (a full disk behind a redirect) is reported and exits 1.
 */
export function endQuietlyWhenReaderGoes(): void {
  const watch = (stream: NodeJS.WriteStream, name: string) =>
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(EXIT.ok);
      if (stream !== process.stderr) {
        try {
          process.stderr.write(`opstate: cannot write to ${name}: ${e.message}\n`);
        } catch {
          // stderr is gone too: the exit code still says it
        }
      }
      process.exit(EXIT.failure);
    });
  watch(process.stdout, 'standard output');
  watch(process.stderr, 'standard error');
}
