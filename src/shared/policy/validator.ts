// The validation toolkit every section validator uses: each check either returns the typed value
// or throws one ConfigError naming file:line:col and the JSON path (`keys.ns1.rules[0].root`).

import { ConfigError } from '../errors.js';
import { childPath, type JsonValue, type Position } from '../jsonc.js';
import { parseIp } from '../ip.js';
import { SAFE_PATH_PATTERN } from './types.js';

export class Validator {
  constructor(
    private readonly source: string,
    private readonly positions: Map<string, Position>,
  ) {}

  fail(path: string, message: string): never {
    const position = this.positions.get(path);
    const prefix = position ? `${this.source}:${where(position)}` : this.source;
    throw new ConfigError('config-invalid', `${prefix}: ${path === '' ? '(top level)' : path}: ${message}`, { details: { path } });
  }

  object(value: JsonValue | undefined, path: string, known: readonly string[]): Record<string, JsonValue> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(childPath(path, key), `unknown setting (known here: ${known.join(', ')})`);
    }
    return value;
  }

  /** An object whose property names are chosen by the admin (key names, target names). */
  map(value: JsonValue | undefined, path: string): Record<string, JsonValue> {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be an object');
    return value;
  }

  string(value: JsonValue | undefined, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  boolean(value: JsonValue | undefined, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }

  stringList(value: JsonValue | undefined, path: string): string[] {
    if (!Array.isArray(value) || value.length === 0) this.fail(path, 'must be a non-empty list of strings');
    return value.map((item, index) => this.string(item, childPath(path, index)));
  }

  absolutePath(value: JsonValue | undefined, path: string, fallback?: string): string {
    if (value === undefined && fallback !== undefined) return fallback;
    const text = this.string(value, path);
    if (!SAFE_PATH_PATTERN.test(text))
      this.fail(path, `must be an absolute path of letters, digits and ._+@%=:,/- only: ${JSON.stringify(text)}`);
    if (
      text !== '/' &&
      (text.endsWith('/') || text.split('/').some((part, i) => i > 0 && (part === '' || part === '.' || part === '..')))
    ) {
      this.fail(path, `must be a normalized absolute path (no trailing /, //, . or ..): ${JSON.stringify(text)}`);
    }
    return text;
  }

  oneOf<T extends string>(value: JsonValue | undefined, path: string, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
      this.fail(path, `must be one of ${choices.join(', ')}`);
    return value as T;
  }

  integerIn(value: JsonValue | undefined, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.fail(path, `must be a whole number from ${String(min)} to ${String(max)}`);
    return value;
  }

  numberIn(value: JsonValue | undefined, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || value < min || value > max) this.fail(path, `must be a number from ${String(min)} to ${String(max)}`);
    return value;
  }

  /** A command as an argv list whose first word is absolute; `false` or [] switches the step off. */
  commandList(value: JsonValue | undefined, path: string, fallback: string[]): string[] {
    if (value === undefined) return fallback;
    if (value === false) return [];
    if (!Array.isArray(value)) this.fail(path, 'must be a command as a list of words (first an absolute path), or false');
    const words = value.map((item, index) => this.string(item, childPath(path, index)));
    if (words.length > 0) this.absolutePath(words[0], childPath(path, 0));
    return words;
  }

  /** A zone file name pattern with exactly one {zone} placeholder ("db.{zone}"), for zone sets and targets alike. */
  zoneFilePattern(value: JsonValue | undefined, path: string): string {
    const zoneFile = this.string(value, path);
    if (zoneFile.split('{zone}').length !== 2 || zoneFile.includes('/') || !/^[A-Za-z0-9._{}-]+$/.test(zoneFile)) {
      this.fail(path, 'must be a file name with exactly one {zone} placeholder, e.g. "db.{zone}"');
    }
    return zoneFile;
  }

  /** One IP address, read by the same parser the gate uses for client addresses (no host names). */
  ipAddress(value: JsonValue | undefined, path: string): string {
    const text = this.string(value, path);
    if (parseIp(text) === undefined) this.fail(path, `must be an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
    return text;
  }
}

export function where(position: Position): string {
  return `${String(position.line)}:${String(position.column)}`;
}
