// A throwaway BIND named for benchmarks (plain JS, node:* imports only): foreground (-g), IPv4 only,
// its own named.conf, rndc key and control port in a temp dir, DNS on a free port on 127.0.0.1. The
// zones come from include files (`zone "x" { … };` stanzas), so one named can serve tens of thousands
// of zones without a long named.conf. named's stderr goes to a file, not a pipe: a full reload of
// 50,000 zones logs a line per zone, and a pipe the benchmark is not draining at that moment (it is
// busy in a synchronous step) would stall named and falsify the timings.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, fstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NAMED = '/usr/sbin/named';
export const RNDC = '/usr/sbin/rndc';
export const DIG = '/usr/bin/dig';

import { freePort } from './ports.mjs';

export { freePort };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function quoted(value) {
  if (/["\\\n\r;{}]/.test(value)) throw new Error(`refusing to put ${JSON.stringify(value)} into named.conf`);
  return `"${value}"`;
}

/** The last `bytes` of a file (named's log), as text. */
function tailOf(file, bytes = 64 * 1024) {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Asks for the SOA serial of many zones with one dig process (dig takes several queries on one
 * command line); returns Map zone -> serial for the zones that answered with an SOA.
 */
export function servedSerials({ port, source = '127.0.0.1' }, zones) {
  const args = ['+noall', '+answer', '+norecurse', '+time=2', '+tries=1', '-p', String(port), '-b', source, '@127.0.0.1'];
  for (const zone of zones) args.push(zone, 'SOA');
  return new Promise((resolve, reject) => {
    const child = spawn(DIG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('close', (status) => {
      if (status !== 0 && status !== 9) return reject(new Error(`dig failed (exit ${status}): ${err}${out}`));
      const served = new Map();
      for (const line of out.split('\n')) {
        const words = line.trim().split(/\s+/);
        if (words[3] === 'SOA' && words.length >= 7) served.set(words[0].replace(/\.$/, '').toLowerCase(), Number(words[6]));
      }
      resolve(served);
    });
  });
}

/**
 * Starts named with `includes` (absolute paths of zone-stanza files, created empty when missing).
 * `readyTimeoutMs` should grow with the number of zones: named logs "running" after loading them all.
 * onSpawn(pid) and onExit(pid) let the caller track the process for its own cleanup.
 */
export async function startNamed({ dir, includes, readyTimeoutMs = 60_000, onSpawn = () => {}, onExit = () => {} }) {
  mkdirSync(dir, { recursive: true });
  for (const file of includes) if (!existsSync(file)) writeFileSync(file, '');
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch({
        dir: join(dir, `run${attempt}`),
        includes,
        readyTimeoutMs,
        onSpawn,
        onExit,
      });
    } catch (error) {
      lastError = error;
      if (!error.portTaken) throw error;
    }
  }
  throw lastError;
}

async function launch({ dir, includes, readyTimeoutMs, onSpawn, onExit }) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort(true);
  const rndcPort = await freePort(false, [port]);
  const secret = randomBytes(32).toString('base64');
  const keyLine = `key "bench-rndc" { algorithm hmac-sha256; secret "${secret}"; };`;
  const conf = join(dir, 'named.conf');
  writeFileSync(
    conf,
    [
      keyLine,
      `controls { inet 127.0.0.1 port ${rndcPort} allow { 127.0.0.1; } keys { "bench-rndc"; }; };`,
      'options {',
      `  directory ${quoted(dir)};`,
      `  listen-on port ${port} { 127.0.0.1; };`,
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
      ...includes.map((file) => `include ${quoted(file)};`),
      '',
    ].join('\n'),
  );
  const rndcConf = join(dir, 'rndc.conf');
  writeFileSync(rndcConf, `${keyLine}\noptions { default-key "bench-rndc"; default-server 127.0.0.1; default-port ${rndcPort}; };\n`, {
    mode: 0o600,
  });

  const logFile = join(dir, 'named.log');
  const logFd = openSync(logFile, 'a');
  // Own process group (detached) so a Ctrl-C on the terminal reaches only the benchmark, which then
  // stops named by its pid. As root named keeps uid 0 without -u.
  const child = spawn(NAMED, ['-g', '-4', '-c', conf], {
    cwd: dir,
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once('exit', () => {
      exited = true;
      onExit(child.pid);
      resolve();
    }),
  );
  onSpawn(child.pid);

  const stop = async () => {
    if (exited) return;
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      if (!exited) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }, 10_000);
    await exit;
    clearTimeout(timer);
  };
  /** For a synchronous exit handler: no waiting. */
  const kill = () => {
    if (!exited) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };

  const taken = /unable to listen on any configured interfaces|couldn't add command channel|address in use/i;
  const started = Date.now();
  for (;;) {
    const log = tailOf(logFile);
    if (exited || taken.test(log)) {
      await stop();
      throw Object.assign(new Error(`named did not start:\n${tailOf(logFile, 4000)}`), { portTaken: taken.test(log) });
    }
    if (/\brunning\s*$/m.test(log)) {
      const probe = spawnSync(DIG, ['+norecurse', '+time=1', '+tries=1', '-p', String(port), '@127.0.0.1', '.', 'SOA'], {
        encoding: 'utf8',
      });
      if (probe.status === 0 && /status: /.test(probe.stdout)) break;
    }
    if (Date.now() - started > readyTimeoutMs) {
      await stop();
      throw new Error(`named was not ready within ${readyTimeoutMs} ms:\n${tailOf(logFile, 4000)}`);
    }
    await sleep(50);
  }

  return {
    pid: child.pid,
    dir,
    port,
    rndcPort,
    rndcConf,
    logFile,
    startMs: Date.now() - started,
    /** rndc with this named's key and port, e.g. ["reload"] or ["reload", "z1.example"]. */
    rndcArgv: (args) => [RNDC, '-c', rndcConf, ...args],
    serials: (zones, source = '127.0.0.1') => servedSerials({ port, source }, zones),
    logTail: (bytes) => tailOf(logFile, bytes),
    logText: () => readFileSync(logFile, 'utf8'),
    stop,
    kill,
  };
}
