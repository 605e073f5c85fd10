// The `keys` section: each key's public key, the addresses it may come from, and its allow rules.

import { validateAddressList } from '../addresses.js';
import { childPath, type JsonValue } from '../jsonc.js';
import { expiryInstant } from '../key-expiry.js';
import { validatePublicKey } from '../public-key.js';
import { KEY_NAME_PATTERN, type KeyPolicy, type Rule } from './types.js';
import type { Validator } from './validator.js';
import { validateZoneSet } from './zone-sets.js';

export function validateKey(v: Validator, name: string, raw: JsonValue): KeyPolicy {
  const path = childPath('keys', name);
  if (!KEY_NAME_PATTERN.test(name))
    v.fail(path, 'key names are 1–64 letters, digits, dot, underscore or dash, starting with a letter or digit');
  const key = v.object(raw, path, ['publicKey', 'from', 'expiry', 'rules']);
  const publicKey = v.string(key['publicKey'], `${path}.publicKey`);
  const keyProblem = validatePublicKey(publicKey);
  if (keyProblem !== undefined) v.fail(`${path}.publicKey`, keyProblem);
  const from = v.stringList(key['from'], `${path}.from`);
  const fromProblem = validateAddressList(from);
  if (fromProblem !== undefined) v.fail(childPath(`${path}.from`, fromProblem.index), fromProblem.message);
  const rulesRaw = key['rules'];
  if (!Array.isArray(rulesRaw) || rulesRaw.length === 0) v.fail(`${path}.rules`, 'must be a non-empty list of rules');
  const result: KeyPolicy = {
    name,
    publicKey,
    from,
    rules: rulesRaw.map((rule, index) => validateRule(v, rule, childPath(`${path}.rules`, index))),
  };
  if (key['expiry'] !== undefined) {
    const expiry = v.string(key['expiry'], `${path}.expiry`);
    if (expiryInstant(expiry) === undefined)
      v.fail(
        `${path}.expiry`,
        'must be YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, a real date in the system time zone or in UTC with a Z suffix (as sshd expiry-time= takes it)',
      );
    result.expiry = expiry;
  }
  return result;
}

function validateRule(v: Validator, raw: JsonValue, path: string): Rule {
  const rule = v.object(raw, path, ['direction', 'root', 'paths', 'delete', 'zoneSet']);
  if (rule['direction'] === undefined) v.fail(`${path}.direction`, 'is required: upload or download');
  const direction = v.oneOf(rule['direction'], `${path}.direction`, ['upload', 'download'] as const, 'upload');
  const root = v.absolutePath(rule['root'], `${path}.root`);
  if (root === '/') v.fail(`${path}.root`, 'must not be / (a key confined to / is not confined)');
  const paths = v.stringList(rule['paths'], `${path}.paths`);
  paths.forEach((pattern, index) => {
    const problem = patternProblem(pattern);
    if (problem !== undefined) v.fail(childPath(`${path}.paths`, index), problem);
  });
  const result: Rule = { direction, root, paths, delete: v.boolean(rule['delete'], `${path}.delete`, false) };
  if (rule['zoneSet'] !== undefined) result.zoneSet = validateZoneSet(v, rule['zoneSet'], `${path}.zoneSet`, root);
  return result;
}

function patternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('/')) return `patterns are relative to the rule's root, without a leading /: ${JSON.stringify(pattern)}`;
  if (pattern.split('/').some((part) => part === '..' || part === ''))
    return `patterns must not contain .. or empty segments: ${JSON.stringify(pattern)}`;
  if (/[\0-\x1f\x7f]/.test(pattern)) return 'patterns must not contain control characters';
  return undefined;
}
