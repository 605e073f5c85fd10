// A rule's `zoneSet` section: how uploads into that root are validated, promoted and reloaded.

import type { JsonValue } from '../jsonc.js';
import { ZONESET_DEFAULT_CHECKER } from './defaults.js';
import { KEY_NAME_PATTERN, type ZoneSetSettings } from './types.js';
import type { Validator } from './validator.js';

const KNOWN = ['name', 'zoneFile', 'view', 'checker', 'rndc', 'verify', 'keep', 'maxDeleteShare', 'lockWaitSeconds', 'files'] as const;

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
    files: validateFiles(v, set['files'], `${path}.files`),
  };
}

const ACCOUNT = /^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10})$/;

/**
 * How live zone files look, whatever the client sent: owner and group (names or ids; unset: the
 * account the gate runs as) and a mode that named can read and only the owner can write.
 */
function validateFiles(v: Validator, value: JsonValue | undefined, path: string): ZoneSetSettings['files'] {
  const raw = value === undefined ? {} : v.object(value, path, ['owner', 'group', 'mode']);
  const account = (key: 'owner' | 'group'): string | undefined => {
    if (raw[key] === undefined) return undefined;
    const text = v.string(raw[key], `${path}.${key}`);
    if (!ACCOUNT.test(text)) v.fail(`${path}.${key}`, 'must be a user or group name, or a numeric id');
    return text;
  };
  const modeText = raw['mode'] === undefined ? '0644' : v.string(raw['mode'], `${path}.mode`);
  if (!/^0?[0-7]{3}$/.test(modeText)) v.fail(`${path}.mode`, 'must be an octal mode such as "0644" or "0640"');
  const mode = Number.parseInt(modeText, 8);
  // attack: a group- or world-writable live file lets any local account rewrite served zones unchecked.
  if ((mode & ~0o644) !== 0 || (mode & 0o400) === 0)
    v.fail(`${path}.mode`, 'must be readable by its owner and writable by no one but the owner, with no execute bits (at most 0644)');
  return { owner: account('owner'), group: account('group'), mode };
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
