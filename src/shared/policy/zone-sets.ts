// A rule's `zoneSet` section: how uploads into that root are validated, promoted and reloaded.

import type { JsonValue } from '../jsonc.js';
import { childPath } from '../jsonc.js';
import { parseZonePattern } from '../../zoneset/allowed-zones.js';
import { ZONESET_LIMIT_DEFAULTS as LIMITS, ZONESET_SERVER_DEFAULTS, ZONESET_TRANSFER_TIMEOUT_SECONDS } from './defaults.js';
import { KEY_NAME_PATTERN, ZONE_SERVERS, type ZoneServer, type ZoneSetLimits, type ZoneSetSettings } from './types.js';
import type { Validator } from './validator.js';
import { validateHorizon } from './signature-horizon.js';

const KNOWN = [
  'name',
  'zones',
  'zoneFile',
  'server',
  'view',
  'checker',
  'control',
  'rndc',
  'verify',
  'keep',
  'maxDeleteShare',
  'lockWaitSeconds',
  'limits',
  'transferTimeoutSeconds',
  'files',
  'signatureHorizon',
] as const;

export function validateZoneSet(v: Validator, raw: JsonValue, path: string, root: string): ZoneSetSettings {
  const set = v.object(raw, path, KNOWN);
  const name = set['name'] === undefined ? (root.split('/').pop() ?? '') : v.string(set['name'], `${path}.name`);
  if (!KEY_NAME_PATTERN.test(name)) v.fail(`${path}.name`, 'zone set names are 1–64 letters, digits, dot, underscore or dash');
  const zoneFile = set['zoneFile'] === undefined ? 'db.{zone}' : v.zoneFilePattern(set['zoneFile'], `${path}.zoneFile`);
  const server = v.oneOf<ZoneServer>(set['server'], `${path}.server`, ZONE_SERVERS, 'bind');
  const view = set['view'] === undefined ? undefined : v.string(set['view'], `${path}.view`);
  if (view !== undefined && !/^[A-Za-z0-9._-]+$/.test(view)) v.fail(`${path}.view`, 'must be a plain view name');
  // Views are BIND's: NSD and Knot have none, so a view here would be a zone served to everyone.
  if (view !== undefined && server !== 'bind') v.fail(`${path}.view`, `views are a BIND feature; ${server} has none (remove "view")`);
  // NSD and Knot read %s, %1… in a zone file path as parts of the zone name.
  if (server !== 'bind' && root.includes('%'))
    v.fail(`${path}.server`, `${server} reads % in a zone file path as a substitution: the root must not contain %`);
  const defaults = ZONESET_SERVER_DEFAULTS[server];
  return {
    name,
    zoneFile,
    server,
    view,
    checker: v.commandList(set['checker'], `${path}.checker`, defaults.checker),
    control: validateControl(v, set, path, server, defaults.control),
    verify: validateVerify(v, set['verify'], `${path}.verify`),
    keep: v.integerIn(set['keep'], `${path}.keep`, 5, 1, 1000),
    maxDeleteShare: v.numberIn(set['maxDeleteShare'], `${path}.maxDeleteShare`, 0.5, 0, 1),
    lockWaitSeconds: v.integerIn(set['lockWaitSeconds'], `${path}.lockWaitSeconds`, 60, 0, 3600),
    files: validateFiles(v, set['files'], `${path}.files`),
    zones: validateZones(v, set['zones'], path),
    limits: validateLimits(v, set['limits'], `${path}.limits`),
    transferTimeoutSeconds: v.integerIn(
      set['transferTimeoutSeconds'],
      `${path}.transferTimeoutSeconds`,
      ZONESET_TRANSFER_TIMEOUT_SECONDS,
      1,
      86_400,
    ),
    signatureHorizon: validateHorizon(v, set['signatureHorizon'], `${path}.signatureHorizon`),
  };
}

/**
 * The control program: `control` for any server; `rndc`, its older name, for BIND only (an rndc
 * argv handed to nsd-control or knotc would be a reload that always fails).
 */
function validateControl(v: Validator, set: Record<string, JsonValue>, path: string, server: ZoneServer, fallback: string[]): string[] {
  if (set['rndc'] !== undefined && set['control'] !== undefined) v.fail(`${path}.rndc`, 'give "control" or "rndc", not both');
  if (set['rndc'] !== undefined && server !== 'bind') v.fail(`${path}.rndc`, `rndc is BIND's; with server ${server} use "control"`);
  const key = set['rndc'] === undefined ? 'control' : 'rndc';
  return v.commandList(set[key], `${path}.${key}`, fallback);
}

/** The secondary's own zone list: without it, whichever key pushes would choose what named serves. */
function validateZones(v: Validator, value: JsonValue | undefined, path: string): string[] {
  if (value === undefined) {
    v.fail(
      path,
      'has no "zones": list the zones this set may hold, e.g. "zones": ["example.com", "*.example.net"] ("*.example.net" matches names below example.net, not example.net itself)',
    );
  }
  const entries = v.stringList(value, `${path}.zones`);
  return entries.map((entry, index) => {
    const pattern = parseZonePattern(entry);
    if (pattern === undefined)
      v.fail(
        childPath(`${path}.zones`, index),
        `must be a zone name ("example.com") or "*." and a zone name ("*.example.net"): ${JSON.stringify(entry)}`,
      );
    return pattern;
  });
}

function validateLimits(v: Validator, value: JsonValue | undefined, path: string): ZoneSetLimits {
  const raw = value === undefined ? {} : v.object(value, path, Object.keys(LIMITS));
  const int = (key: keyof ZoneSetLimits, min: number, max: number): number =>
    v.integerIn(raw[key], `${path}.${key}`, LIMITS[key], min, max);
  return {
    zoneBytes: int('zoneBytes', 1024, 2 ** 40),
    filesPerPush: int('filesPerPush', 1, 10_000_000),
    recordsPerZone: int('recordsPerZone', 1, 1_000_000_000),
    generateRange: int('generateRange', 0, 100_000_000),
    checkerMemoryMB: int('checkerMemoryMB', 64, 1_048_576),
    checkerCpuSeconds: int('checkerCpuSeconds', 1, 86_400),
    checkerConcurrency: int('checkerConcurrency', 1, 64),
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
