// What `zonegate check` does once its arguments are parsed (commands/check.ts loads this lazily,
// so the gate's parser and rules are not loaded for every other command).

import { readFileSync } from 'node:fs';
import { isGateError, UsageError } from '../../shared/errors.js';
import { CHECK_EXIT } from '../../shared/exit-codes.js';
import { loadPolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/types.js';
import { checkRequest, renderCheckText } from './check-request.js';
import { renderReplayText, replayLog } from './replay.js';

export interface CheckArgs {
  config: string;
  key: string | undefined;
  client: string | undefined;
  json: boolean;
  batch: boolean;
  replay: string | undefined;
  request: string[] | undefined;
  '--'?: (string | number)[];
}

export const CHECK_USAGE_EXIT = CHECK_EXIT.usage;

export function runCheck(args: CheckArgs): number {
  try {
    const policy = loadPolicy(args.config);
    if (args.replay !== undefined) return runReplay(policy, args.replay, args.json);
    if (args.batch) return runBatch(policy);
    if (args.key === undefined) throw new UsageError('usage', '--key NAME is required (or use --batch / --replay)');
    // The request may come as positional words or, verbatim, after `--`.
    const command = [...(args.request ?? []), ...(args['--'] ?? []).map(String)].join(' ');
    const result = checkRequest(policy, { key: args.key, client: args.client, command: command === '' ? undefined : command });
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : renderCheckText(result));
    if (result.verdict === 'deny') return CHECK_EXIT.deny;
    return result.filesystem === 'checked' ? CHECK_EXIT.allow : CHECK_EXIT.unverified;
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
