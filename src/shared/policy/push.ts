// The `push` section: the push runner's settings on a primary. Every field has a default.

import { childPath, type JsonValue } from '../jsonc.js';
import { PUSH_DEFAULTS } from './defaults.js';
import type { PushSettings } from './types.js';
import type { Validator } from './validator.js';

const KNOWN = [
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
  'skipPatterns',
] as const;

export function validatePush(v: Validator, raw: JsonValue | undefined): PushSettings {
  if (raw === undefined) return PUSH_DEFAULTS;
  const push = v.object(raw, 'push', KNOWN);
  const d = PUSH_DEFAULTS;
  const backoffRaw = push['backoffSeconds'];
  let backoffSeconds = d.backoffSeconds;
  if (backoffRaw !== undefined) {
    if (!Array.isArray(backoffRaw) || backoffRaw.length === 0)
      v.fail('push.backoffSeconds', 'must be a non-empty list of seconds, e.g. [5, 15]');
    backoffSeconds = backoffRaw.map((item, index) => v.integerIn(item, childPath('push.backoffSeconds', index), 0, 0, 3600));
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
    concurrency: v.integerIn(push['concurrency'], 'push.concurrency', d.concurrency, 1, 64),
    keepLogs: v.integerIn(push['keepLogs'], 'push.keepLogs', d.keepLogs, 1, 100000),
    keepLogDays: v.integerIn(push['keepLogDays'], 'push.keepLogDays', d.keepLogDays, 1, 3650),
    checker: v.commandList(push['checker'], 'push.checker', d.checker),
    backoffSeconds,
    hook: v.commandList(push['hook'], 'push.hook', d.hook),
    pingUrl,
    mailTo,
    sendmail: v.absolutePath(push['sendmail'], 'push.sendmail', d.sendmail),
    skipAlertAfter: v.integerIn(push['skipAlertAfter'], 'push.skipAlertAfter', d.skipAlertAfter, 1, 1000),
    skipPatterns: validateSkipPatterns(v, push['skipPatterns'], d.skipPatterns),
  };
}

/** Plain file-name globs: no / (a name, not a path) and no braces (rsync does not expand them). */
function validateSkipPatterns(v: Validator, value: JsonValue | undefined, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) v.fail('push.skipPatterns', 'must be a list of file-name patterns, e.g. ["*~", "*.bak"] ([] skips nothing)');
  return value.map((item, index) => {
    const pattern = v.string(item, childPath('push.skipPatterns', index));
    if (!/^[A-Za-z0-9._*?[\]~#-]+$/.test(pattern))
      v.fail(
        childPath('push.skipPatterns', index),
        `must be a file-name glob of letters, digits and ._*?[]~#- only: ${JSON.stringify(pattern)}`,
      );
    return pattern;
  });
}
