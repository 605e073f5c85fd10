// `zonegate check`: the gate's own decision function (decideRequest), filesystem step included, run
// without running anything, so an admin can see why a request is allowed or refused, and try a
// policy edit on recorded traffic. Where the tree does not exist (check run on another host), the
// answer says the filesystem step was not run, and `check` exits with its own code.

import { closeSync } from 'node:fs';
import { isGateError } from '../../shared/errors.js';
import type { Policy } from '../../shared/policy/types.js';
import { decideRequest } from '../../gate/decide.js';
import { buildRsyncArgv } from '../../gate/rsync-args.js';
import { zoneSetServerOptions } from '../../zoneset/push-limits.js';

export interface CheckInput {
  key: string;
  client: string | undefined;
  command: string | undefined;
}

export type CheckResult =
  | {
      verdict: 'allow';
      key: string;
      client: string | null;
      command: string | undefined;
      rule: { index: number; direction: string; root: string; delete: boolean };
      /** The rule's zone set: its name, the zones it may hold (zoneSet.zones) and the server that serves them. */
      zoneSet?: { name: string; zones: string[]; server: string };
      paths: string[];
      argv: string[];
      /** Whether symlinks were resolved in `tree` as the gate resolves them. */
      filesystem: 'checked' | 'not-run';
      tree: string;
    }
  | { verdict: 'deny'; key: string; client: string | null; command: string | undefined; reason: string; message: string };

/** Decides one request exactly as the gate would (minus the sandbox and the run itself). */
export function checkRequest(policy: Policy, input: CheckInput): CheckResult {
  const base = { key: input.key, client: input.client ?? null, command: input.command };
  try {
    const decided = decideRequest(policy, { keyName: input.key, client: input.client, command: input.command }, 'skip');
    if (decided.pinned) closeSync(decided.pinned.fd);
    const { request, decision } = decided;
    const { rule, ruleIndex } = decision;
    return {
      verdict: 'allow',
      ...base,
      rule: { index: ruleIndex, direction: rule.direction, root: rule.root, delete: rule.delete },
      ...(rule.zoneSet ? { zoneSet: { name: rule.zoneSet.name, zones: rule.zoneSet.zones, server: rule.zoneSet.server } } : {}),
      paths: decision.paths.map((path) => path.relative),
      argv: [
        'rsync',
        ...buildRsyncArgv(
          request,
          decision.paths.map((path) => path.operand),
          rule.zoneSet && request.direction === 'upload' ? zoneSetServerOptions(rule.zoneSet) : [],
        ),
      ],
      filesystem: decided.filesystem,
      tree: decided.tree,
    };
  } catch (error) {
    if (!isGateError(error)) throw error;
    return { verdict: 'deny', ...base, reason: error.reason, message: error.message };
  }
}

/** Human text: `allow` or `deny: …` on the first line, then what matched. */
export function renderCheckText(result: CheckResult): string {
  if (result.verdict === 'deny') return `deny: ${result.message}\nreason: ${result.reason}\n`;
  const lines = [
    'allow',
    `rule: keys.${result.key}.rules[${String(result.rule.index)}] (${result.rule.direction} under ${result.rule.root}${result.rule.delete ? ', deletes allowed' : ''})`,
    ...(result.zoneSet
      ? [`zone set: ${result.zoneSet.name}, may hold: ${result.zoneSet.zones.join(' ')}`, `served by: ${result.zoneSet.server}`]
      : []),
    `paths: ${result.paths.map((path) => (path === '' ? '.' : path)).join(' ')}`,
    `would run: ${result.argv.map((arg) => JSON.stringify(arg)).join(' ')}`,
    result.filesystem === 'checked'
      ? `filesystem: checked in ${result.tree} (symlinks resolved as the gate resolves them)`
      : `filesystem: NOT RUN: ${result.tree} does not exist on this host; the gate would resolve symlinks there`,
    'note: at run time the gate also adds hardening options and sandboxes rsync',
  ];
  return `${lines.join('\n')}\n`;
}
