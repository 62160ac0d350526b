/**
 * Is `text` exactly the RFC 8785 (JCS) serialization of the JSON object it denotes?
 *
 * A verifier must hash the stored text, and the stored text must be the one and only canonical form of
 * its payload; otherwise two texts (`{"a":1}` and `{ "a": 1.0 }`) carry the same payload under different
 * hashes, and a verifier working from the parsed payload disagrees with one working from the text.
 *
 * This is a single pass over the text that builds nothing but object keys, instead of
 * `canonicalize(JSON.parse(text)) === text`, which allocates the whole tree twice: the check runs on
 * every event of every verify, next to a SHA-256 of the same bytes.
 *
 * Returns null when canonical, otherwise a short reason with the character offset.
 */
export function nonCanonicalReason(text: string): string | null {
  if (typeof text !== 'string') return `the stored payload text is ${text === null ? 'null' : typeof text}`;
  if (text.charCodeAt(0) !== OPEN_BRACE) return 'the payload is not a JSON object';
  const scanner = new Scanner(text);
  let problem: string | null;
  try {
    problem = scanner.value();
  } catch (err) {
    // Only a pathologically deep nesting overflows the stack; JCS could not have written it either.
    if (err instanceof RangeError) return 'the payload is nested too deeply to check';
    throw err;
  }
  if (problem !== null) return problem;
  if (scanner.pos !== text.length) return `unexpected text at offset ${scanner.pos}`;
  return null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;

/** The JSON number grammar (RFC 8259), anchored at the scanner's position. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** The escape JCS (ECMAScript JSON.stringify) writes for each control character, by code unit. */
const SHORT_ESCAPES: Readonly<Record<number, number>> = {
  0x08: 0x62, // \b
  0x09: 0x74, // \t
  0x0a: 0x6e, // \n
  0x0c: 0x66, // \f
  0x0d: 0x72, // \r
};
const SHORT_ESCAPE_VALUES: Readonly<Record<number, string>> = {
  0x62: '\b',
  0x74: '\t',
  0x6e: '\n',
  0x66: '\f',
  0x72: '\r',
  0x22: '"',
  0x5c: '\\',
};

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  value(): string | null {
    const c = this.text.charCodeAt(this.pos);
    if (c === OPEN_BRACE) return this.object();
    if (c === OPEN_BRACKET) return this.array();
    if (c === QUOTE) return typeof this.string() === 'string' ? null : this.stringProblem;
    if (c === MINUS || (c >= 0x30 && c <= 0x39)) return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return null;
      }
    }
    return `unexpected ${this.describeHere()}`;
  }

  private object(): string | null {
    this.pos += 1;
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos += 1;
      return null;
    }
    let previous: string | null = null;
    for (;;) {
      const keyAt = this.pos;
      if (this.text.charCodeAt(this.pos) !== QUOTE) return `expected a key at offset ${this.pos}`;
      const key = this.string();
      if (key === null) return this.stringProblem;
      // JCS sorts keys by UTF-16 code units, which is exactly JS string comparison; equal means duplicate.
      if (previous !== null && !(previous < key)) {
        return previous === key
          ? `duplicate key ${JSON.stringify(key)} at offset ${keyAt}`
          : `key ${JSON.stringify(key)} at offset ${keyAt} is out of order`;
      }
      previous = key;
      if (this.text.charCodeAt(this.pos) !== COLON) return `expected ':' at offset ${this.pos}`;
      this.pos += 1;
      const problem = this.value();
      if (problem !== null) return problem;
      const c = this.text.charCodeAt(this.pos);
      this.pos += 1;
      if (c === CLOSE_BRACE) return null;
      if (c !== COMMA) return `expected ',' or '}' at offset ${this.pos - 1}`;
    }
  }

  private array(): string | null {
    this.pos += 1;
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos += 1;
      return null;
    }
    for (;;) {
      const problem = this.value();
      if (problem !== null) return problem;
      const c = this.text.charCodeAt(this.pos);
      this.pos += 1;
      if (c === CLOSE_BRACKET) return null;
      if (c !== COMMA) return `expected ',' or ']' at offset ${this.pos - 1}`;
    }
  }

  private number(): string | null {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return `malformed number at offset ${this.pos}`;
    const token = match[0];
    // JCS numbers are ECMAScript Number-to-String: shortest round trip, -0 as 0, no NaN or Infinity.
    if (String(Number(token)) !== token) {
      return `number ${token} at offset ${this.pos} is not in canonical form (${String(Number(token))})`;
    }
    this.pos += token.length;
    return null;
  }

  stringProblem = '';

  /** Scans a string at `pos` (on its quote); returns its value, or null with `stringProblem` set. */
  private string(): string | null {
    const text = this.text;
    const start = this.pos + 1;
    let i = start;
    let decoded: string | null = null;
    let chunkStart = start;
    for (;;) {
      if (i >= text.length) return this.fail(`unterminated string at offset ${this.pos}`);
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c < 0x20) return this.fail(`raw control character U+${hex4(c)} at offset ${i}`);
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          i += 2;
          continue;
        }
        return this.fail(`lone surrogate at offset ${i}`);
      }
      if (c !== BACKSLASH) {
        i += 1;
        continue;
      }
      const e = text.charCodeAt(i + 1);
      let value: string;
      if (e === 0x75) {
        // \u is canonical only for control characters without a short escape, in lowercase hex.
        const digits = text.slice(i + 2, i + 6);
        const code = /^[0-9a-f]{4}$/.test(digits) ? parseInt(digits, 16) : -1;
        if (code < 0 || code >= 0x20 || SHORT_ESCAPES[code] !== undefined) {
          return this.fail(`escape \\u${digits} at offset ${i} is not canonical`);
        }
        value = String.fromCharCode(code);
        decoded = (decoded ?? '') + text.slice(chunkStart, i) + value;
        i += 6;
      } else {
        const short = SHORT_ESCAPE_VALUES[e];
        if (short === undefined)
          return this.fail(`escape \\${text[i + 1] ?? ''} at offset ${i} is not canonical`);
        decoded = (decoded ?? '') + text.slice(chunkStart, i) + short;
        i += 2;
      }
      chunkStart = i;
    }
    this.pos = i + 1;
    return decoded === null ? text.slice(start, i) : decoded + text.slice(chunkStart, i);
  }

  private fail(reason: string): null {
    this.stringProblem = reason;
    return null;
  }

  private describeHere(): string {
    return this.pos >= this.text.length
      ? 'end of text'
      : `${JSON.stringify(this.text[this.pos])} at offset ${this.pos}`;
  }
}

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}
