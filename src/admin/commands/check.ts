// `zonegate check`: yargs wiring for the explain/batch/replay modes. Exit codes (DESIGN §1):
// single request 0 allow, 1 deny; batch 0 unless input or config is bad; replay 0 when nothing
// would change, 1 when something would; 2 for usage or config errors in every mode.

import { readFileSync } from 'node:fs';
import { isGateError, UsageError } from '../../shared/errors.js';
import { DEFAULT_CONFIG_PATH, loadPolicy, type Policy } from '../../shared/policy.js';
import { checkRequest, renderCheckText } from '../check.js';
import { renderReplayText, replayLog } from '../replay.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface CheckArgs {
  config: string;
  key: string | undefined;
  client: string | undefined;
  json: boolean;
  batch: boolean;
  replay: string | undefined;
  request: string[] | undefined;
  '--'?: (string | number)[];
}

export const CHECK_USAGE_EXIT = 2;

export const checkCommand: CommandFactory = (setExit) =>
  defineCommand<CheckArgs>({
    command: 'check [request..]',
    describe: 'Explain whether the gate would allow a request (runs nothing)',
    builder: (yargs) =>
      yargs
        .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'the zonegate config file' })
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
        .epilog('Exit: 0 allow, 1 deny (with --replay: 1 when a verdict would change), 2 usage or config error.'),
    handler: (args: CheckArgs) => {
      setExit(runCheck(args));
    },
  });

function runCheck(args: CheckArgs): number {
  try {
    const policy = loadPolicy(args.config);
    if (args.replay !== undefined) return runReplay(policy, args.replay, args.json);
    if (args.batch) return runBatch(policy);
    if (args.key === undefined) throw new UsageError('usage', '--key NAME is required (or use --batch / --replay)');
    // The request may come as positional words or, verbatim, after `--`.
    const command = [...(args.request ?? []), ...(args['--'] ?? []).map(String)].join(' ');
    const result = checkRequest(policy, { key: args.key, client: args.client, command: command === '' ? undefined : command });
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : renderCheckText(result));
    return result.verdict === 'allow' ? 0 : 1;
  } catch (error) {
    if (!isGateError(error)) throw error;
    process.stderr.write(`zonegate: ${error.message}\n`);
    return CHECK_USAGE_EXIT;
  }
}

function runReplay(policy: Policy, logFile: string, json: boolean): number {
  const report = replayLog(policy, logFile);
  process.stdout.write(json ? `${JSON.stringify(report)}\n` : renderReplayText(report));
  return report.changes.length === 0 ? 0 : 1;
}

function runBatch(policy: Policy): number {
  let exitCode = 0;
  const lines = readFileSync(0, 'utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const input = parseBatchLine(line);
    if (typeof input === 'string') {
      process.stdout.write(`${JSON.stringify({ line: index + 1, error: input })}\n`);
      exitCode = CHECK_USAGE_EXIT;
      continue;
    }
    process.stdout.write(`${JSON.stringify(checkRequest(policy, input))}\n`);
  }
  return exitCode;
}

function parseBatchLine(line: string): { key: string; client: string | undefined; command: string | undefined } | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not a JSON object';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const { key, client, command } = record;
  if (typeof key !== 'string' || key === '') return '"key" must be a non-empty string';
  if (client !== undefined && client !== null && typeof client !== 'string') return '"client" must be a string';
  if (command !== undefined && command !== null && typeof command !== 'string') return '"command" must be a string';
  return { key, client: typeof client === 'string' ? client : undefined, command: typeof command === 'string' ? command : undefined };
}
