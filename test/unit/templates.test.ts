import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillTemplate, Verbatim } from '../../src/admin/jobs/templates.js';
import { shellQuote } from '../../src/admin/jobs/shell-quote.js';
import { renderCrontab, renderSystemdService, renderSystemdTimer, renderPushScript } from '../../src/admin/jobs/push-job.js';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { outcome } from '../helpers/outcome.js';

const targetEntry = (host: string): Record<string, unknown> => ({
  host,
  port: 2222,
  user: 'bind',
  identity: '/etc/zonegate/keys/x',
  knownHosts: '/etc/zonegate/known_hosts',
  source: '/var/lib/zonegate/zones',
  destination: 'zones',
  delete: true,
});
const policy = parsePolicy(
  JSON.stringify({ targets: { ns2: targetEntry('2001:db8::2'), 'ns3.v6-b_c': targetEntry('192.0.2.3') } }),
  'primary.conf',
);
const scriptOptions = { policy, config: '/etc/zonegate/zonegate.conf', node: '/usr/bin/node', zonegate: '/opt/zonegate/bin/admin.js' };
const execLine = (script: string): string | undefined => script.split('\n').find((line) => line.startsWith('exec '));

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
    const result = outcome(() => fillTemplate('t', template, values));
    expect(result).toMatchObject({ kind: 'refused', reason: 'template-placeholder' });
    expect(result.kind === 'refused' && message.test(result.message)).toBe(true);
  });

  // Attack: a newline in a value would end the cron line or systemd setting and start a new one.
  it.each(['a\nb', 'a\rb', 'a\0b', 'a\x1bb'])('refuses control characters in %j, naming the field', (value) => {
    expect(outcome(() => fillTemplate('t', '{{name}}', { name: value }))).toMatchObject({
      kind: 'refused',
      reason: 'unsafe-value',
      message: expect.stringMatching(/^name: /) as unknown,
    });
  });

  it('inserts Verbatim only after its own strict check', () => {
    expect(outcome(() => Verbatim.checked('*/5 * * * * root; id', /^[0-9*/ ]+$/, '--schedule', 'a schedule'))).toMatchObject({
      reason: 'unsafe-value',
    });
    expect(fillTemplate('t', '{{s}}', { s: Verbatim.checked('*/5 * * * *', /^[0-9*/ ]+$/, '--schedule', 'a schedule') })).toBe(
      '*/5 * * * *',
    );
  });
});

describe('shellQuote', () => {
  // Attack: shell metacharacters in a value run commands in the rendered script. Whatever the
  // value, the real sh must read it back as exactly that one word.
  it('round-trips any value without control characters through the real sh', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\0-\x1f\x7f]/.test(s)),
        (value) => {
          const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value, 'v')}`], { encoding: 'utf8' });
          expect(out).toBe(value);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('push job rendering', () => {
  it('renders the push script: pinned environment, then exec zonegate push (every target at run time)', () => {
    expect(renderPushScript(scriptOptions)).toMatchInlineSnapshot(`
      "#!/bin/sh
      # zonegate push job: runs \`zonegate push\` for this primary with a pinned environment.
      # Rendered by \`zonegate cron\` / \`zonegate systemd\` from templates/push.sh.tmpl: re-render it rather
      # than editing it here.
      #
      # zonegate push does the rest: its own flock lock, run logs, status file, alerts, retries and
      # timeouts. It is quiet on success and prints one summary on stderr on failure (what cron mails),
      # and its exit status is this script's: 0 ok, 1 some targets failed, 2 all failed, 75 skipped
      # (the previous run still holds the lock), 64 usage, 78 config.
      set -u

      # Pin everything the environment could change: cron and systemd start jobs with small and
      # different environments, and the job must behave the same when an admin runs it by hand.
      PATH='/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
      LC_ALL=C.UTF-8
      LANG=C.UTF-8
      export PATH LC_ALL LANG
      umask 077
      ZONEGATE_CONFIG='/etc/zonegate/zonegate.conf'
      NODE='/usr/bin/node'
      ZONEGATE='/opt/zonegate/bin/admin.js'

      exec "$NODE" "$ZONEGATE" push --config "$ZONEGATE_CONFIG"
      "
    `);
  });

  it.each([
    [['ns2'], `exec "$NODE" "$ZONEGATE" push --config "$ZONEGATE_CONFIG" 'ns2'`],
    [['ns3.v6-b_c', 'ns2'], `exec "$NODE" "$ZONEGATE" push --config "$ZONEGATE_CONFIG" 'ns3.v6-b_c' 'ns2'`],
    // A repeated --target would push to the same secondary twice at once.
    [['ns2', 'ns2'], `exec "$NODE" "$ZONEGATE" push --config "$ZONEGATE_CONFIG" 'ns2'`],
    [[], `exec "$NODE" "$ZONEGATE" push --config "$ZONEGATE_CONFIG"`],
  ])('passes --target %j to zonegate push as quoted names', (only, line) => {
    expect(execLine(renderPushScript({ ...scriptOptions, only }))).toBe(line);
  });

  it('renders the cron.d entry', () => {
    expect(
      renderCrontab({ schedule: '*/5 * * * *', user: 'root', mailto: 'hostmaster@example.net', script: '/usr/local/sbin/zonegate-push' }),
    ).toMatchInlineSnapshot(`
      "# zonegate push job for /etc/cron.d (rendered by \`zonegate cron\`; file names in /etc/cron.d must
      # not contain a dot, or cron ignores them).
      # cron mails the job's output to MAILTO: zonegate push is quiet on success and prints one summary
      # on stderr on failure, so a mail means a problem.
      SHELL=/bin/sh
      PATH=/usr/sbin:/usr/bin:/sbin:/bin
      MAILTO='hostmaster@example.net'
      */5 * * * * root '/usr/local/sbin/zonegate-push'
      "
    `);
  });

  it('renders the systemd service and timer', () => {
    expect(renderSystemdService({ script: '/usr/local/sbin/zonegate-push' }) + renderSystemdTimer({ schedule: '*:0/5' }))
      .toMatchInlineSnapshot(`
      "# zonegate push job (rendered by \`zonegate systemd\`), started by zonegate-push.timer.
      # The script pins PATH, umask, locale and the config path itself, then runs \`zonegate push\`; the
      # unit pins them as well so that \`systemctl show\` tells the truth. zonegate push is quiet on
      # success; on failure its summary lands in the journal and the unit is left in \`systemctl --failed\`
      # (add OnFailure= to mail it). 75, a run skipped because the previous one still held the lock, is
      # not a failure of this run: zonegate push counts skips and alerts itself when they repeat.
      [Unit]
      Description=zonegate: push zone files to the secondaries
      Wants=network-online.target
      After=network-online.target

      [Service]
      Type=oneshot
      Environment=LC_ALL=C.UTF-8 LANG=C.UTF-8 PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
      UMask=0077
      ExecStart='/usr/local/sbin/zonegate-push'
      TimeoutStartSec=1h
      SuccessExitStatus=75
      Nice=10
      # When zonegate-push.service runs (rendered by \`zonegate systemd\`). A oneshot service never runs
      # twice at once; the lock that zonegate push takes also keeps a manual run from overlapping.
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
    [
      'a cron schedule with a command',
      () => renderCrontab({ schedule: '* * * * * root id #', user: 'root', mailto: 'root', script: '/s' }),
      /^--schedule: /,
    ],
    ['a cron user with a space', () => renderCrontab({ schedule: '@hourly', user: 'root id', mailto: 'root', script: '/s' }), /^--user: /],
    // cron turns % into a newline: the rest of the "path" would become the job's stdin.
    [
      '% in the cron script path',
      () => renderCrontab({ schedule: '@hourly', user: 'root', mailto: 'root', script: '/s%x' }),
      /^--script: /,
    ],
    ['% in the systemd script path', () => renderSystemdService({ script: '/s%n' }), /^--script: /],
    [
      'a newline in MAILTO',
      () => renderCrontab({ schedule: '@hourly', user: 'root', mailto: 'root\n* * * * * root id', script: '/s' }),
      /^mailto: /,
    ],
    ['a space in the script path', () => renderSystemdService({ script: '/usr/local/sbin/zonegate push' }), /^--script: /],
    ['a systemd schedule with a newline', () => renderSystemdTimer({ schedule: 'daily\nExecStart=/bin/sh' }), /^--schedule: /],
  ])('refuses %s, naming the field', (_label, render, field) => {
    const result = outcome(render);
    expect(result.kind).toBe('refused');
    expect(result.kind === 'refused' && field.test(result.message)).toBe(true);
  });

  it('refuses a config without targets', () => {
    expect(outcome(() => renderPushScript({ ...scriptOptions, policy: parsePolicy('{}', 'primary.conf') }))).toMatchObject({
      reason: 'no-targets',
    });
  });

  // Attack: a --target that is not a plain name would reach the script's command line; only names
  // of targets in the (validated) config get through, so the rest is refused, never escaped.
  it.each(['ns9', "ns2' ; id ; '", 'ns2 ns3.v6-b_c', '--config=/tmp/evil', 'NS2', ''])('refuses --target %j', (name) => {
    expect(outcome(() => renderPushScript({ ...scriptOptions, only: [name] }))).toMatchObject({ reason: 'unknown-target' });
  });

  it.each([
    ['--config', { config: 'etc/zonegate.conf' }],
    ['--config', { config: '/etc/zone gate.conf' }],
    ['--node', { node: "/usr/bin/node'; id'" }],
    ['--zonegate', { zonegate: '/opt/$(id)/admin.js' }],
  ])('refuses an unsafe %s path, naming it', (field, bad) => {
    const result = outcome(() => renderPushScript({ ...scriptOptions, ...bad }));
    expect(result).toMatchObject({ kind: 'refused', reason: 'unsafe-path' });
    expect(result.kind === 'refused' && result.message.startsWith(`${field}: `)).toBe(true);
  });
});
