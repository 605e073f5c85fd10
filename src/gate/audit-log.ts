// The gate's audit log: one JSON line per event, in pino's line format (level, time, component,
// then the fields), so the same tools read the gate's and the admin CLI's logs. It is written by
// hand instead of through pino because the gate starts on every SSH connection and loading and
// setting up pino was measured at about 6 ms of the gate's ~38 ms (scripts/bench-gate.ts).
// Writes are synchronous: a record is on disk before rsync starts, and a failed write throws, so
// the gate refuses rather than run unlogged.

import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { DeniedError } from '../shared/errors.js';
import { ownershipProblem } from '../shared/trust.js';

const LEVELS = { info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

export interface AuditLog {
  write(level: Level, fields: Record<string, unknown>): void;
  close(): void;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * `date.toISOString()`, by hand: V8's first toISOString() in a process is slow (0.23 ms in a bare
 * node, the getUTC* fields 0.02 ms), and every connection writes a first record; the gate measured
 * about 0.1 ms faster per refusal (150 interleaved runs). Years outside 0000-9999, which
 * toISOString() writes with a sign and six digits, are left to it.
 */
export function isoTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  const day = `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
  return `${day}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}

/** Escapes the characters some readers split lines at; they can only occur inside JSON strings. */
export function escapeLineSeparators(json: string): string {
  return json.replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function openAuditLog(file: string): AuditLog {
  let fd: number;
  try {
    // attack: gate.log replaced by a symlink (to a file the login account may write, or /dev/null)
    // or a hard link: appending only, never following a link, to one plain file of our own.
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o640);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ELOOP' ? 'it is a symlink' : code;
    throw new DeniedError('log-unwritable', `cannot open the audit log ${file} (${why})`, { cause: error });
  }
  const stat = fstatSync(fd);
  const problem = !stat.isFile() ? 'not a regular file' : stat.nlink !== 1 ? 'it has other hard links' : ownershipProblem(stat);
  if (problem !== undefined) {
    closeSync(fd);
    throw new DeniedError('log-unwritable', `refusing the audit log ${file}: ${problem}`);
  }
  return {
    write(level, fields) {
      // Client input only ever appears as JSON string values: JSON.stringify escapes it, except
      // U+2028, U+2029 and U+0085, which JSON allows raw but other tools take for line ends.
      const json = JSON.stringify({
        level: LEVELS[level],
        time: isoTime(new Date()),
        component: 'gate',
        ...fields,
        msg: summarize(fields),
      });
      const line = `${escapeLineSeparators(json)}\n`;
      try {
        writeSync(fd, line);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new DeniedError('log-unwritable', `cannot write the audit log ${file} (${code})`, { cause: error });
      }
    },
    close: () => {
      closeSync(fd);
    },
  };
}

/**
 * The record's short human line (pino's `msg`), for pino-pretty, grep and `zonegate log`. Built only
 * from values the secondary chose or checked (the key name from the config, reason codes, the ref,
 * the zone set's name, exit codes): the client's command and paths stay in their escaped fields.
 */
export function summarize(fields: Record<string, unknown>): string {
  const word = (name: string): string => {
    const value = fields[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
  };
  const zoneSet = typeof fields['zoneSet'] === 'string' ? ` zone set ${word('zoneSet')}` : '';
  if (fields['event'] === 'decision' && fields['verdict'] === 'allow') return `allow ${word('key')}${zoneSet} (ref ${word('ref')})`;
  if (fields['event'] === 'decision') return `deny ${word('key')}: ${word('reason')} (ref ${word('ref')})`;
  if (fields['event'] === 'finished') {
    const outcome = typeof fields['outcome'] === 'string' ? ` ${word('outcome')}` : '';
    return `finished ${word('key')}${zoneSet}${outcome}, exit ${word('status')} (ref ${word('ref')})`;
  }
  return `${word('event')} ${word('key')} (ref ${word('ref')})`;
}
