// Where the forced command finds node and the gate. Both are absolute, so the command in
// authorized_keys never depends on the login user's PATH (an account whose PATH starts with a
// directory it can write could otherwise substitute its own `node`).

import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { SAFE_PATH_PATTERN } from '../../shared/policy/types.js';
import { UsageError } from '../../shared/errors.js';

/** `<package root>/bin/gate.cjs`, found from this compiled module (dist/admin/keys/gate-paths.js). */
export function defaultGatePath(): string {
  return fileURLToPath(new URL('../../../bin/gate.cjs', import.meta.url));
}

/** `<package root>/bin/admin.js`, the `zonegate` CLI itself. */
export function defaultAdminPath(): string {
  return fileURLToPath(new URL('../../../bin/admin.js', import.meta.url));
}

/**
 * Checks an absolute path given on the command line against the strict set that may end up inside
 * command="…" or a rendered script: refuse, never escape.
 */
export function safePathOption(option: string, value: string): string {
  const absolute = resolve(value);
  if (/[\0-\x1f\x7f]/.test(value) || !SAFE_PATH_PATTERN.test(absolute)) {
    throw new UsageError(
      'unsafe-path',
      `--${option}: ${JSON.stringify(value)} must be an absolute path of letters, digits and ._+@%=:,/- only (no spaces, quotes or control characters)`,
    );
  }
  return absolute;
}
