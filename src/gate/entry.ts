// Bundled into dist/gate.cjs, which bin/gate.cjs loads (with V8's code cache). Reads only argv and
// the SSH variables sshd sets; every other variable a client might influence is ignored.
import { runGate } from './main.js';
import { readOriginalCommandBytes } from './original-command.js';

export { runGate };

export function main(): void {
  const { SSH_ORIGINAL_COMMAND, SSH_CONNECTION, SSH_CLIENT } = process.env;
  const originalCommandBytes = readOriginalCommandBytes(SSH_ORIGINAL_COMMAND);
  void runGate(process.argv.slice(2), { SSH_ORIGINAL_COMMAND, SSH_CONNECTION, SSH_CLIENT, originalCommandBytes }).then((status) => {
    process.exitCode = status;
  });
}
