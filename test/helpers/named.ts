// A real BIND named on free loopback ports, run in the foreground (-g) from a temp dir with its own
// named.conf and its own rndc key, so tests can watch what a secondary really serves after a zone-set
// promote. Nothing system-wide is read for config or written: /etc/bind is not used (only the
// built-in trust anchors file is read, as named always does) and port 53 is never bound.
//
// Views are chosen by the query's SOURCE address (match-clients), not its destination: named only
// listens on addresses that are configured on an interface, and a stock lo carries 127.0.0.1 alone,
// so `listen-on { 127.0.0.2; }` silently binds nothing. Any 127.0.0.0/8 address can be a source on
// Linux without configuring it, so view N is selected with `dig -b 127.0.0.<N+1> @127.0.0.1`.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { HANG_GUARD_MS } from './wait.js';

export interface ZoneDecl {
  name: string;
  /** Absolute path of the zone file. */
  file: string;
  view?: string;
}

export interface ViewDecl {
  name: string;
  /** Query source address that selects this view (match-clients); default 127.0.0.<index+1>. */
  client?: string;
}

export interface NamedOptions {
  views?: ViewDecl[];
  zones: ZoneDecl[];
  /** Files of `zone "x" { … };` stanzas that named.conf includes (inside `view`, or at top level); created empty when missing. */
  includeFiles?: { view?: string; path: string }[];
}

export interface RndcResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Named {
  dir: string;
  port: number;
  rndcPort: number;
  /** An rndc.conf that talks to this named: key, default-server 127.0.0.1, default-port rndcPort. */
  rndcConf: string;
  /** ['-c', rndcConf]: what zonegate's config puts in its reload command. */
  rndcArgs: string[];
  rndc(args: string[]): Promise<RndcResult>;
  /** dig's server/port/source arguments that reach `view` (or the only view / no view). */
  digArgs(view?: string): string[];
  /** The SOA serial the view serves; undefined when the server answers without one (REFUSED, SERVFAIL). */
  serial(zone: string, opts?: { view?: string }): Promise<number | undefined>;
  /** Polls serial() until it equals `serial`; fails with what was served and the log tail. */
  waitForSerial(zone: string, serial: number, opts?: { view?: string; timeoutMs?: number }): Promise<void>;
  /** named's stderr (-g) so far. */
  log(): string;
  /** Waits until the log after offset `since` (default 0) matches; returns the match. rndc reload only queues the load. */
  waitForLog(pattern: RegExp, opts?: { since?: number; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

const INSTALL = 'apt-get install -y bind9 bind9-utils bind9-dnsutils';
const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a BIND program; a missing one fails the run (never skips) with the install line. */
export function bindTool(name: string): string {
  const dirs = [...SEARCH, ...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '')];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is missing; this test uses the real BIND programs: ${INSTALL}`);
}

/** A valid small zone: $TTL, SOA, NS ns1.<zone>, ns1 A 127.0.0.1, www A 192.0.2.x (x follows the serial), then `extra` lines. */
export function soaZone(zone: string, serial: number, extra = ''): string {
  if (!Number.isInteger(serial) || serial < 0 || serial > 0xffff_ffff) throw new Error(`bad SOA serial ${String(serial)}`);
  const apex = zone.replace(/\.$/, '');
  return [
    '$TTL 300',
    `@ IN SOA ns1.${apex}. hostmaster.${apex}. ( ${String(serial)} 3600 600 86400 300 )`,
    `@ IN NS ns1.${apex}.`,
    'ns1 IN A 127.0.0.1',
    `www IN A 192.0.2.${String((serial % 250) + 1)}`,
    extra,
    '',
  ].join('\n');
}

// named.conf strings: refuse anything that would need escaping rather than escape it.
function quoted(value: string): string {
  if (/["\\\n\r;{}]/.test(value)) throw new Error(`refusing to put ${JSON.stringify(value)} into named.conf`);
  return `"${value}"`;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

async function udpFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () =>
      socket.close(() => {
        resolve(true);
      }),
    );
  });
}

/** A port free on 127.0.0.1 for TCP (and UDP too when `udp`). */
async function freePort(udp: boolean): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer();
    const port = await listen(server, 0);
    const ok = !udp || (await udpFree(port));
    await close(server);
    if (ok) return port;
  }
  throw new Error('no free loopback port with both TCP and UDP free');
}

function renderConf(
  options: NamedOptions,
  dir: string,
  port: number,
  rndcPort: number,
  secret: string,
  clients: Map<string, string>,
): string {
  const lines: string[] = [
    `key "zonegate-test-rndc" { algorithm hmac-sha256; secret "${secret}"; };`,
    `controls { inet 127.0.0.1 port ${String(rndcPort)} allow { 127.0.0.1; } keys { "zonegate-test-rndc"; }; };`,
    'options {',
    `  directory ${quoted(dir)};`,
    `  listen-on port ${String(port)} { 127.0.0.1; };`,
    '  listen-on-v6 { none; };',
    `  pid-file ${quoted(join(dir, 'named.pid'))};`,
    `  session-keyfile ${quoted(join(dir, 'session.key'))};`,
    `  managed-keys-directory ${quoted(dir)};`,
    `  dump-file ${quoted(join(dir, 'named_dump.db'))};`,
    `  statistics-file ${quoted(join(dir, 'named.stats'))};`,
    '  recursion no;',
    '  dnssec-validation no;',
    '  allow-query { any; };',
    '  allow-transfer { none; };',
    '  notify no;',
    '};',
  ];
  const zone = (z: ZoneDecl): string => `zone ${quoted(z.name)} { type primary; file ${quoted(z.file)}; };`;
  const include = (path: string): string => `include ${quoted(path)};`;
  const includes = options.includeFiles ?? [];
  for (const z of options.zones) {
    if (!z.file.startsWith('/')) throw new Error(`zone ${z.name}: file must be absolute, got ${z.file}`);
    if (z.view !== undefined && !clients.has(z.view)) throw new Error(`zone ${z.name}: unknown view ${z.view}`);
    if (z.view === undefined && clients.size > 0) throw new Error(`zone ${z.name}: with views, every zone needs a view`);
  }
  for (const i of includes) {
    if (i.view !== undefined && !clients.has(i.view)) throw new Error(`include ${i.path}: unknown view ${i.view}`);
  }
  if (clients.size === 0) {
    lines.push(...options.zones.map(zone), ...includes.map((i) => include(i.path)));
  } else {
    lines.push(...includes.filter((i) => i.view === undefined).map((i) => include(i.path)));
    for (const [view, client] of clients) {
      lines.push(`view ${quoted(view)} {`, `  match-clients { ${client}; };`);
      lines.push(...options.zones.filter((z) => z.view === view).map((z) => `  ${zone(z)}`));
      lines.push(...includes.filter((i) => i.view === view).map((i) => `  ${include(i.path)}`));
      lines.push('};');
    }
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// A port taken between freePort() and named's bind: a busy DNS port makes named exit ("creating
// IPv4 interface lo failed; interface ignored", "unable to listen on any configured interfaces"), a
// busy control port only logs "couldn't add command channel …: address in use" and runs on without rndc.
const PORT_TAKEN = /unable to listen on any configured interfaces|couldn't add command channel|address in use/i;

export async function startNamed(options: NamedOptions): Promise<Named> {
  const named = bindTool('named');
  const rndcBin = bindTool('rndc');
  const dig = bindTool('dig');
  bindTool('named-checkzone');

  const clients = new Map<string, string>();
  (options.views ?? []).forEach((v, index) => {
    if (clients.has(v.name)) throw new Error(`view ${v.name} declared twice`);
    const client = v.client ?? `127.0.0.${String(index + 1)}`;
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(client)) throw new Error(`view ${v.name}: client must be a 127/8 address, got ${client}`);
    clients.set(v.name, client);
  });
  for (const i of options.includeFiles ?? []) {
    if (!existsSync(i.path)) writeFileSync(i.path, '');
  }

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'zonegate-named-'));
    try {
      return await launch({ named, rndcBin, dig, dir, options, clients });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      lastError = error instanceof Error ? error : new Error(String(error));
      if (!(lastError as { portTaken?: boolean }).portTaken) throw lastError;
    }
  }
  throw lastError ?? new Error('named did not start');
}

interface LaunchContext {
  named: string;
  rndcBin: string;
  dig: string;
  dir: string;
  options: NamedOptions;
  clients: Map<string, string>;
}

async function launch(ctx: LaunchContext): Promise<Named> {
  const { dir, clients } = ctx;
  const port = await freePort(true);
  let rndcPort = await freePort(false);
  while (rndcPort === port) rndcPort = await freePort(false);
  const secret = randomBytes(32).toString('base64');
  const conf = join(dir, 'named.conf');
  writeFileSync(conf, renderConf(ctx.options, dir, port, rndcPort, secret, clients));
  const rndcConf = join(dir, 'rndc.conf');
  writeFileSync(
    rndcConf,
    [
      `key "zonegate-test-rndc" { algorithm hmac-sha256; secret "${secret}"; };`,
      `options { default-key "zonegate-test-rndc"; default-server 127.0.0.1; default-port ${String(rndcPort)}; };`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  // As root, named keeps uid 0 when -u is not given (it only drops capabilities); -u root would be
  // the same. -g: foreground, log to stderr, ignore any logging statement. -4: no IPv6 sockets.
  const child = spawn(ctx.named, ['-g', '-4', '-c', conf], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  child.stderr.on('data', (chunk: string) => (output += chunk));
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  // A crashed worker must not leave named running on the machine.
  const killOnExit = (): void => {
    if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const kill = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (exited || child.pid === undefined) return;
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, 5000);
    await exit;
    clearTimeout(timer);
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

  const serial = async (zone: string, opts: { view?: string } = {}): Promise<number | undefined> => {
    const result = await execa(ctx.dig, ['+short', '+norecurse', '+time=1', '+tries=1', 'SOA', zone, ...digArgs(opts.view)], {
      reject: false,
      timeout: 10_000,
    });
    // dig exits 0 for REFUSED/SERVFAIL (no SOA printed) and 9 when nothing answered at all.
    if (result.exitCode !== 0) throw new Error(`dig SOA ${zone} failed (${String(result.exitCode)}): ${result.stdout}${result.stderr}`);
    for (const line of result.stdout.split('\n')) {
      const match = /^\S+ \S+ (\d+) \d+ \d+ \d+ \d+$/.exec(line.trim());
      if (match?.[1] !== undefined) return Number(match[1]);
    }
    return undefined;
  };

  const tail = (): string => output.split('\n').slice(-30).join('\n');

  const waitForLog = async (pattern: RegExp, opts: { since?: number; timeoutMs?: number } = {}): Promise<string> => {
    const deadline = Date.now() + (opts.timeoutMs ?? HANG_GUARD_MS);
    for (;;) {
      const match = pattern.exec(output.slice(opts.since ?? 0));
      if (match) return match[0];
      if (Date.now() > deadline) throw new Error(`named log never matched ${String(pattern)}; log tail:\n${tail()}`);
      await sleep(20);
    }
  };

  const waitForSerial = async (zone: string, want: number, opts: { view?: string; timeoutMs?: number } = {}): Promise<void> => {
    const deadline = Date.now() + (opts.timeoutMs ?? HANG_GUARD_MS);
    let seen: number | undefined;
    for (;;) {
      seen = await serial(zone, opts.view === undefined ? {} : { view: opts.view });
      if (seen === want) return;
      if (Date.now() > deadline) {
        throw new Error(`${zone} (view ${opts.view ?? '-'}) serves serial ${String(seen)}, expected ${String(want)}; log tail:\n${tail()}`);
      }
      await sleep(50);
    }
  };

  const rndc = async (args: string[]): Promise<RndcResult> => {
    const result = await execa(ctx.rndcBin, ['-c', rndcConf, ...args], {
      reject: false,
      timeout: 15_000,
    });
    return {
      exitCode: result.exitCode ?? -1,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  };

  // Ready = named logged "running" (all zones loaded, listeners and control channel set up) and a
  // real query on the DNS port gets an answer, whatever its rcode.
  const started = Date.now();
  for (;;) {
    if (exited) {
      await kill();
      const error = new Error(`named exited before it was ready (code ${String(child.exitCode)}):\n${output}`);
      throw Object.assign(error, { portTaken: PORT_TAKEN.test(output) });
    }
    if (PORT_TAKEN.test(output)) {
      await kill();
      throw Object.assign(new Error(`named could not bind its ports:\n${output}`), { portTaken: true });
    }
    if (/\brunning\s*$/m.test(output) && /command channel listening on 127\.0\.0\.1#/.test(output)) {
      const probe = await execa(ctx.dig, ['+norecurse', '+time=1', '+tries=1', 'SOA', '.', ...digArgs([...clients.keys()][0])], {
        reject: false,
        timeout: 5000,
      });
      if (probe.exitCode === 0 && /status: /.test(probe.stdout)) break;
    }
    if (Date.now() - started > HANG_GUARD_MS) {
      await kill();
      throw new Error(`named did not answer within ${String(HANG_GUARD_MS / 1000)} s:\n${output}`);
    }
    await sleep(20);
  }

  return {
    dir,
    port,
    rndcPort,
    rndcConf,
    rndcArgs: ['-c', rndcConf],
    rndc,
    digArgs,
    serial,
    waitForSerial,
    log: () => output,
    waitForLog,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
