import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillTemplate, Verbatim } from '../../src/admin/templates.js';
import { shellQuote } from '../../src/admin/shell-quote.js';
import { renderCrontab, renderSystemdService, renderSystemdTimer, renderTargetLine, renderPushScript } from '../../src/admin/push-job.js';
import { parsePolicy, type Target } from '../../src/shared/policy.js';
import { refusal } from '../helpers/refusal.js';

const target: Target = {
  name: 'ns2',
  host: '2001:db8::2',
  port: 2222,
  user: 'bind',
  identity: '/etc/zonegate/keys/ns2',
  knownHosts: '/etc/zonegate/known_hosts',
  source: '/var/lib/zonegate/zones',
  destination: 'zones',
  delete: true,
};

describe('fillTemplate', () => {
  it('shell-quotes every value', () => {
    expect(fillTemplate('t', 'a={{a}} b={{b}}\n', { a: "it's", b: '/x y' })).toBe(`a='it'\\''s' b='/x y'\n`);
  });

  it.each([
    ['a placeholder without a value', 'x={{a}} y={{b}}', { a: '1' }, /no value for placeholder \{\{b\}\}/],
    ['a value without a placeholder', 'x={{a}}', { a: '1', typo: '2' }, /values without a placeholder: typo/],
    ['a malformed placeholder', 'x={{a}} y={{ b }}', { a: '1' }, /malformed placeholder "\{\{ b \}\}"/],
    ['a half-closed placeholder', 'x={{a}', {}, /malformed placeholder/],
  ])('errors on %s', (_label, template, values, message) => {
    const result = refusal(() => fillTemplate('t', template, values));
    expect(result).toMatchObject({ kind: 'refused', reason: 'template-placeholder' });
    expect(result.kind === 'refused' && message.test(result.message)).toBe(true);
  });

  // Attack: a newline in a value would end the cron line or systemd setting and start a new one.
  it.each(['a\nb', 'a\rb', 'a\0b', 'a\x1bb'])('refuses control characters in %j, naming the field', (value) => {
    expect(refusal(() => fillTemplate('t', '{{name}}', { name: value }))).toMatchObject({ kind: 'refused', reason: 'unsafe-value', message: expect.stringMatching(/^name: /) as unknown });
  });

  it('inserts Verbatim only after its own strict check', () => {
    expect(refusal(() => Verbatim.checked("*/5 * * * * root; id", /^[0-9*/ ]+$/, '--schedule', 'a schedule'))).toMatchObject({ reason: 'unsafe-value' });
    expect(fillTemplate('t', '{{s}}', { s: Verbatim.checked('*/5 * * * *', /^[0-9*/ ]+$/, '--schedule', 'a schedule') })).toBe('*/5 * * * *');
  });
});

describe('shellQuote', () => {
  // Attack: shell metacharacters in a value run commands in the rendered script. Whatever the
  // value, the real sh must read it back as exactly that one word.
  it('round-trips any value without control characters through the real sh', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\0-\x1f\x7f]/.test(s)), (value) => {
        const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value, 'v')}`], { encoding: 'utf8' });
        expect(out).toBe(value);
      }),
      { numRuns: 60 },
    );
  });
});

describe('push job rendering', () => {
  it('renders one push_target line per target, IPv6 in brackets', () => {
    expect(renderTargetLine(target)).toMatchInlineSnapshot(`
      "  push_target 'ns2' '[2001:db8::2]' '2222' 'bind' '/etc/zonegate/keys/ns2' '/etc/zonegate/known_hosts' '/var/lib/zonegate/zones' 'zones' 'yes' || failed=1
      "
    `);
  });

  it('renders the cron.d entry', () => {
    expect(renderCrontab({ schedule: '*/5 * * * *', user: 'root', mailto: 'hostmaster@example.net', script: '/usr/local/sbin/zonegate-push' })).toMatchInlineSnapshot(`
      "# zonegate push job for /etc/cron.d (rendered by \`zonegate cron\`; file names in /etc/cron.d must
      # not contain a dot, or cron ignores them).
      # cron mails the job's output to MAILTO; the script is quiet on success, so a mail means a problem.
      SHELL=/bin/sh
      PATH=/usr/sbin:/usr/bin:/sbin:/bin
      MAILTO='hostmaster@example.net'
      */5 * * * * root '/usr/local/sbin/zonegate-push'
      "
    `);
  });

  it('renders the systemd service and timer', () => {
    expect(renderSystemdService({ script: '/usr/local/sbin/zonegate-push' }) + renderSystemdTimer({ schedule: '*:0/5' })).toMatchInlineSnapshot(`
      "# zonegate push job (rendered by \`zonegate systemd\`), started by zonegate-push.timer.
      # The script pins PATH, umask, locale and the config path itself; the unit pins them as well so
      # that \`systemctl show\` tells the truth. Failures land in the journal and in \`systemctl --failed\`
      # (add OnFailure= to mail them).
      [Unit]
      Description=zonegate: push zone files to the secondaries
      Wants=network-online.target
      After=network-online.target

      [Service]
      Type=oneshot
      Environment=LC_ALL=C LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
      UMask=0077
      ExecStart='/usr/local/sbin/zonegate-push'
      TimeoutStartSec=1h
      Nice=10
      # When zonegate-push.service runs (rendered by \`zonegate systemd\`). A oneshot service never runs
      # twice at once; flock in the script also keeps a manual run from overlapping.
      [Unit]
      Description=zonegate: push zone files to the secondaries on a schedule

      [Timer]
      OnCalendar=*:0/5
      Persistent=true
      AccuracySec=1s

      [Install]
      WantedBy=timers.target
      "
    `);
  });

  it.each([
    ['a cron schedule with a command', () => renderCrontab({ schedule: '* * * * * root id #', user: 'root', mailto: 'root', script: '/s' }), /^--schedule: /],
    ['a cron user with a space', () => renderCrontab({ schedule: '@hourly', user: 'root id', mailto: 'root', script: '/s' }), /^--user: /],
    // cron turns % into a newline: the rest of the "path" would become the job's stdin.
    ['% in the cron script path', () => renderCrontab({ schedule: '@hourly', user: 'root', mailto: 'root', script: '/s%x' }), /^--script: /],
    ['% in the systemd script path', () => renderSystemdService({ script: '/s%n' }), /^--script: /],
    ['a newline in MAILTO', () => renderCrontab({ schedule: '@hourly', user: 'root', mailto: 'root\n* * * * * root id', script: '/s' }), /^mailto: /],
    ['a space in the script path', () => renderSystemdService({ script: '/usr/local/sbin/zonegate push' }), /^--script: /],
    ['a systemd schedule with a newline', () => renderSystemdTimer({ schedule: 'daily\nExecStart=/bin/sh' }), /^--schedule: /],
  ])('refuses %s, naming the field', (_label, render, field) => {
    const result = refusal(render);
    expect(result.kind).toBe('refused');
    expect(result.kind === 'refused' && field.test(result.message)).toBe(true);
  });

  it('refuses a config without targets and an unknown --target', () => {
    const empty = parsePolicy('{}', 'primary.conf');
    const options = { config: '/etc/zonegate/zonegate.conf', log: '/var/log/p.log', lock: '/run/lock/p', node: '/usr/bin/node', zonegate: '/opt/z/bin/admin.js' };
    expect(refusal(() => renderPushScript({ ...options, policy: empty }))).toMatchObject({ reason: 'no-targets' });
    expect(refusal(() => renderPushScript({ ...options, policy: empty, only: ['ns9'] }))).toMatchObject({ reason: 'unknown-target' });
  });
});
