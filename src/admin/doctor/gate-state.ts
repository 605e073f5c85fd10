// `zonegate doctor` on the gate's log and state directories: the checks the gate itself makes
// (trusted-dirs.ts), judged for the login account, and, when run as root, a fresh
// rsync-capabilities cache so the gate need not probe rsync on every connection.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isGateError } from '../../shared/errors.js';
import type { Policy } from '../../shared/policy/types.js';
import { CAPABILITIES_CACHE, cachedRsyncCapabilities } from '../../gate/rsync-capabilities.js';
import { checkGateDirectories } from '../../gate/trusted-dirs.js';
import type { CheckItem } from './checks.js';

export async function gateStateItems(policy: Policy, login: { user: string; uid: number }): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  try {
    checkGateDirectories(policy, login.uid);
    items.push({
      status: 'ok',
      title: 'gate log and state directories',
      detail: `owned by root or ${login.user}, not writable by group or others, outside every rule root`,
    });
  } catch (error) {
    if (!isGateError(error)) throw error;
    return [
      {
        status: 'fail',
        title: 'gate log and state directories',
        detail: `${error.message}; the gate refuses every request`,
        fix: 'chown root (or the login account) and chmod go-w the directory, or move it out of the rule root',
      },
    ];
  }
  const dir = policy.gate.stateDir;
  if (!existsSync(dir)) {
    items.push({
      status: 'warn',
      title: `gate.stateDir ${dir}`,
      detail: 'does not exist: the gate probes rsync on every connection (~3 ms)',
      fix: `install -d -m 755 ${dir}; then run zonegate doctor again as root`,
    });
    return items;
  }
  if (process.getuid?.() !== 0) return items;
  const { caps, untrusted } = await cachedRsyncCapabilities(policy.gate.rsync, join(dir, CAPABILITIES_CACHE));
  const options = Object.entries(caps)
    .filter(([, has]) => has)
    .map(([name]) => name);
  items.push({
    status: 'ok',
    title: `rsync capabilities cached in ${join(dir, CAPABILITIES_CACHE)}`,
    detail: `${options.length > 0 ? options.join(', ') : 'no hardening options'}${untrusted === undefined ? '' : ` (replaced an untrusted cache: ${untrusted})`}`,
  });
  return items;
}
