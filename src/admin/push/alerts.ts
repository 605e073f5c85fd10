// Alerts: quiet on success. A failure (or a run of skips) runs the hook command, pings the
// healthchecks-style URL's /fail, and mails the run log if mailTo is set. Every alert is bounded in
// time and never changes the run's exit code; a failing alert is logged and printed to stderr.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { PushSettings } from '../../shared/policy/types.js';

export type PingKind = 'start' | 'success' | 'fail';

export interface AlertEvent {
  outcome: 'partial' | 'failed' | 'skipped' | 'ok';
  exitCode: number;
  summary: string;
  runLog: string | undefined;
}

const HOOK_TIMEOUT_MS = 30_000;
const PING_TIMEOUT_MS = 10_000;

export function pingUrl(base: string, kind: PingKind): string {
  const trimmed = base.replace(/\/+$/, '');
  return kind === 'success' ? trimmed : `${trimmed}/${kind}`;
}

/** healthchecks.io convention: GET/POST <url>/start, <url> (success), <url>/fail; the body is shown in its UI. */
export async function ping(base: string, kind: PingKind, body: string): Promise<string | undefined> {
  try {
    const response = await fetch(pingUrl(base, kind), { method: 'POST', body, signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
    return response.ok ? undefined : `ping ${kind}: HTTP ${String(response.status)}`;
  } catch (error) {
    return `ping ${kind}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function runWithInput(argv: readonly string[], input: string, env: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file ?? '', args, { stdio: ['pipe', 'ignore', 'pipe'], env, timeout: HOOK_TIMEOUT_MS, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolve(`${file ?? ''}: ${error.code ?? error.message}`);
    });
    child.once('close', (status, signal) => {
      if (status === 0) resolve(undefined);
      else
        resolve(
          `${file ?? ''}: ${signal === null ? `exit ${String(status)}` : `killed by ${signal}`} ${stderr.trim().slice(0, 200)}`.trim(),
        );
    });
  });
}

export function hookEnv(event: AlertEvent, base: Record<string, string>): Record<string, string> {
  return {
    ...base,
    ZONEGATE_OUTCOME: event.outcome,
    ZONEGATE_EXIT: String(event.exitCode),
    ZONEGATE_SUMMARY: event.summary,
    ZONEGATE_RUN_LOG: event.runLog ?? '',
  };
}

export function renderMail(to: string, event: AlertEvent, host: string, log: string): string {
  return [
    `To: ${to}`,
    `Subject: zonegate push on ${host}: ${event.outcome} (exit ${String(event.exitCode)})`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    event.summary,
    '',
    log,
  ].join('\n');
}

/** Runs every configured alert for a failure or a repeated skip; returns the problems met. */
export async function alertFailure(
  settings: PushSettings,
  event: AlertEvent,
  env: Record<string, string>,
  host: string,
): Promise<string[]> {
  const problems: (string | undefined)[] = [];
  const jobs: Promise<void>[] = [];
  if (settings.hook.length > 0)
    jobs.push(runWithInput(settings.hook, `${JSON.stringify(event)}\n`, hookEnv(event, env)).then((p) => void problems.push(p)));
  if (settings.pingUrl !== undefined) jobs.push(ping(settings.pingUrl, 'fail', event.summary).then((p) => void problems.push(p)));
  if (settings.mailTo !== undefined) {
    if (!existsSync(settings.sendmail))
      problems.push(
        `mail not sent: ${settings.sendmail} is missing (install a mail transport agent, e.g. apt-get install -y postfix or dma)`,
      );
    else {
      const log = event.runLog === undefined ? '' : readFileSync(event.runLog, 'utf8').slice(-64 * 1024);
      jobs.push(
        runWithInput([settings.sendmail, '-t'], renderMail(settings.mailTo, event, host, log), env).then((p) => void problems.push(p)),
      );
    }
  }
  await Promise.all(jobs);
  return problems.filter((p): p is string => p !== undefined);
}
