// The `targets` section: the secondaries a primary pushes to.

import { childPath, type JsonValue } from '../jsonc.js';
import { PUSH_RSYNC_OPTIONS } from './defaults.js';
import { KEY_NAME_PATTERN, type Target, type TargetVerify } from './types.js';
import type { Validator } from './validator.js';
import { validateHorizon } from './signature-horizon.js';

const KNOWN = [
  'host',
  'port',
  'user',
  'identity',
  'knownHosts',
  'source',
  'destination',
  'delete',
  'zoneFile',
  'rsyncOptions',
  'timeoutSeconds',
  'retries',
  'signatureHorizon',
  'verify',
] as const;

const HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

export function validateTarget(v: Validator, name: string, raw: JsonValue, path: string): Target {
  if (!KEY_NAME_PATTERN.test(name))
    v.fail(path, 'target names are 1–64 letters, digits, dot, underscore or dash, starting with a letter or digit');
  const target = v.object(raw, path, KNOWN);
  const host = v.string(target['host'], `${path}.host`);
  if (!HOST.test(host)) v.fail(`${path}.host`, 'must be a host name or IP address (letters, digits, . : -)');
  const port = target['port'] ?? 22;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    v.fail(`${path}.port`, 'must be a port number 1–65535');
  const user = v.string(target['user'], `${path}.user`);
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/.test(user)) v.fail(`${path}.user`, 'must be a plain login name (a-z, 0-9, _ . -)');
  const destination = v.string(target['destination'], `${path}.destination`);
  if (!/^[A-Za-z0-9._+@%=:,/-]+$/.test(destination) || destination.split('/').includes('..')) {
    v.fail(`${path}.destination`, 'must be a path of letters, digits and ._+@%=:,/- without ..');
  }
  return {
    name,
    host,
    port,
    user,
    identity: v.absolutePath(target['identity'], `${path}.identity`),
    knownHosts: v.absolutePath(target['knownHosts'], `${path}.knownHosts`),
    source: v.absolutePath(target['source'], `${path}.source`),
    destination,
    delete: v.boolean(target['delete'], `${path}.delete`, false),
    zoneFile: target['zoneFile'] === undefined ? undefined : v.zoneFilePattern(target['zoneFile'], `${path}.zoneFile`),
    rsyncOptions: validateRsyncOptions(v, target['rsyncOptions'], `${path}.rsyncOptions`),
    timeoutSeconds: v.integerIn(target['timeoutSeconds'], `${path}.timeoutSeconds`, 300, 1, 86400),
    retries: v.integerIn(target['retries'], `${path}.retries`, 2, 0, 10),
    signatureHorizon: validateHorizon(v, target['signatureHorizon'], `${path}.signatureHorizon`),
    verify: validateTargetVerify(v, target['verify'], `${path}.verify`, host),
  };
}

/** `verify`: what `zonegate status --fleet` asks; false leaves the target out of the fleet view. */
function validateTargetVerify(v: Validator, value: JsonValue | undefined, path: string, host: string): TargetVerify | false {
  if (value === false) return false;
  const raw = value === undefined ? {} : v.object(value, path, ['server', 'port', 'source', 'tsigKeyFile', 'timeoutSeconds']);
  const server = raw['server'] === undefined ? host : v.string(raw['server'], `${path}.server`);
  if (!HOST.test(server)) v.fail(`${path}.server`, 'must be a host name or IP address (letters, digits, . : -)');
  return {
    server,
    port: v.integerIn(raw['port'], `${path}.port`, 53, 1, 65535),
    source: raw['source'] === undefined ? undefined : v.ipAddress(raw['source'], `${path}.source`),
    tsigKeyFile: raw['tsigKeyFile'] === undefined ? undefined : v.absolutePath(raw['tsigKeyFile'], `${path}.tsigKeyFile`),
    timeoutSeconds: v.integerIn(raw['timeoutSeconds'], `${path}.timeoutSeconds`, 2, 1, 60),
  };
}

function validateRsyncOptions(v: Validator, value: JsonValue | undefined, path: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) v.fail(path, 'must be a list of rsync options, e.g. ["--bwlimit=500"]');
  return value.map((item, index) => {
    const option = v.string(item, childPath(path, index));
    // --inplace/--append would write into the secondary's live inode and the gate refuses them;
    // -e/--rsh or --rsync-path would bypass the pinned ssh options: only a small allowlist passes.
    if (!PUSH_RSYNC_OPTIONS.some((pattern) => pattern.test(option))) {
      v.fail(
        childPath(path, index),
        `rsync option ${JSON.stringify(option)} is not allowed (allowed: --bwlimit=N, --timeout=N, --checksum, --compress, --delay-updates, --exclude=GLOB, --chmod=MODES)`,
      );
    }
    return option;
  });
}
