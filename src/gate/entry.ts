// Bundled into dist/gate.cjs, which bin/gate.cjs loads (with V8's code cache). Reads only argv and
// the SSH variables sshd sets; every other variable a client might influence is ignored.
import { GATE_EXIT_PREFIX } from '../shared/exit-codes.js';
import { clientStderr, writeClientStderr } from './client-stderr.js';
import { runGate } from './main.js';
import { readOriginalCommandBytes } from './original-command.js';

export { clientStderr, runGate };

export function main(): void {
  const { SSH_ORIGINAL_COMMAND, SSH_CONNECTION, SSH_CLIENT } = process.env;
  const originalCommandBytes = readOriginalCommandBytes(SSH_ORIGINAL_COMMAND);
  void runGate(process.argv.slice(2), { SSH_ORIGINAL_COMMAND, SSH_CONNECTION, SSH_CLIENT, originalCommandBytes }).then((status) => {
    // The client's rsync often exits with its own protocol error (12) before ssh hands it our exit
    // status (rsync only collects ssh's status if ssh is already gone), so a refusal such as "busy"
    // (83) would reach the primary as a dropped link. The last stderr line carries the status too.
    if (status !== 0) writeClientStderr(`${GATE_EXIT_PREFIX}${String(status)}\n`);
    process.exitCode = status;
  });
}
