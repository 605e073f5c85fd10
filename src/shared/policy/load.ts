// loadPolicy() reads the config once, in an entry point, and refuses a file that others could have
// written; parsePolicy() turns its text into a validated Policy with file:line:col messages.

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { JsoncSyntaxError, parseJsonc } from '../jsonc.js';
import { parentDirectoryProblem } from '../trust.js';
import type { Policy } from './types.js';
import { validatePolicy } from './validate.js';
import { where } from './validator.js';

/** Reads and validates the policy file, refusing one that others could have written. */
export function loadPolicy(file: string): Policy {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError('config-unreadable', `${file}: not a regular file`);
    // A config writable by others lets them grant themselves access: refuse it, like sshd does.
    if ((stat.mode & 0o022) !== 0) {
      throw new ConfigError(
        'config-unsafe',
        `${file}: writable by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod go-w it`,
      );
    }
    const uid = process.getuid?.() ?? 0;
    if (stat.uid !== 0 && stat.uid !== uid) {
      throw new ConfigError('config-unsafe', `${file}: owned by uid ${String(stat.uid)}, not root or the running user`);
    }
    // Whoever can write a directory above the config can swap the file itself, so each one up to /
    // is checked the way sshd's StrictModes checks authorized_keys.
    const parent = parentDirectoryProblem(file);
    if (parent !== undefined) {
      throw new ConfigError(
        'config-unsafe',
        `${file}: its directory ${parent.dir} is ${parent.problem}; every directory above the config must be owned by root or the running user and not writable by group or others`,
      );
    }
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'config-missing' : 'config-unreadable';
    throw new ConfigError(reason, `${file}: cannot read config (${code})`, { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parsePolicy(text, file);
}

/** Parses policy text; `source` only labels messages. */
export function parsePolicy(text: string, source: string): Policy {
  let parsed;
  try {
    parsed = parseJsonc(text);
  } catch (error) {
    if (error instanceof JsoncSyntaxError) {
      throw new ConfigError('config-syntax', `${source}:${where(error.position)}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return validatePolicy(parsed.value, source, parsed.positions);
}
