import { describe, expect, it } from 'vitest';
import { printable, printableBlock } from '../../src/cli/terminal-text.js';

const every = Array.from({ length: 0xa0 }, (_, c) => String.fromCharCode(c)).join('');
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('terminal text', () => {
  it('printable escapes every C0, DEL and C1 character, line breaks included, and nothing else', () => {
    const shown = printable(every);
    expect(shown).not.toMatch(CONTROL);
    expect(shown).toContain('\\u001b\\u001c');
    expect(shown).toContain('\\u000a');
    expect(shown).toContain(' !"#');
    expect(printable('ok → é ✓')).toBe('ok → é ✓');
  });

  it('printableBlock keeps line feeds and tabs, and leaves the value of JSON text unchanged', () => {
    expect(printableBlock('a\tb\nc\x1bd')).toBe('a\tb\nc\\u001bd');
    const value = { trigger: every, nested: [every.slice(0x7f)] };
    const json = JSON.stringify(value, null, 2);
    expect(json).toMatch(/[\u007f-\u009f]/); // JSON.stringify leaves DEL and C1 raw
    const safe = printableBlock(json);
    expect(safe.replace(/[\n\t]/g, '')).not.toMatch(CONTROL);
    expect(JSON.parse(safe)).toEqual(value);
  });
});
