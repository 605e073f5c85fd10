// A real BIND named on free loopback ports, run in the foreground (-g) from a temp dir with its own
// named.conf and its own rndc key, so tests can watch what a secondary really serves after a zone-set
// promote. Nothing system-wide is read for config or written: /etc/bind is not used (only the
// built-in trust anchors file is read, as named always does) and port 53 is never bound.
//
// Views are chosen by the query's SOURCE address (match-clients), not its destination: named only
// listens on addresses that are configured on an interface, and a stock lo carries 127.0.0.1 alone,
// so `listen-on { 127.0.0.2; }` silently binds nothing. Any 127.0.0.0/8 address can be a source on
// Linux without configuring it, so view N is selected with `dig -b 127.0.0.<N+1> @127.0.0.1`.

import { HANG_GUARD_MS, until } from './wait.js';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { servedSerials, soaSerial } from './dig.js';
import { renderNamedConf, renderRndcConf, type IncludeDecl, type TsigSecret, type ZoneDecl } from './named-conf.js';
import { fileLog, pipeLog, type NamedLog } from './named-log.js';
import { freePort, PortTakenError, retryOnPortTaken } from './ports.js';
import { processScope, type Scope } from './scope.js';
import { bindTool } from './tools.js';

export type { ZoneDecl } from './named-conf.js';

export interface ViewDecl {
  name: string;
  /** Query source address that selects this view (match-clients); default 127.0.0.<index+1>. */
  client?: string;
  /** A TSIG key that selects this view instead of the address (a query signed with it lands here). */
  key?: TsigSecret;
}

export interface NamedOptions {
  scope?: Scope;
  /** Where the temp dir goes (default the OS temp dir). */
  parent?: string;
  views?: ViewDecl[];
  zones?: ZoneDecl[];
  /** Files of `zone "x" { … };` stanzas that named.conf includes (inside `view`, or at top level); created empty when missing. */
  includeFiles?: IncludeDecl[];
  /** named's output to a file rather than a pipe (many zones: see named-log.ts). */
  logToFile?: boolean;
  /** Own process group, so a Ctrl-C on the terminal reaches only the benchmark, which stops named by pid. */
  detached?: boolean;
  /** This many more DNS ports besides `port` (the fleet benchmark's simulated secondaries); see NamedPlan.extraPorts. */
  extraPorts?: number;
  /** Grows with the number of zones: named logs "running" after loading them all. Default 10 s. */
  readyTimeoutMs?: number;
}

export interface RndcResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface NamedPlan {
  dir: string;
  port: number;
  /** The extra DNS ports asked for (NamedOptions.extraPorts), each serving the same zones as `port`. */
  extraPorts: number[];
  rndcPort: number;
  /** An rndc.conf that talks to this named: key, default-server 127.0.0.1, default-port rndcPort. */
  rndcConf: string;
  start(): Promise<Named>;
}

export interface Named extends Omit<NamedPlan, 'start'> {
  pid: number;
  /** ['-c', rndcConf]: what zonegate's config puts in its reload command. */
  rndcArgs: string[];
  /** The full rndc argv for `args`, e.g. ['reload'] or ['reload', 'z1.example']. */
  rndcArgv(args: readonly string[]): string[];
  rndc(args: string[]): Promise<RndcResult>;
  /** dig's server/port/source arguments that reach `view` (or the only view / no view). */
  digArgs(view?: string): string[];
  /** The SOA serial the view serves; undefined when the server answers without one (REFUSED, SERVFAIL). */
  serial(zone: string, opts?: { view?: string }): Promise<number | undefined>;
  /** Many zones' serials with one dig process (zones that answered with an SOA). */
  serials(zones: readonly string[], view?: string): Promise<Map<string, number>>;
  /** Polls serial() until it equals `serial`; fails with what was served and the log tail. */
  waitForSerial(zone: string, serial: number, opts?: { view?: string; timeoutMs?: number }): Promise<void>;
  /** named's output (-g) so far. */
  log(): string;
  /** named's output, for offsets and tails (and its file when logToFile). */
  output: NamedLog;
  /** Waits until the log after offset `since` (default 0) matches; returns the match. rndc reload only queues the load. */
  waitForLog(pattern: RegExp, opts?: { since?: number; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// A port taken between freePort() and named's bind: a busy DNS port makes named exit ("creating
// IPv4 interface lo failed; interface ignored", "unable to listen on any configured interfaces"), a
// busy control port only logs "couldn't add command channel …: address in use" and runs on without rndc.
const PORT_TAKEN = /unable to listen on any configured interfaces|couldn't add command channel|address in use/i;

function viewClients(views: readonly ViewDecl[]): Map<string, string> {
  const clients = new Map<string, string>();
  views.forEach((v, index) => {
    if (clients.has(v.name)) throw new Error(`view ${v.name} declared twice`);
    const client = v.client ?? `127.0.0.${String(index + 1)}`;
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(client)) throw new Error(`view ${v.name}: client must be a 127/8 address, got ${client}`);
    clients.set(v.name, client);
  });
  return clients;
}

/** Picks the ports and writes named.conf and rndc.conf in a temp dir; start() runs named. */
export async function planNamed(options: NamedOptions = {}): Promise<NamedPlan> {
  for (const tool of ['named', 'rndc', 'dig', 'named-checkzone']) bindTool(tool);
  const scope = options.scope ?? processScope;
  const clients = viewClients(options.views ?? []);
  const includes = options.includeFiles ?? [];
  for (const i of includes) if (!existsSync(i.path)) writeFileSync(i.path, '');
  const dir = scope.tempDir('zonegate-named-', options.parent);
  const port = await freePort({ udp: true });
  const extraPorts: number[] = [];
  for (let i = 0; i < (options.extraPorts ?? 0); i++) extraPorts.push(await freePort({ udp: true, avoid: [port, ...extraPorts] }));
  const rndcPort = await freePort({ avoid: [port, ...extraPorts] });
  const secret = randomBytes(32).toString('base64');
  const conf = join(dir, 'named.conf');
  const viewKeys = new Map((options.views ?? []).flatMap((v) => (v.key === undefined ? [] : [[v.name, v.key] as const])));
  writeFileSync(
    conf,
    renderNamedConf({ dir, port, extraPorts, rndcPort, secret, zones: options.zones ?? [], includes, clients, viewKeys }),
  );
  const rndcConf = join(dir, 'rndc.conf');
  writeFileSync(rndcConf, renderRndcConf(secret, rndcPort), { mode: 0o600 });
  const plan = { dir, port, extraPorts, rndcPort, rndcConf };
  return { ...plan, start: () => launch(scope, options, clients, conf, plan) };
}

export function startNamed(options: NamedOptions = {}): Promise<Named> {
  return retryOnPortTaken(async () => (await planNamed(options)).start(), 3);
}

async function launch(
  scope: Scope,
  options: NamedOptions,
  clients: Map<string, string>,
  conf: string,
  plan: Omit<NamedPlan, 'start'>,
): Promise<Named> {
  const { dir, port } = plan;
  const dig = bindTool('dig');
  const rndcBin = bindTool('rndc');
  const logFile = join(dir, 'named.log');
  const logFd = options.logToFile === true ? openSync(logFile, 'a') : undefined;
  // As root, named keeps uid 0 when -u is not given (it only drops capabilities); -u root would be
  // the same. -g: foreground, log to stderr, ignore any logging statement. -4: no IPv6 sockets.
  const child = scope.spawn(bindTool('named'), ['-g', '-4', '-c', conf], {
    cwd: dir,
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
    detached: options.detached === true,
  });
  if (logFd !== undefined) closeSync(logFd);
  const output = logFd === undefined ? pipeLog([child.stdout, child.stderr]) : fileLog(logFile);
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    await scope.stop(child, 10_000);
    scope.removeDir(dir);
  };

  const sourceFor = (view?: string): string => {
    if (clients.size === 0) {
      if (view !== undefined) throw new Error(`this named has no views, asked for view ${view}`);
      return '127.0.0.1';
    }
    if (view === undefined) {
      const only = clients.size === 1 ? [...clients.values()][0] : undefined;
      if (only === undefined) throw new Error(`this named has views ${[...clients.keys()].join(', ')}: say which`);
      return only;
    }
    const client = clients.get(view);
    if (client === undefined) throw new Error(`unknown view ${view}`);
    return client;
  };
  const digArgs = (view?: string): string[] => ['@127.0.0.1', '-p', String(port), '-b', sourceFor(view)];
  const serial = (zone: string, opts: { view?: string } = {}): Promise<number | undefined> => soaSerial(dig, zone, digArgs(opts.view));
  const tail = (): string => output.tail(8000).split('\n').slice(-30).join('\n');

  // Both wait on named's own events (a log line, an answer) through the lab's one polling helper;
  // a hang fails with named's log tail, which is what explains it.
  const withTail = (error: unknown): never => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; log tail:\n${tail()}`);
  };

  const waitForLog = async (pattern: RegExp, opts: { since?: number; timeoutMs?: number } = {}): Promise<string> => {
    const found: { match?: string } = {};
    const matched = (): boolean => {
      const match = pattern.exec(output.since(opts.since ?? 0));
      if (match) found.match = match[0];
      return match !== null;
    };
    await until(matched, `named's log to match ${String(pattern)}`, opts.timeoutMs).catch(withTail);
    return found.match ?? '';
  };

  const waitForSerial = async (zone: string, want: number, opts: { view?: string; timeoutMs?: number } = {}): Promise<void> => {
    const seen: { serial?: number | undefined } = {};
    const serves = async (): Promise<boolean> => {
      seen.serial = await serial(zone, opts.view === undefined ? {} : { view: opts.view });
      return seen.serial === want;
    };
    await until(serves, `${zone} (view ${opts.view ?? '-'}) to serve serial ${String(want)}`, opts.timeoutMs).catch((error: unknown) =>
      withTail(new Error(`${error instanceof Error ? error.message : String(error)} (it serves ${String(seen.serial)})`)),
    );
  };

  const rndcArgv = (args: readonly string[]): string[] => [rndcBin, '-c', plan.rndcConf, ...args];
  const rndc = async (args: string[]): Promise<RndcResult> => {
    const result = await execa(rndcBin, ['-c', plan.rndcConf, ...args], { reject: false, timeout: 15_000 });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  // Ready = named logged "running" (all zones loaded, listeners and control channel set up) and a
  // real query on the DNS port gets an answer, whatever its rcode.
  const started = Date.now();
  const readyTimeoutMs = options.readyTimeoutMs ?? HANG_GUARD_MS;
  let scanned = 0;
  let channel = false;
  for (;;) {
    const size = output.size();
    channel ||= /command channel listening on 127\.0\.0\.1#/.test(output.since(scanned));
    scanned = Math.max(0, size - 200); // a line may have been half written
    const log = output.tail();
    if (exited || PORT_TAKEN.test(log)) {
      await stop();
      const message = `named ${exited ? `exited before it was ready (code ${String(child.exitCode)})` : 'could not bind its ports'}:\n${log}`;
      throw PORT_TAKEN.test(log) ? new PortTakenError(message) : new Error(message);
    }
    if (channel && /\brunning\s*$/m.test(log)) {
      const probe = await execa(dig, ['+norecurse', '+time=1', '+tries=1', 'SOA', '.', ...digArgs([...clients.keys()][0])], {
        reject: false,
        timeout: 5000,
      });
      if (probe.exitCode === 0 && /status: /.test(probe.stdout)) break;
    }
    if (Date.now() - started > readyTimeoutMs) {
      await stop();
      throw new Error(`named did not answer within ${String(readyTimeoutMs)} ms:\n${log}`);
    }
    await sleep(20);
  }

  return {
    ...plan,
    pid: child.pid ?? 0,
    rndcArgs: ['-c', plan.rndcConf],
    rndcArgv,
    rndc,
    digArgs,
    serial,
    serials: (zones, view) => servedSerials(dig, port, sourceFor(view), zones),
    waitForSerial,
    log: () => output.text(),
    output,
    waitForLog,
    stop,
  };
}
