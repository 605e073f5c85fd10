// What the lab's NSD and Knot have in common (named has its own, older, named.ts): a daemon in the
// foreground from a temp dir, serving DNS on a free loopback port, with a control program on a unix
// socket in that dir. Ready = its control program answers `status` and a real query gets an answer.
// Waits go through wait.ts `until`; a hang fails with the daemon's log tail.

import { execa } from 'execa';
import type { ChildProcess } from 'node:child_process';
import { servedSerials, soaSerial } from './dig.js';
import type { NamedLog } from './named-log.js';
import { PortTakenError } from './ports.js';
import type { Scope } from './scope.js';
import { bindTool } from './tools.js';
import { HANG_GUARD_MS, until } from './wait.js';

/** A lab NSD or Knot: what zone-set tests need from the server behind a zone set. */
export interface LabServer {
  kind: 'nsd' | 'knot';
  dir: string;
  port: number;
  /** zoneSet.control for this server: the control program and the arguments that reach this daemon. */
  control: string[];
  /** Runs the control program with `args`; never throws on its exit code. */
  controlRun(args: readonly string[]): Promise<{ exitCode: number; output: string }>;
  /** The SOA serial served for `zone`; undefined when the answer has none (REFUSED, SERVFAIL). */
  serial(zone: string): Promise<number | undefined>;
  serials(zones: readonly string[]): Promise<Map<string, number>>;
  /** Polls serial() until it equals `serial` (undefined: until the zone is no longer served). */
  waitForSerial(zone: string, serial: number | undefined): Promise<void>;
  /** Waits until the log after offset `since` matches; returns the match. */
  waitForLog(pattern: RegExp, opts?: { since?: number }): Promise<string>;
  log(): string;
  output: NamedLog;
  stop(): Promise<void>;
}

export interface DaemonStart {
  kind: LabServer['kind'];
  scope: Scope;
  child: ChildProcess;
  dir: string;
  port: number;
  output: NamedLog;
  control: string[];
  /** Log lines that mean the port was taken (retryOnPortTaken() then picks new ports). */
  portTaken: RegExp;
}

export async function daemonReady(start: DaemonStart): Promise<LabServer> {
  const { scope, child, dir, port, output, kind } = start;
  const dig = bindTool('dig');
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    await scope.stop(child, 10_000);
    scope.removeDir(dir);
  };
  const tail = (): string => output.tail(8000).split('\n').slice(-30).join('\n');
  const withTail = (error: unknown): never => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; ${kind} log tail:\n${tail()}`);
  };
  const [program = '', ...prefix] = start.control;
  const controlRun = async (args: readonly string[]): Promise<{ exitCode: number; output: string }> => {
    const result = await execa(program, [...prefix, ...args], { reject: false, timeout: 20_000, all: true });
    return { exitCode: result.exitCode ?? -1, output: result.all };
  };
  const digArgs = ['@127.0.0.1', '-p', String(port), '-b', '127.0.0.1'];
  const serial = (zone: string): Promise<number | undefined> => soaSerial(dig, zone, digArgs);

  const ready = async (): Promise<boolean> => {
    if (exited || start.portTaken.test(output.tail())) return true;
    if ((await controlRun(['status'])).exitCode !== 0) return false;
    const probe = await execa(dig, ['+norecurse', '+time=1', '+tries=1', 'SOA', '.', ...digArgs], { reject: false, timeout: 5000 });
    return probe.exitCode === 0 && /status: /.test(probe.stdout);
  };
  try {
    await until(ready, `${kind} to answer on port ${String(port)} and its control socket`);
  } catch (error) {
    await stop();
    withTail(error);
  }
  if (exited || start.portTaken.test(output.tail())) {
    const log = output.tail();
    await stop();
    const message = `${kind} ${exited ? `exited before it was ready (code ${String(child.exitCode)})` : 'could not bind its port'}:\n${log}`;
    throw start.portTaken.test(log) ? new PortTakenError(message) : new Error(message);
  }

  const waitForSerial = async (zone: string, want: number | undefined): Promise<void> => {
    const seen: { serial?: number | undefined } = {};
    const serves = async (): Promise<boolean> => {
      seen.serial = await serial(zone);
      return seen.serial === want;
    };
    await until(serves, `${kind} to serve ${zone} at serial ${String(want)}`).catch((error: unknown) =>
      withTail(new Error(`${error instanceof Error ? error.message : String(error)} (it serves ${String(seen.serial)})`)),
    );
  };
  const waitForLog = async (pattern: RegExp, opts: { since?: number } = {}): Promise<string> => {
    const found: { match?: string } = {};
    const matched = (): boolean => {
      const match = pattern.exec(output.since(opts.since ?? 0));
      if (match) found.match = match[0];
      return match !== null;
    };
    await until(matched, `${kind}'s log to match ${String(pattern)}`, HANG_GUARD_MS).catch(withTail);
    return found.match ?? '';
  };

  return {
    kind,
    dir,
    port,
    control: start.control,
    controlRun,
    serial,
    serials: (zones) => servedSerials(dig, port, '127.0.0.1', zones),
    waitForSerial,
    waitForLog,
    log: () => output.text(),
    output,
    stop,
  };
}
