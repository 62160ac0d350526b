import { describe, expect, it } from 'vitest';
import { showControls, showControlsButLines } from '../../src/util/control-chars.js';

const every = Array.from({ length: 0xa0 }, (_, c) => String.fromCharCode(c)).join('');
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('control characters shown as escapes', () => {
  it('showControls escapes every C0, DEL and C1 character, line breaks included, and nothing else', () => {
    const shown = showControls(every);
    expect(shown).not.toMatch(CONTROL);
    expect(shown).toContain('\\u001b\\u001c');
    expect(shown).toContain('\\u000a');
    expect(shown).toContain(' !"#');
    expect(showControls('ok → é ✓')).toBe('ok → é ✓');
  });

  it('showControlsButLines keeps line feeds and tabs, and leaves the value of JSON text unchanged', () => {
    expect(showControlsButLines('a\tb\nc\x1bd')).toBe('a\tb\nc\\u001bd');
    const value = { trigger: every, nested: [every.slice(0x7f)] };
    const json = JSON.stringify(value, null, 2);
    expect(json).toMatch(/[\u007f-\u009f]/); // JSON.stringify leaves DEL and C1 raw
    const safe = showControlsButLines(json);
    expect(safe.replace(/[\n\t]/g, '')).not.toMatch(CONTROL);
    expect(JSON.parse(safe)).toEqual(value);
  });

  it('escapes bidirectional controls, so a stored string reads in the order it is stored', () => {
    const bidi = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e'];
    const isolates = ['\u2066', '\u2067', '\u2068', '\u2069'];
    for (const c of [...bidi, ...isolates]) {
      const code = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      expect(showControls(`paused \u{1F600}${c}txt.exe`)).toBe(`paused \u{1F600}${code}txt.exe`);
      expect(showControlsButLines(`a\n${c}b`)).toBe(`a\n${code}b`);
    }
    // Letters of right-to-left scripts are text, not controls: they stay.
    expect(showControls('שלום مرحبا')).toBe('שלום مرحبا');
    const value = { trigger: `cost \u202eelbat\u202c ${bidi.join('')}${isolates.join('')}` };
    const safe = showControlsButLines(JSON.stringify(value, null, 2));
    expect(safe).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(safe)).toEqual(value);
  });
});
