// POSIX shell quoting for values filled into rendered scripts, crontabs and units.

import { UsageError } from '../../shared/errors.js';

/**
 * Single-quotes `value` for sh ('\'' for an embedded quote). Newlines and other control characters
 * are refused, not quoted: cron ends a job at a newline and systemd ends a setting there, so a
 * quoted newline that sh would accept would still split the line where they read it.
 */
export function shellQuote(value: string, field: string): string {
  if (/[\0-\x1f\x7f]/.test(value)) {
    throw new UsageError('unsafe-value', `${field}: ${JSON.stringify(value)} contains a newline or control character`);
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
