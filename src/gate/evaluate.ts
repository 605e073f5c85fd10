// The whole decision for one request, shared by the gate and `zonegate check` so that both always
// agree: key -> client address -> command -> tokens -> rsync request -> rule. Pure; throws a
// GateError subclass whose `reason` says why a request is refused.

import { isClientAllowed } from '../shared/addresses.js';
import { DeniedError } from '../shared/errors.js';
import { isExpired } from '../shared/key-expiry.js';
import type { KeyPolicy, Policy } from '../shared/policy/types.js';
import { parseRsyncServerArgs, type RsyncRequest } from './rsync-args.js';
import { decide, type Decision } from './rules.js';
import { tokenizeCommand } from './tokenize.js';
import { refuseZoneSetOptions } from '../zoneset/options.js';
import { refuseInPlaceAttributes } from '../zoneset/receiver.js';

export interface Evaluation {
  key: KeyPolicy;
  request: RsyncRequest;
  decision: Decision;
}

export interface EvaluationInput {
  keyName: string;
  /** The client address; undefined skips the address check (only `zonegate check` may do that). */
  client: string | undefined;
  command: string | undefined;
  /** The time to judge keys.*.expiry against (ms since the epoch); now if absent. */
  now?: number;
}

export function findKey(policy: Policy, keyName: string): KeyPolicy {
  const key = policy.keys.get(keyName);
  if (!key) throw new DeniedError('unknown-key', `key ${JSON.stringify(keyName)} is not in the gate's configuration`);
  return key;
}

export function evaluate(policy: Policy, input: EvaluationInput): Evaluation {
  const key = findKey(policy, input.keyName);
  // attack: an expired key still listed in a stale authorized_keys line without expiry-time=.
  if (key.expiry !== undefined && isExpired(key.expiry, input.now ?? Date.now())) {
    throw new DeniedError('key-expired', `key ${key.name} expired at ${key.expiry} (keys.${key.name}.expiry)`);
  }
  // attack: a stolen key used from elsewhere when sshd's from= was lost from authorized_keys.
  if (input.client !== undefined && !isClientAllowed(input.client, key.from)) {
    throw new DeniedError('client-not-allowed', `client address ${input.client} is not allowed for key ${key.name}`);
  }
  // attack: an interactive login (no command) to get a shell on the secondary.
  if (input.command === undefined || input.command === '') {
    throw new DeniedError('no-command', 'interactive logins are refused: this key may only run rsync');
  }
  const request = parseRsyncServerArgs(tokenizeCommand(input.command));
  const decision = decide(request, key);
  if (decision.rule.zoneSet && request.direction === 'upload') {
    refuseZoneSetOptions(request);
    refuseInPlaceAttributes(request);
  }
  return { key, request, decision };
}
