// An rndc command sent from this process (control-client.ts) instead of by the rndc program, with
// the same outcome for the pipeline as control.ts gives the program's: success, or ZoneSetError
// 'reload-failed' in rndc's own words (`rndc: 'reload' failed: not found; …`), so the
// refusal, exit code, rollback and log line stay the same whichever way the command went.

import { ZoneSetError } from '../../shared/errors.js';
import { sendControlCommand, type ControlTarget } from './control-client.js';

/** Text from named is shown, never trusted: control characters become `?` and it is cut short. */
function shown(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
}

/** Runs `rndc ARGS…` natively against `target`; throws as runControl does for a failed rndc. */
export async function runNativeControl(target: ControlTarget, args: readonly string[], timeoutMs = 20_000): Promise<void> {
  const command = args.join(' ');
  let answer: Awaited<ReturnType<typeof sendControlCommand>>;
  try {
    answer = await sendControlCommand(target, command, timeoutMs);
  } catch (error) {
    // named closes the connection on a wrong key or algorithm, as rndc then reports.
    const why = error instanceof Error ? error.message : String(error);
    throw new ZoneSetError(
      'reload-failed',
      `rndc ${command} failed: ${shown(why)} (control channel ${target.host}#${String(target.port)}, sent natively)`,
      {
        cause: error,
      },
    );
  }
  if (answer.err !== undefined) {
    const text = answer.text === undefined || answer.text === '' ? '' : `; ${shown(answer.text.trim().split('\n').join('; '))}`;
    throw new ZoneSetError('reload-failed', `rndc ${command} failed: rndc: '${shown(args[0] ?? '')}' failed: ${shown(answer.err)}${text}`);
  }
}
