// A rule's `zoneSet` section: how uploads into that root are validated, promoted and reloaded.

import type { JsonValue } from '../jsonc.js';
import { ZONESET_DEFAULT_CHECKER } from './defaults.js';
import { KEY_NAME_PATTERN, type ZoneSetSettings } from './types.js';
import type { Validator } from './validator.js';

const KNOWN = ['name', 'zoneFile', 'view', 'checker', 'rndc', 'verify', 'keep', 'maxDeleteShare', 'lockWaitSeconds'] as const;

export function validateZoneSet(v: Validator, raw: JsonValue, path: string, root: string): ZoneSetSettings {
  const set = v.object(raw, path, KNOWN);
  const name = set['name'] === undefined ? (root.split('/').pop() ?? '') : v.string(set['name'], `${path}.name`);
  if (!KEY_NAME_PATTERN.test(name)) v.fail(`${path}.name`, 'zone set names are 1–64 letters, digits, dot, underscore or dash');
  const zoneFile = set['zoneFile'] === undefined ? 'db.{zone}' : v.zoneFilePattern(set['zoneFile'], `${path}.zoneFile`);
  const view = set['view'] === undefined ? undefined : v.string(set['view'], `${path}.view`);
  if (view !== undefined && !/^[A-Za-z0-9._-]+$/.test(view)) v.fail(`${path}.view`, 'must be a plain view name');
  return {
    name,
    zoneFile,
    view,
    checker: v.commandList(set['checker'], `${path}.checker`, ZONESET_DEFAULT_CHECKER),
    rndc: v.commandList(set['rndc'], `${path}.rndc`, ['/usr/sbin/rndc']),
    verify: validateVerify(v, set['verify'], `${path}.verify`),
    keep: v.integerIn(set['keep'], `${path}.keep`, 5, 1, 1000),
    maxDeleteShare: v.numberIn(set['maxDeleteShare'], `${path}.maxDeleteShare`, 0.5, 0, 1),
    lockWaitSeconds: v.integerIn(set['lockWaitSeconds'], `${path}.lockWaitSeconds`, 60, 0, 3600),
  };
}

function validateVerify(v: Validator, value: JsonValue | undefined, path: string): ZoneSetSettings['verify'] {
  if (value === false) return undefined;
  const raw = value === undefined ? {} : v.object(value, path, ['server', 'port', 'source', 'timeoutSeconds']);
  return {
    server: raw['server'] === undefined ? '127.0.0.1' : v.ipAddress(raw['server'], `${path}.server`),
    port: v.integerIn(raw['port'], `${path}.port`, 53, 1, 65535),
    source: raw['source'] === undefined ? undefined : v.ipAddress(raw['source'], `${path}.source`),
    timeoutSeconds: v.integerIn(raw['timeoutSeconds'], `${path}.timeoutSeconds`, 10, 1, 600),
  };
}
