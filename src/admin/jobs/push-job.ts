// The push job for a primary (pure): the push script, its crontab entry, or a systemd service and
// timer. Values go into templates/ through fillTemplate, which shell-quotes every one of them.

import { UsageError } from '../../shared/errors.js';
import type { Policy } from '../../shared/policy/types.js';
import { SAFE_PATH_PATTERN } from '../../shared/policy/types.js';
import { fillTemplate, renderTemplate, Verbatim } from './templates.js';

export const DEFAULT_SCRIPT = '/usr/local/sbin/zonegate-push';
export const DEFAULT_CRONTAB = '/etc/cron.d/zonegate-push';
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const PINNED_PATH = '/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface PushScriptOptions {
  policy: Policy;
  /** Absolute config path, pinned in the script. */
  config: string;
  node: string;
  zonegate: string;
  /** Only these targets (default: every target in the config). */
  only?: readonly string[];
}

/** cron turns % into a newline in the command, systemd expands %x specifiers: refuse % there. */
function checkNoPercent(field: string, value: string): string {
  if (value.includes('%'))
    throw new UsageError('unsafe-path', `${field}: ${JSON.stringify(value)} must not contain % (cron and systemd give it a meaning)`);
  return checkPath(field, value);
}

function checkPath(field: string, value: string): string {
  if (!SAFE_PATH_PATTERN.test(value)) {
    throw new UsageError(
      'unsafe-path',
      `${field}: ${JSON.stringify(value)} must be an absolute path of letters, digits and ._+@%=:,/- only`,
    );
  }
  return value;
}

/**
 * The names the script passes to `zonegate push`: none (every target in the config at run time) or
 * the --target names, each of which must be a target in the config (so a validated name).
 */
function selectTargets(policy: Policy, only: readonly string[] | undefined): string[] {
  if (policy.targets.size === 0) throw new UsageError('no-targets', `${policy.source}: targets: the config lists no targets to push to`);
  // A repeated --target would push to the same secondary twice at once.
  const names = [...new Set(only ?? [])];
  for (const name of names) {
    if (!policy.targets.has(name)) throw new UsageError('unknown-target', `--target ${name}: not under "targets" in ${policy.source}`);
  }
  return names;
}

export function renderPushScript(options: PushScriptOptions): string {
  // Each name is one more shell-quoted argument after --config, filled like every other value.
  const targets = selectTargets(options.policy, options.only).map((name) =>
    fillTemplate('push.sh.tmpl (targets)', ' {{target}}', { target: name }),
  );
  return renderTemplate('push.sh.tmpl', {
    path: PINNED_PATH,
    config: checkPath('--config', options.config),
    node: checkPath('--node', options.node),
    zonegate: checkPath('--zonegate', options.zonegate),
    targets: Verbatim.rendered(targets.join('')),
  });
}

const CRON_FIELD = /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*$/;
function isCronSchedule(value: string): boolean {
  if (/^@(hourly|daily|weekly|monthly|yearly)$/.test(value)) return true;
  const fields = value.split(' ');
  return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
}

export function renderCrontab(options: { schedule: string; user: string; mailto: string; script: string }): string {
  return renderTemplate('crontab.tmpl', {
    // cron takes the five time fields and the user literally: they cannot be quoted, so they
    // must match strict patterns instead.
    schedule: Verbatim.checked(
      options.schedule,
      isCronSchedule,
      '--schedule',
      'five cron time fields (digits * / , -) or @hourly/@daily/…',
    ),
    user: Verbatim.checked(options.user, /^[a-z_][a-z0-9_.-]{0,31}$/, '--user', 'a plain login name'),
    mailto: options.mailto,
    script: checkNoPercent('--script', options.script),
  });
}

export function renderSystemdService(options: { script: string }): string {
  return renderTemplate('zonegate-push.service.tmpl', {
    // systemd does not read Environment= values the way sh does: the pinned PATH goes in as is,
    // after its own check, so the unit and the script pin the same one.
    path: Verbatim.checked(PINNED_PATH, /^\/[A-Za-z0-9/._-]*(:\/[A-Za-z0-9/._-]*)*$/, 'PATH', 'a list of absolute directories'),
    script: checkNoPercent('--script', options.script),
  });
}

export function renderSystemdTimer(options: { schedule: string }): string {
  return renderTemplate('zonegate-push.timer.tmpl', {
    schedule: Verbatim.checked(
      options.schedule,
      /^[A-Za-z0-9*:/,. ~-]{1,100}$/,
      '--schedule',
      'a systemd OnCalendar= expression (e.g. *:0/5)',
    ),
  });
}
