/**
 * Text the CLI prints for a person goes to a terminal, and stored strings (triggers, reasons, workspace
 * ids, payloads) are free text: a raw ESC, BEL, CR or C1 control in them would be obeyed by the terminal
 * (clear the screen, retitle the window, overwrite a line). They are shown as JSON-style `\u001b`
 * escapes instead, the way `--json` writes them; the stored data is never changed.
 */

// C0 controls, DEL and C1 controls: matching them is the point.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// The same but for line feed and tab, which a whole block of CLI text may carry itself.
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One stored string made safe to print: every control character escaped, line breaks included. */
export function printable(text: string): string {
  return text.replace(CONTROLS, escape);
}

/**
 * A whole block of output made safe to print: every control character but line feed and tab escaped.
 * Applied to JSON text it changes no value: raw DEL and C1 characters only occur inside JSON strings,
 * where `\u007f` is a valid escape for the same character.
 */
export function printableBlock(text: string): string {
  return text.replace(CONTROLS_BUT_LINES, escape);
}
