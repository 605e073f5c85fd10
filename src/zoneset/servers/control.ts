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
    const said = result.output.trim().split('\n').join('; ');
    // A time limit is named even after what the program said before it hung.
    const limit = result.timedOut === true && said !== '' ? ` (${result.error ?? 'timed out'})` : '';
    throw new ZoneSetError(
      'reload-failed',
      `${program} ${args.join(' ')} failed: ${said || (result.error ?? `exit ${String(result.status)}`)}${limit}`,
    );
  }
}
