// The policy: the one config file that the gate and the admin CLI share. loadPolicy() reads it once,
// in an entry point; validatePolicy() copies only known fields and throws a ConfigError that names
// the file, the line and column, and the JSON path of what is wrong.

import { readFileSync, fstatSync, openSync, closeSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { childPath, JsoncSyntaxError, parseJsonc, type JsonValue, type Position } from './jsonc.js';
import { validateAddressList } from './addresses.js';
import { validatePublicKey } from './public-key.js';

export const DEFAULT_CONFIG_PATH = '/etc/zonegate/zonegate.conf';

export type Direction = 'upload' | 'download';
export type SandboxMode = 'required' | 'auto' | 'off';

/** One allow rule of a key: which way, under which root, which trees, deletes or not. */
export interface Rule {
  /** upload = the client sends and the secondary receives; download = the client receives. */
  direction: Direction;
  /** Absolute directory that confines everything the rule allows (rsync's cwd and sandbox). */
  root: string;
  /** picomatch patterns, relative to root, naming the trees the client may touch. */
  paths: string[];
  /** Whether --delete*, --remove-source-files and friends are allowed. */
  delete: boolean;
  /** When set, the root is a zone set: uploads are received into a spare tree, validated and promoted (gate/zoneset/). */
  zoneSet?: ZoneSetSettings;
}

/** How a zone set's uploads are validated, promoted and reloaded (DESIGN §2). */
export interface ZoneSetSettings {
  /** Name used by `zonegate rollback/releases` and in logs; defaults to the root's last component. */
  name: string;
  /** File-name pattern with one {zone} placeholder, e.g. "db.{zone}" or "{zone}.zone". */
  zoneFile: string;
  /** BIND view the zones are in, for `rndc reload ZONE IN VIEW`. */
  view: string | undefined;
  /** Zone checker command (argv prefix); the zone name and file are appended. Empty: no check. */
  checker: string[];
  /** Reload command (argv prefix): ["/usr/sbin/rndc", …] gets `reload ZONE [IN VIEW]`/`reconfig`; empty: no reload. */
  rndc: string[];
  /** Where to ask for the served serial after a reload; undefined: no verification. */
  verify: { server: string; port: number; source: string | undefined; timeoutSeconds: number } | undefined;
  /** How many previous releases to keep for rollback. */
  keep: number;
  /** Largest share (0–1) of the zones one push may delete. */
  maxDeleteShare: number;
  /** How long a push waits for another push to the same zone set before it is refused as busy. */
  lockWaitSeconds: number;
}

export interface KeyPolicy {
  name: string;
  /** The whole public key line: type, base64 body, optional comment. */
  publicKey: string;
  /** Client addresses and CIDRs allowed (rendered as from=, re-checked by the gate). */
  from: string[];
  /** Optional expiry as YYYYMMDD or YYYYMMDDHHMM[SS], rendered as expiry-time=. */
  expiry?: string;
  rules: Rule[];
}

export interface GateSettings {
  rsync: string;
  bwrap: string;
  log: string;
  sandbox: SandboxMode;
}

/** A secondary that this host (a primary) pushes to. */
export interface Target {
  name: string;
  host: string;
  port: number;
  user: string;
  /** Private key file for this primary→secondary pair. */
  identity: string;
  /** known_hosts file holding the target's pinned host key. */
  knownHosts: string;
  /** Local directory whose contents are pushed. */
  source: string;
  /** Remote destination path, as the gate's rule on the target expects it. */
  destination: string;
  /** Whether files gone from the source are deleted on the target (the rule must allow it). */
  delete: boolean;
  /** Zone file name pattern ("db.{zone}"): when set, changed zones are checked locally before sending. */
  zoneFile?: string | undefined;
  /** Extra rsync options, each from PUSH_RSYNC_OPTIONS (e.g. "--bwlimit=500"). */
  rsyncOptions?: string[];
  /** Overall limit for one attempt (ssh + rsync + the gate's validation); the process tree is killed after it. */
  timeoutSeconds?: number;
  /** Extra attempts after a transient failure (ssh connection lost, zone set busy, rsync timeout). */
  retries?: number;
}

/** The push runner's settings (`zonegate push`, DESIGN §4); every field has a default. */
export interface PushSettings {
  /** Status file, validation manifests and the lock live here. */
  stateDir: string;
  /** One log per run, aged out by count and age. */
  logDir: string;
  /** Lock file taken with flock(1) -n; defaults to <stateDir>/push.lock. */
  lockFile: string | undefined;
  concurrency: number;
  keepLogs: number;
  keepLogDays: number;
  /** Local zone checker (argv prefix); zone name and file are appended. Empty: serials only. */
  checker: string[];
  /** Backoff before retry n (seconds; the last value repeats), jittered by up to +25 %. */
  backoffSeconds: number[];
  /** Command run on failure and on a repeated skip (argv; outcome in ZONEGATE_* variables and on stdin). */
  hook: string[];
  /** healthchecks-style URL: <url>/start, <url> on success, <url>/fail on failure. */
  pingUrl: string | undefined;
  /** Mail the run log here on failure (sendmail -t). */
  mailTo: string | undefined;
  sendmail: string;
  /** Alert once this many runs in a row were skipped because the previous one still held the lock. */
  skipAlertAfter: number;
}

/** rsync options a target may add; everything else is refused (the gate refuses more anyway). */
export const PUSH_RSYNC_OPTIONS: readonly RegExp[] = [
  /^--bwlimit=\d+[kKmM]?$/,
  /^--timeout=\d+$/,
  /^--contimeout=\d+$/,
  /^--checksum$/,
  /^--compress$/,
  /^--delay-updates$/,
  /^--exclude=[A-Za-z0-9._*?{}\[\]-]+$/,
  /^--chmod=[ugoaDF=+,rwxX0-7-]+$/,
];

export const PUSH_DEFAULTS: PushSettings = {
  stateDir: '/var/lib/zonegate',
  logDir: '/var/log/zonegate/push',
  lockFile: undefined,
  concurrency: 4,
  keepLogs: 30,
  keepLogDays: 30,
  checker: ['/usr/bin/named-checkzone', '-k', 'fail', '-i', 'local'],
  backoffSeconds: [5, 15],
  hook: [],
  pingUrl: undefined,
  mailTo: undefined,
  sendmail: '/usr/sbin/sendmail',
  skipAlertAfter: 3,
};

export interface Policy {
  /** The file it was read from, for messages. */
  source: string;
  gate: GateSettings;
  keys: Map<string, KeyPolicy>;
  targets: Map<string, Target>;
  /** The push runner's settings; validatePolicy always fills it (PUSH_DEFAULTS). */
  push?: PushSettings;
}

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Characters allowed in paths that end up inside command="…" or in argv we build: refuse, never escape. */
export const SAFE_PATH_PATTERN = /^\/[A-Za-z0-9._+@%=:,/-]*$/;

const GATE_DEFAULTS: GateSettings = {
  rsync: '/usr/bin/rsync',
  bwrap: '/usr/bin/bwrap',
  log: '/var/log/zonegate/gate.log',
  sandbox: 'auto',
};

/** Reads and validates the policy file, refusing one that others could have written. */
export function loadPolicy(file: string): Policy {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError('config-unreadable', `${file}: not a regular file`);
    // A config writable by others lets them grant themselves access: refuse it, like sshd does.
    if ((stat.mode & 0o022) !== 0) {
      throw new ConfigError(
        'config-unsafe',
        `${file}: writable by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod go-w it`,
      );
    }
    const uid = process.getuid?.() ?? 0;
    if (stat.uid !== 0 && stat.uid !== uid) {
      throw new ConfigError('config-unsafe', `${file}: owned by uid ${String(stat.uid)}, not root or the running user`);
    }
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'config-missing' : 'config-unreadable';
    throw new ConfigError(reason, `${file}: cannot read config (${code})`, { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parsePolicy(text, file);
}

/** Parses policy text; `source` only labels messages. */
export function parsePolicy(text: string, source: string): Policy {
  let parsed;
  try {
    parsed = parseJsonc(text);
  } catch (error) {
    if (error instanceof JsoncSyntaxError) {
      throw new ConfigError('config-syntax', `${source}:${where(error.position)}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return validatePolicy(parsed.value, source, parsed.positions);
}

class Validator {
  constructor(
    private readonly source: string,
    private readonly positions: Map<string, Position>,
  ) {}

  fail(path: string, message: string): never {
    const position = this.positions.get(path);
    const prefix = position ? `${this.source}:${where(position)}` : this.source;
    throw new ConfigError('config-invalid', `${prefix}: ${path === '' ? '(top level)' : path}: ${message}`, { details: { path } });
  }

  object(value: JsonValue | undefined, path: string, known: readonly string[]): Record<string, JsonValue> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(childPath(path, key), `unknown setting (known here: ${known.join(', ')})`);
    }
    return value;
  }

  /** An object whose property names are chosen by the admin (key names, target names). */
  map(value: JsonValue | undefined, path: string): Record<string, JsonValue> {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be an object');
    return value;
  }

  string(value: JsonValue | undefined, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  boolean(value: JsonValue | undefined, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }

  stringList(value: JsonValue | undefined, path: string): string[] {
    if (!Array.isArray(value) || value.length === 0) this.fail(path, 'must be a non-empty list of strings');
    return value.map((item, index) => this.string(item, childPath(path, index)));
  }

  absolutePath(value: JsonValue | undefined, path: string, fallback?: string): string {
    if (value === undefined && fallback !== undefined) return fallback;
    const text = this.string(value, path);
    if (!SAFE_PATH_PATTERN.test(text))
      this.fail(path, `must be an absolute path of letters, digits and ._+@%=:,/- only: ${JSON.stringify(text)}`);
    if (
      text !== '/' &&
      (text.endsWith('/') || text.split('/').some((part, i) => i > 0 && (part === '' || part === '.' || part === '..')))
    ) {
      this.fail(path, `must be a normalized absolute path (no trailing /, //, . or ..): ${JSON.stringify(text)}`);
    }
    return text;
  }

  oneOf<T extends string>(value: JsonValue | undefined, path: string, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
      this.fail(path, `must be one of ${choices.join(', ')}`);
    return value as T;
  }
}

export function validatePolicy(value: JsonValue, source: string, positions: Map<string, Position> = new Map()): Policy {
  const v = new Validator(source, positions);
  const top = v.object(value, '', ['$schema', 'gate', 'keys', 'targets', 'push']);
  // "$schema" only tells an editor where schema/zonegate.schema.json is; zonegate ignores it.
  if (top['$schema'] !== undefined) v.string(top['$schema'], '$schema');
  const gateRaw = top['gate'] === undefined ? {} : v.object(top['gate'], 'gate', ['rsync', 'bwrap', 'log', 'sandbox']);
  const gate: GateSettings = {
    rsync: v.absolutePath(gateRaw['rsync'], 'gate.rsync', GATE_DEFAULTS.rsync),
    bwrap: v.absolutePath(gateRaw['bwrap'], 'gate.bwrap', GATE_DEFAULTS.bwrap),
    log: v.absolutePath(gateRaw['log'], 'gate.log', GATE_DEFAULTS.log),
    sandbox: v.oneOf(gateRaw['sandbox'], 'gate.sandbox', ['required', 'auto', 'off'] as const, GATE_DEFAULTS.sandbox),
  };
  const keys = new Map<string, KeyPolicy>();
  const keysRaw = v.map(top['keys'], 'keys');
  for (const [name, raw] of Object.entries(keysRaw)) {
    keys.set(name, validateKey(v, name, raw));
  }
  const targets = new Map<string, Target>();
  const targetsRaw = v.map(top['targets'], 'targets');
  for (const [name, raw] of Object.entries(targetsRaw)) {
    targets.set(name, validateTarget(v, name, raw));
  }
  return { source, gate, keys, targets, push: validatePush(v, top['push']) };
}

function validatePush(v: Validator, raw: JsonValue | undefined): PushSettings {
  if (raw === undefined) return PUSH_DEFAULTS;
  const known = [
    'stateDir',
    'logDir',
    'lockFile',
    'concurrency',
    'keepLogs',
    'keepLogDays',
    'checker',
    'backoffSeconds',
    'hook',
    'pingUrl',
    'mailTo',
    'sendmail',
    'skipAlertAfter',
  ] as const;
  const push = v.object(raw, 'push', known);
  const d = PUSH_DEFAULTS;
  const backoffRaw = push['backoffSeconds'];
  let backoffSeconds = d.backoffSeconds;
  if (backoffRaw !== undefined) {
    if (!Array.isArray(backoffRaw) || backoffRaw.length === 0)
      v.fail('push.backoffSeconds', 'must be a non-empty list of seconds, e.g. [5, 15]');
    backoffSeconds = backoffRaw.map((item, index) => integerIn(v, item, childPath('push.backoffSeconds', index), 0, 0, 3600));
  }
  const pingUrl = push['pingUrl'] === undefined ? undefined : v.string(push['pingUrl'], 'push.pingUrl');
  if (pingUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(pingUrl)) v.fail('push.pingUrl', 'must be an http:// or https:// URL');
  const mailTo = push['mailTo'] === undefined ? undefined : v.string(push['mailTo'], 'push.mailTo');
  if (mailTo !== undefined && !/^[A-Za-z0-9._+-]+(@[A-Za-z0-9.-]+)?$/.test(mailTo))
    v.fail('push.mailTo', 'must be one mail address (user or user@host)');
  return {
    stateDir: v.absolutePath(push['stateDir'], 'push.stateDir', d.stateDir),
    logDir: v.absolutePath(push['logDir'], 'push.logDir', d.logDir),
    lockFile: push['lockFile'] === undefined ? undefined : v.absolutePath(push['lockFile'], 'push.lockFile'),
    concurrency: integerIn(v, push['concurrency'], 'push.concurrency', d.concurrency, 1, 64),
    keepLogs: integerIn(v, push['keepLogs'], 'push.keepLogs', d.keepLogs, 1, 100000),
    keepLogDays: integerIn(v, push['keepLogDays'], 'push.keepLogDays', d.keepLogDays, 1, 3650),
    checker: commandList(v, push['checker'], 'push.checker', d.checker),
    backoffSeconds,
    hook: commandList(v, push['hook'], 'push.hook', d.hook),
    pingUrl,
    mailTo,
    sendmail: v.absolutePath(push['sendmail'], 'push.sendmail', d.sendmail),
    skipAlertAfter: integerIn(v, push['skipAlertAfter'], 'push.skipAlertAfter', d.skipAlertAfter, 1, 1000),
  };
}

function validateTarget(v: Validator, name: string, raw: JsonValue): Target {
  const path = childPath('targets', name);
  if (!KEY_NAME_PATTERN.test(name))
    v.fail(path, 'target names are 1–64 letters, digits, dot, underscore or dash, starting with a letter or digit');
  const known = [
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
  ] as const;
  const target = v.object(raw, path, known);
  const host = v.string(target['host'], `${path}.host`);
  if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(host)) v.fail(`${path}.host`, 'must be a host name or IP address (letters, digits, . : -)');
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
    zoneFile: validateTargetZoneFile(v, target['zoneFile'], `${path}.zoneFile`),
    rsyncOptions: validateRsyncOptions(v, target['rsyncOptions'], `${path}.rsyncOptions`),
    timeoutSeconds: integerIn(v, target['timeoutSeconds'], `${path}.timeoutSeconds`, 300, 1, 86400),
    retries: integerIn(v, target['retries'], `${path}.retries`, 2, 0, 10),
  };
}

function validateTargetZoneFile(v: Validator, value: JsonValue | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  const zoneFile = v.string(value, path);
  if (zoneFile.split('{zone}').length !== 2 || zoneFile.includes('/') || !/^[A-Za-z0-9._{}-]+$/.test(zoneFile)) {
    v.fail(path, 'must be a file name with exactly one {zone} placeholder, e.g. "db.{zone}"');
  }
  return zoneFile;
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
        `rsync option ${JSON.stringify(option)} is not allowed (allowed: --bwlimit=N, --timeout=N, --contimeout=N, --checksum, --compress, --delay-updates, --exclude=GLOB, --chmod=MODES)`,
      );
    }
    return option;
  });
}

function validateKey(v: Validator, name: string, raw: JsonValue): KeyPolicy {
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
    if (!/^\d{8}(\d{4}(\d{2})?)?$/.test(expiry))
      v.fail(`${path}.expiry`, 'must be YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS (as sshd expiry-time= takes it)');
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

const DEFAULT_CHECKER = ['/usr/bin/named-checkzone', '-k', 'fail', '-m', 'fail', '-M', 'fail', '-S', 'fail', '-n', 'fail', '-i', 'local'];

function validateZoneSet(v: Validator, raw: JsonValue, path: string, root: string): ZoneSetSettings {
  const known = ['name', 'zoneFile', 'view', 'checker', 'rndc', 'verify', 'keep', 'maxDeleteShare', 'lockWaitSeconds'] as const;
  const set = v.object(raw, path, known);
  const name = set['name'] === undefined ? (root.split('/').pop() ?? '') : v.string(set['name'], `${path}.name`);
  if (!KEY_NAME_PATTERN.test(name)) v.fail(`${path}.name`, 'zone set names are 1–64 letters, digits, dot, underscore or dash');
  const zoneFile = set['zoneFile'] === undefined ? 'db.{zone}' : v.string(set['zoneFile'], `${path}.zoneFile`);
  if (zoneFile.split('{zone}').length !== 2 || zoneFile.includes('/') || !/^[A-Za-z0-9._{}-]+$/.test(zoneFile)) {
    v.fail(`${path}.zoneFile`, 'must be a file name with exactly one {zone} placeholder, e.g. "db.{zone}"');
  }
  const view = set['view'] === undefined ? undefined : v.string(set['view'], `${path}.view`);
  if (view !== undefined && !/^[A-Za-z0-9._-]+$/.test(view)) v.fail(`${path}.view`, 'must be a plain view name');
  return {
    name,
    zoneFile,
    view,
    checker: commandList(v, set['checker'], `${path}.checker`, DEFAULT_CHECKER),
    rndc: commandList(v, set['rndc'], `${path}.rndc`, ['/usr/sbin/rndc']),
    verify: validateVerify(v, set['verify'], `${path}.verify`),
    keep: integerIn(v, set['keep'], `${path}.keep`, 5, 1, 1000),
    maxDeleteShare: numberIn(v, set['maxDeleteShare'], `${path}.maxDeleteShare`, 0.5, 0, 1),
    lockWaitSeconds: integerIn(v, set['lockWaitSeconds'], `${path}.lockWaitSeconds`, 60, 0, 3600),
  };
}

/** A command as an argv list whose first word is absolute; `false` or [] switches the step off. */
function commandList(v: Validator, value: JsonValue | undefined, path: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (value === false) return [];
  if (!Array.isArray(value)) v.fail(path, 'must be a command as a list of words (first an absolute path), or false');
  const words = value.map((item, index) => v.string(item, childPath(path, index)));
  if (words.length > 0) v.absolutePath(words[0], childPath(path, 0));
  return words;
}

function validateVerify(v: Validator, value: JsonValue | undefined, path: string): ZoneSetSettings['verify'] {
  if (value === false) return undefined;
  const raw = value === undefined ? {} : v.object(value, path, ['server', 'port', 'source', 'timeoutSeconds']);
  const server = raw['server'] === undefined ? '127.0.0.1' : v.string(raw['server'], `${path}.server`);
  if (!/^[0-9a-fA-F.:]+$/.test(server)) v.fail(`${path}.server`, 'must be an IP address');
  const source = raw['source'] === undefined ? undefined : v.string(raw['source'], `${path}.source`);
  if (source !== undefined && !/^[0-9a-fA-F.:]+$/.test(source)) v.fail(`${path}.source`, 'must be an IP address');
  return {
    server,
    port: integerIn(v, raw['port'], `${path}.port`, 53, 1, 65535),
    source,
    timeoutSeconds: integerIn(v, raw['timeoutSeconds'], `${path}.timeoutSeconds`, 10, 1, 600),
  };
}

function integerIn(v: Validator, value: JsonValue | undefined, path: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    v.fail(path, `must be a whole number from ${String(min)} to ${String(max)}`);
  return value;
}

function numberIn(v: Validator, value: JsonValue | undefined, path: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || value < min || value > max) v.fail(path, `must be a number from ${String(min)} to ${String(max)}`);
  return value;
}

function patternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('/')) return `patterns are relative to the rule's root, without a leading /: ${JSON.stringify(pattern)}`;
  if (pattern.split('/').some((part) => part === '..' || part === ''))
    return `patterns must not contain .. or empty segments: ${JSON.stringify(pattern)}`;
  if (/[\0-\x1f\x7f]/.test(pattern)) return 'patterns must not contain control characters';
  return undefined;
}

function where(position: Position): string {
  return `${String(position.line)}:${String(position.column)}`;
}
