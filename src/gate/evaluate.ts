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
import { requestForm } from './request-form.js';
import { refuseZoneSetOptions } from '../zoneset/options.js';
import { refuseInPlaceAttributes } from '../zoneset/receiver.js';

export interface Evaluation {
  key: KeyPolicy;
  request: RsyncRequest;
  decision: Decision;
  /** A `zonegate-dry-run` request (request-form.ts): received and checked, never made live. */
  dryRun: boolean;
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

/** The checks every request form passes first: the key exists, has not expired, and comes from its addresses. */
export function admitKey(policy: Policy, input: Omit<EvaluationInput, 'command'>): KeyPolicy {
  const key = findKey(policy, input.keyName);
  // attack: an expired key still listed in a stale authorized_keys line without expiry-time=.
  if (key.expiry !== undefined && isExpired(key.expiry, input.now ?? Date.now())) {
    throw new DeniedError('key-expired', `key ${key.name} expired at ${key.expiry} (keys.${key.name}.expiry)`);
  }
  // attack: a stolen key used from elsewhere when sshd's from= was lost from authorized_keys.
  if (input.client !== undefined && !isClientAllowed(input.client, key.from)) {
    throw new DeniedError('client-not-allowed', `client address ${input.client} is not allowed for key ${key.name}`);
  }
  return key;
}

export function evaluate(policy: Policy, input: EvaluationInput): Evaluation {
  const key = admitKey(policy, input);
  // attack: an interactive login (no command) to get a shell on the secondary.
  if (input.command === undefined || input.command === '') {
    throw new DeniedError('no-command', 'interactive logins are refused: this key may only run rsync');
  }
  const form = requestForm(input.command);
  // The hello is answered in main.ts before any decision; here it is just not an rsync request.
  if (form.kind === 'hello') throw new DeniedError('hello-request', 'zonegate-hello is answered by the gate and runs nothing');
  const request = parseRsyncServerArgs(tokenizeCommand(form.command ?? ''));
  const decision = decide(request, key);
  if (form.dryRun) refuseUnfitDryRun(request, decision);
  if (decision.rule.zoneSet && request.direction === 'upload') {
    refuseZoneSetOptions(request);
    refuseInPlaceAttributes(request);
  }
  return { key, request, decision, dryRun: form.dryRun };
}

/**
 * A dry run is allowed by exactly the rule that allows the upload it rehearses (the key's rules
 * decide, as for the push itself), and must be one that writes nothing live:
 * - into a zone set, the data must come (no -n): it is received into the spare, checked, reported
 *   and discarded (serve-zoneset.ts);
 * - into a plain tree, rsync's own -n must be set, because there the gate has no spare to discard:
 *   a "dry run" without it would write.
 */
function refuseUnfitDryRun(request: RsyncRequest, decision: Decision): void {
  if (request.direction !== 'upload') throw new DeniedError('dry-run-unfit', 'a dry run is an upload; downloads change nothing anyway');
  const rsyncDryRun = request.shortFlags.includes('n');
  if (decision.rule.zoneSet && rsyncDryRun)
    throw new DeniedError(
      'dry-run-unfit',
      `zone set ${decision.rule.zoneSet.name} checks the zones themselves in a dry run: send them (no -n; set the target's zoneFile on the primary)`,
    );
  // attack: the dry-run word on a plain upload, hoping to be logged as harmless while rsync writes.
  if (!decision.rule.zoneSet && !rsyncDryRun)
    throw new DeniedError('dry-run-unfit', "a dry run into a plain tree needs rsync's own -n; without it rsync would write");
}
