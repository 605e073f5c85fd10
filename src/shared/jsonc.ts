// A small JSON-with-comments parser. The config is JSON plus `//` and `/* */` comments and trailing
// commas, so admins can comment and diff it, yet the gate parses it in well under a millisecond with
// no dependency (a YAML parser costs about as much as Node's whole start). We parse it ourselves,
// rather than strip comments and call JSON.parse, so that every error and every validation message
// can name the line and column it is about.
//
// Objects are built without a prototype and the member names `__proto__`, `constructor` and
// `prototype` are refused: with a plain `{}`, `"__proto__": {"gate": {"sandbox": "off"}}` became the
// object's prototype, so a setting the validator never saw as a member still answered lookups.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Position {
  line: number;
  column: number;
}

export interface ParsedJsonc {
  value: JsonValue;
  /** Where the value at a JSON path (`keys.db.rules[0].root`) starts, if it exists. */
  positions: Map<string, Position>;
}

export class JsoncSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: Position,
  ) {
    super(message);
  }
}

/** Appends a property or index to a JSON path the way error messages print it. */
/** Member names that reach or replace an object's prototype in JavaScript; no setting is called that. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting deeper than any config needs; past it we refuse instead of exhausting the stack. */
export const MAX_DEPTH = 64;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${String(key)}]`;
  const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key);
  if (plain) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function parseJsonc(text: string): ParsedJsonc {
  const parser = new Parser(text);
  const value = parser.parseDocument();
  return { value, positions: parser.positions };
}

class Parser {
  readonly positions = new Map<string, Position>();
  private index = 0;
  private depth = 0;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  parseDocument(): JsonValue {
    if (this.text.charCodeAt(0) === 0xfeff) this.index = 1;
    this.skipBlank();
    const value = this.parseValue('');
    this.skipBlank();
    if (this.index < this.text.length) this.fail('unexpected text after the end of the document');
    return value;
  }

  private parseValue(path: string): JsonValue {
    // Object members are located at their property name (set in parseObject), which is where an
    // admin looks for "the setting"; array items and the document at the value itself.
    if (!this.positions.has(path)) this.positions.set(path, this.position());
    const char = this.text[this.index];
    if (char === '{' || char === '[') {
      if (this.depth >= MAX_DEPTH) this.fail(`nested deeper than ${String(MAX_DEPTH)} levels`);
      this.depth++;
      const value = char === '{' ? this.parseObject(path) : this.parseArray(path);
      this.depth--;
      return value;
    }
    if (char === '"') return this.parseString();
    if (char === undefined) this.fail('unexpected end of file');
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.index, this.index + 64));
    if (!literal) this.fail(`unexpected ${describe(char)} (strings need double quotes)`);
    this.index += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    return Number(literal[0]);
  }

  private parseObject(path: string): JsonValue {
    const result = Object.create(null) as Record<string, JsonValue>;
    this.index++;
    this.skipBlank();
    while (this.text[this.index] !== '}') {
      if (this.text[this.index] !== '"') this.fail(`expected a quoted property name, found ${describe(this.text[this.index])}`);
      const keyPosition = this.position();
      const key = this.parseString();
      if (FORBIDDEN_NAMES.has(key))
        this.failAt(keyPosition, `property name "${key}" is not allowed (it would reach the object's prototype)`);
      if (Object.hasOwn(result, key)) this.failAt(keyPosition, `duplicate property "${key}"`);
      this.positions.set(childPath(path, key), keyPosition);
      this.skipBlank();
      this.expect(':');
      this.skipBlank();
      result[key] = this.parseValue(childPath(path, key));
      if (!this.afterItem('}')) break;
    }
    this.index++;
    return result;
  }

  private parseArray(path: string): JsonValue {
    const result: JsonValue[] = [];
    this.index++;
    this.skipBlank();
    while (this.text[this.index] !== ']') {
      result.push(this.parseValue(childPath(path, result.length)));
      if (!this.afterItem(']')) break;
    }
    this.index++;
    return result;
  }

  /** After a member: a comma (a trailing one is allowed) or the closing bracket. */
  private afterItem(close: string): boolean {
    this.skipBlank();
    if (this.text[this.index] === ',') {
      this.index++;
      this.skipBlank();
      return this.text[this.index] !== close;
    }
    if (this.text[this.index] !== close) this.fail(`expected ',' or '${close}', found ${describe(this.text[this.index])}`);
    return false;
  }

  private parseString(): string {
    const start = this.index;
    this.index++;
    let out = '';
    for (;;) {
      const char = this.text[this.index];
      if (char === undefined || char === '\n') this.failAt(this.positionOf(start), 'unterminated string');
      if (char === '"') break;
      if (char < ' ') this.fail('control character inside a string');
      if (char === '\\') {
        out += this.parseEscape();
        continue;
      }
      out += char;
      this.index++;
    }
    this.index++;
    return out;
  }

  private parseEscape(): string {
    const code = this.text[this.index + 1];
    const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (code !== undefined && Object.hasOwn(simple, code)) {
      this.index += 2;
      return simple[code] ?? '';
    }
    if (code === 'u') {
      const hex = this.text.slice(this.index + 2, this.index + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
      this.index += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    return this.fail(`bad escape \\${code ?? ''}`);
  }

  private expect(char: string): void {
    if (this.text[this.index] !== char) this.fail(`expected '${char}', found ${describe(this.text[this.index])}`);
    this.index++;
  }

  /** Skips white space and comments. */
  private skipBlank(): void {
    for (;;) {
      const char = this.text[this.index];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
        this.index++;
      } else if (char === '/' && this.text[this.index + 1] === '/') {
        const end = this.text.indexOf('\n', this.index);
        this.index = end === -1 ? this.text.length : end;
      } else if (char === '/' && this.text[this.index + 1] === '*') {
        const end = this.text.indexOf('*/', this.index + 2);
        if (end === -1) this.fail('unterminated /* comment');
        this.index = end + 2;
      } else {
        return;
      }
    }
  }

  private position(): Position {
    return this.positionOf(this.index);
  }

  private positionOf(offset: number): Position {
    // Binary search for the last line that starts at or before the offset.
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  private fail(message: string): never {
    throw new JsoncSyntaxError(message, this.position());
  }

  private failAt(position: Position, message: string): never {
    throw new JsoncSyntaxError(message, position);
  }
}

function describe(char: string | undefined): string {
  if (char === undefined) return 'end of file';
  return JSON.stringify(char);
}
