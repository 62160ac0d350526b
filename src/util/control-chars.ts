/**
 * Stored strings (triggers, reasons, workspace ids, payloads) are free text, shown to people in a
 * terminal and in the inspector and cockpit pages. A C0 or C1 control in them would be obeyed by a
 * terminal (clear the screen, retitle the window, overwrite a line), and a bidirectional control (U+202E
 * and its kin) makes what follows it read in another order than it is stored, in a terminal and in a
 * browser alike. Where they are shown they become JSON-style `\u202e` escapes, the way JSON writes them;
 * the stored data is never changed. Shared by the CLI and the pages (no Node API here: the pages bundle it).
 */

// The bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E,
// U+2066-U+2069), beside DEL and the C1 controls: matching them is the point.
const BIDI_DEL_C1 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
// Every C0 control too.
const CONTROLS = new RegExp(`[\\u0000-\\u001f${BIDI_DEL_C1}]`, 'g');
// The same but for line feed and tab, which a whole block of text may carry itself.
const CONTROLS_BUT_LINES = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${BIDI_DEL_C1}]`, 'g');

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One stored string made safe to show on a line: every control character escaped, line breaks included. */
export function showControls(text: string): string {
  return text.replace(CONTROLS, escape);
}

/**
 * A whole block of text made safe to show: every control character but line feed and tab escaped.
 * Applied to JSON text it changes no value: raw DEL, C1 and bidirectional characters only occur inside
 * JSON strings, where `\u007f` is a valid escape for the same character.
 */
export function showControlsButLines(text: string): string {
  return text.replace(CONTROLS_BUT_LINES, escape);
}
