// Bundled into dist/gate.cjs. Reads only argv and the SSH variables sshd sets.
import { runGate } from './main.js';

const { SSH_ORIGINAL_COMMAND, SSH_CONNECTION, SSH_CLIENT } = process.env;
void runGate(process.argv.slice(2), { SSH_ORIGINAL_COMMAND, SSH_CONNECTION, SSH_CLIENT }).then((status) => {
  process.exitCode = status;
});
