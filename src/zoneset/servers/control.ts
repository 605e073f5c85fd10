// The server's control program (rndc, nsd-control, knotc), run with an argv array and a time limit.

import { ZoneSetError } from '../../shared/errors.js';
import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { runCommand } from '../run-command.js';

/**
 * Runs `control ARGS…`; a non-zero exit is a failed reload, reported in the program's own words.
 * `timeoutMs` kills a control program that hangs (a server that stopped answering).
 */
export async function runControl(settings: ZoneSetSettings, args: readonly string[], program: string, timeoutMs = 20_000): Promise<void> {
  const result = await runCommand([...settings.control, ...args], timeoutMs);
  if (result.status !== 0) {
    throw new ZoneSetError(
      'reload-failed',
      `${program} ${args.join(' ')} failed: ${result.output.trim().split('\n').join('; ') || (result.error ?? `exit ${String(result.status)}`)}`,
    );
  }
}
