// `zonegate check`: yargs wiring for the explain/batch/replay modes. Exit codes (README):
// single request 0 allow, 1 deny, 3 allowed but the filesystem step was not run (the tree is not
// on this host); batch 0 unless input or config is bad; replay 0 when nothing would change, 1 when
// something would; 2 for usage or config errors in every mode.

import { configOption } from './config-option.js';
import type { CheckArgs } from '../check/run-check.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

export const checkCommand: CommandFactory = (setExit) =>
  defineCommand<CheckArgs>({
    command: 'check [request..]',
    describe: 'Explain whether the gate would allow a request (runs nothing)',
    builder: (yargs) =>
      yargs
        .option('config', configOption('the zonegate config file'))
        .option('key', { type: 'string', describe: "key name, as in the gate's --key" })
        .option('client', { type: 'string', describe: "client IP address to check against the key's from list (omitted: not checked)" })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of text' })
        .option('batch', {
          type: 'boolean',
          default: false,
          describe: 'read JSON lines {"key","client","command"} on stdin, write one JSON decision per line',
        })
        .option('replay', { type: 'string', describe: 'gate audit log to re-decide against the current config; lists what would change' })
        .positional('request', { type: 'string', array: true, describe: 'the SSH_ORIGINAL_COMMAND to check (after --)' })
        .example(
          "$0 check --config /etc/zonegate/zonegate.conf --key ns1 --client 192.0.2.1 -- 'rsync --server -logDtpre.iLsfxCIvu . external/'",
          'explain one request',
        )
        .example('$0 check --key ns1 --json -- "rsync --server . /etc"', 'the same as JSON')
        .example('$0 check --batch < requests.jsonl', 'decide many requests')
        .example('$0 check --replay /var/log/zonegate/gate.log', 'try the current config on recorded traffic')
        .epilog(
          'Exit: 0 allow, 1 deny (with --replay: 1 when a verdict would change), 2 usage or config error, ' +
            "3 allowed so far but the filesystem step (symlinks) was not run: the rule's tree is not on this host.",
        ),
    handler: async (args: CheckArgs) => {
      // Loaded here: the gate's parser and rules are not needed by the other commands.
      const { runCheck } = await import('../check/run-check.js');
      setExit(runCheck(args));
    },
  });
