/**
 * Text the CLI prints for a person goes to a terminal, and stored strings (triggers, reasons, workspace
 * ids, payloads) are free text: a raw ESC, BEL, CR or C1 control in them would be obeyed by the terminal
 * (clear the screen, retitle the window, overwrite a line), and a bidirectional control (U+202E and its
 * kin) would make what follows it on the line read in another order than it is stored. They are shown as
 * JSON-style `\u001b` escapes instead, the way `--json` writes them; the stored data is never changed.
 */

// The bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E,
// U+2066-U+2069), beside DEL and the C1 controls: matching them is the point.
const BIDI_DEL_C1 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
// Every C0 control too.
const CONTROLS = new RegExp(`[\\u0000-\\u001f${BIDI_DEL_C1}]`, 'g');
// The same but for line feed and tab, which a whole block of CLI text may carry itself.
const CONTROLS_BUT_LINES = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${BIDI_DEL_C1}]`, 'g');

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One stored string made safe to print: every control character escaped, line breaks included. */
export function printable(text: string): string {
  return text.replace(CONTROLS, escape);
}

/**
 * A whole block of output made safe to print: every control character but line feed and tab escaped.
 * Applied to JSON text it changes no value: raw DEL, C1 and bidirectional characters only occur inside
 * JSON strings, where `\u007f` is a valid escape for the same character.
 */
export function printableBlock(text: string): string {
  return text.replace(CONTROLS_BUT_LINES, escape);
}
