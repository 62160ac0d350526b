import { printableBlock } from './terminal-text.js';

/** Prints a block of CLI output (text or JSON) on stdout, control characters escaped, ending in a newline. */
export const out = (text: string): void => {
  const safe = printableBlock(text);
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
};

/** The same on stderr, for messages (which may quote stored strings). */
export const err = (text: string): void => {
  const safe = printableBlock(text);
  process.stderr.write(safe.endsWith('\n') ? safe : `${safe}\n`);
};
