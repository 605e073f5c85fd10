// Before the gate writes its log or trusts its cache, it checks their directories on the real
// filesystem: owned by root or the running account, not writable by group or others, and not inside
// any rule's root once symlinks are resolved (the validator already refused that lexically).

import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../shared/errors.js';
import type { Policy } from '../shared/policy/types.js';
import { isInside, ownershipProblem } from '../shared/trust.js';

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Throws a ConfigError naming the setting when the log or state directory could be written by others.
 * `uid` is the account the gate runs as (`zonegate doctor` passes the login account's).
 */
export function checkGateDirectories(policy: Policy, uid?: number): void {
  const roots = [...policy.keys.values()].flatMap((key) => key.rules.map((rule) => realpathOrUndefined(rule.root)));
  const dirs = [
    { setting: 'gate.log', dir: dirname(policy.gate.log) },
    { setting: 'gate.stateDir', dir: policy.gate.stateDir },
  ];
  for (const { setting, dir } of dirs) {
    // A missing log directory fails when the log is opened; a missing state directory means no cache.
    const real = realpathOrUndefined(dir);
    if (real === undefined) continue;
    const problem = ownershipProblem(statSync(real), uid);
    if (problem !== undefined) {
      throw new ConfigError(
        'config-unsafe',
        `${setting}: ${dir} is ${problem}; the login account could rewrite what the gate trusts there`,
        {
          details: { path: setting },
        },
      );
    }
    const root = roots.find((candidate) => candidate !== undefined && isInside(real, candidate));
    if (root !== undefined) {
      throw new ConfigError(
        'config-unsafe',
        `${setting}: ${dir} resolves to ${real}, inside the rule root ${root}: a key could rewrite it`,
        {
          details: { path: setting },
        },
      );
    }
  }
}
