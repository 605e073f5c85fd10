// The policy's types: what the gate and the admin CLI read from the one config file. Validation
// lives beside this file, one module per section (gate, keys, zone sets, targets, push).

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
  /** When set, the root is a zone set: uploads are received into a spare tree, validated and promoted (src/zoneset/). */
  zoneSet?: ZoneSetSettings;
}

/** The DNS server that serves a zone set; each has an adapter in src/zoneset/servers/. */
export type ZoneServer = 'bind' | 'nsd' | 'knot';
export const ZONE_SERVERS: readonly ZoneServer[] = ['bind', 'nsd', 'knot'];

/** How a zone set's uploads are validated, promoted and reloaded (docs/architecture.md, "The data path of a push"). */
export interface ZoneSetSettings {
  /** Name used by `zonegate rollback/releases` and in logs; defaults to the root's last component. */
  name: string;
  /** File-name pattern with one {zone} placeholder, e.g. "db.{zone}" or "{zone}.zone". */
  zoneFile: string;
  /** Which server serves the zones: its checker, zone list and control commands (default bind). */
  server: ZoneServer;
  /** BIND view the zones are in, for `rndc reload ZONE IN VIEW` (BIND only: refused with nsd and knot). */
  view: string | undefined;
  /** Zone checker command (argv prefix); the zone name and file are appended. Empty: no check. */
  checker: string[];
  /**
   * The server's control program (argv prefix; config `control`, or `rndc` for BIND): rndc gets
   * `reload ZONE [IN VIEW]`/`reconfig`, nsd-control `reload ZONE`/`reconfig`, knotc
   * `zone-reload ZONE…`/`reload`. Empty: no reload.
   */
  control: string[];
  /** Where to ask for the served serial after a reload; undefined: no verification. */
  verify: { server: string; port: number; source: string | undefined; timeoutSeconds: number } | undefined;
  /** How many previous releases to keep for rollback. */
  keep: number;
  /** Largest share (0–1) of the zones one push may delete. */
  maxDeleteShare: number;
  /** How long a push waits for another push to the same zone set before it is refused as busy. */
  lockWaitSeconds: number;
  /** Owner, group (unset: the gate's account) and mode every live zone file gets, whatever the client sent. */
  files: { owner: string | undefined; group: string | undefined; mode: number };
  /**
   * The zones this set may hold, lower case: names ("example.com") and suffix patterns
   * ("*.example.net": names below example.net, never example.net itself). Required.
   */
  zones: string[];
  /** What one push may cost (cost limits, DESIGN §2b). */
  limits: ZoneSetLimits;
  /** Wall-clock limit on the rsync phase of a push; rsync is killed and the push refused after it. */
  transferTimeoutSeconds: number;
  /** Seconds every RRSIG of a signed zone must stay valid after the push (dnssec-guard.ts). */
  signatureHorizon: number;
}

/** Cost limits of a zone set; each has a default (ZONESET_LIMIT_DEFAULTS). */
export interface ZoneSetLimits {
  /** Largest zone file, in bytes (also the server-side rsync's --max-size). */
  zoneBytes: number;
  /** Most files one push may write or delete. */
  filesPerPush: number;
  /** Most records one zone may have, $GENERATE ranges counted in full. */
  recordsPerZone: number;
  /** Largest range one $GENERATE may have; 0 refuses $GENERATE like $INCLUDE. */
  generateRange: number;
  /** Address-space limit of every checker process (RLIMIT_AS), in MiB. */
  checkerMemoryMB: number;
  /** CPU-time limit of every checker process (RLIMIT_CPU), in seconds. */
  checkerCpuSeconds: number;
  /** How many checkers one push runs at once. */
  checkerConcurrency: number;
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
  /** Root-owned directory for the gate's caches (the rsync-capabilities probe); never inside a rule's root. */
  stateDir: string;
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
  /** Seconds every RRSIG of a changed signed zone must stay valid, checked before sending (with zoneFile). */
  signatureHorizon?: number;
  /**
   * How `zonegate status --fleet` asks this target over DNS what it serves; false: not asked.
   * Unset (hand-built targets): the default, the target's host on port 53.
   */
  verify?: TargetVerify | false;
}

/** Where and how the fleet view asks a target for the SOA serials it serves (one view per target). */
export interface TargetVerify {
  /** Address or host name of the secondary's DNS server (default: the target's host). */
  server: string;
  port: number;
  /** Query source address, to land in the right view (match-clients on the address). */
  source: string | undefined;
  /** A named-style `key "NAME" { algorithm hmac-sha256; secret "…"; };` file: every query is TSIG-signed with it (views matched on a key). */
  tsigKeyFile: string | undefined;
  /** How long one query waits for its answer (it is tried twice). */
  timeoutSeconds: number;
}

/** The push runner's settings (`zonegate push`, docs/push.md); every field has a default. */
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
  /** File-name globs never pushed nor validated (editor and backup files); rsync --exclude each. */
  skipPatterns: string[];
}

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
