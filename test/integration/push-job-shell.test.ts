// The rendered push job checked by the real tools that will read it: dash and bash (sh -n),
// shellcheck, and systemd-analyze for the units; and run, with a stand-in for node, the way cron runs it.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PINNED_PATH, renderCrontab, renderPushScript, renderSystemdService, renderSystemdTimer } from '../../src/admin/jobs/push-job.js';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { requireTool } from '../lab/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'zonegate-shell-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const target = (host: string, destination: string, remove: boolean): Record<string, unknown> => ({
  host,
  port: 22,
  user: 'bind',
  identity: '/etc/zonegate/keys/x',
  knownHosts: '/etc/zonegate/known_hosts',
  source: '/var/lib/zonegate/zones',
  destination,
  delete: remove,
});
const policy = parsePolicy(
  JSON.stringify({
    targets: { ns2: target('ns2.example.net', '/var/lib/bind/zones', true), 'ns3.v6': target('2001:db8::3', 'zones', false) },
  }),
  'primary.conf',
);
// A stand-in for node: prints the argv and environment the script hands over, then exits with the
// status the test asks for, so the script's own exit status can be checked to be zonegate push's.
const fakeNode = join(dir, 'fake-node');
writeFileSync(
  fakeNode,
  '#!/bin/sh\nprintf \'arg %s\\n\' "$@"\nenv | LC_ALL=C sort\nprintf \'umask %s\\n\' "$(umask)"\nexit "${FAKE_EXIT:-0}"\n',
);
chmodSync(fakeNode, 0o755);

const render = (only: string[], node = '/usr/bin/node'): string =>
  renderPushScript({ policy, config: '/etc/zonegate/zonegate.conf', node, zonegate: '/opt/zonegate/bin/admin.js', only });
const script = render(['ns3.v6', 'ns2']);
const scriptFile = join(dir, 'zonegate-push');
writeFileSync(scriptFile, script);
chmodSync(scriptFile, 0o755);
const allTargetsFile = join(dir, 'zonegate-push-all');
writeFileSync(allTargetsFile, render([]));

describe('rendered push script', () => {
  it.each([
    ['/usr/bin/dash', 'dash'],
    ['/usr/bin/bash', 'bash'],
  ])('parses with %s -n', async (shell, pkg) => {
    requireTool(shell, pkg);
    for (const file of [scriptFile, allTargetsFile]) {
      const result = await execa(shell, ['-n', file], { reject: false });
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
    }
  });

  it('passes shellcheck as POSIX sh', async () => {
    requireTool('/usr/bin/shellcheck', 'shellcheck');
    const result = await execa('/usr/bin/shellcheck', ['-s', 'sh', '-S', 'style', scriptFile, allTargetsFile], { reject: false });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('shellcheck would catch a broken template (the check can fail)', async () => {
    requireTool('/usr/bin/shellcheck', 'shellcheck');
    const broken = join(dir, 'broken');
    // A variable renamed in one place only: the config path would never reach zonegate push.
    const renamed = script.replace('push --config "$ZONEGATE_CONFIG"', 'push --config "$ZONEGATE_CONF"');
    expect(renamed).not.toBe(script);
    writeFileSync(broken, renamed);
    const result = await execa('/usr/bin/shellcheck', ['-s', 'sh', '-S', 'style', broken], { reject: false });
    expect(result.stdout).toMatch(/SC2034 .*ZONEGATE_CONFIG appears unused/);
    expect(result.stdout).toMatch(/SC2153 .*ZONEGATE_CONF may not be assigned/);
    expect(result.exitCode).not.toBe(0);
  });

  it('leaves the lock, the logs and the pushing to zonegate push: one exec, nothing else runs', () => {
    const commands = script.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(commands.filter((line) => /^exec /.test(line))).toEqual([
      `exec "$NODE" "$ZONEGATE" push --config "$ZONEGATE_CONFIG" 'ns3.v6' 'ns2'`,
    ]);
    expect(commands.at(-1)).toMatch(/^exec /);
    expect(commands.join('\n')).not.toMatch(/flock|rsync|ssh|>|LOG_FILE|LOCK_FILE/);
  });

  // cron starts the job with almost nothing in the environment, an admin's shell with a lot: both
  // must reach zonegate push with the same PATH, locale and umask, and get its exit status back.
  it.each([0, 1, 2, 75, 78])(
    "run as cron would, hands over a pinned environment and exits with zonegate push's status %i",
    async (status) => {
      const file = join(dir, `zonegate-push-fake-${String(status)}`);
      writeFileSync(file, render(['ns2'], fakeNode));
      chmodSync(file, 0o755);
      const result = await execa(
        '/usr/bin/env',
        ['-i', `FAKE_EXIT=${String(status)}`, 'PATH=/tmp/evil', 'LC_ALL=tr_TR.UTF-8', '/bin/sh', '-c', `umask 022; exec '${file}'`],
        { reject: false },
      );
      expect(result.exitCode).toBe(status);
      expect(result.stderr).toBe('');
      const lines = result.stdout.split('\n');
      expect(lines.filter((line) => line.startsWith('arg '))).toEqual([
        'arg /opt/zonegate/bin/admin.js',
        'arg push',
        'arg --config',
        'arg /etc/zonegate/zonegate.conf',
        'arg ns2',
      ]);
      expect(lines).toContain(`PATH=${PINNED_PATH}`);
      expect(lines).toContain('LC_ALL=C.UTF-8');
      expect(lines).toContain('LANG=C.UTF-8');
      expect(lines).toContain('umask 0077');
    },
  );
});

describe('rendered cron entry and systemd units', () => {
  it('the cron command is valid sh', async () => {
    const crontab = renderCrontab({ schedule: '*/5 * * * *', user: 'root', mailto: 'root', script: scriptFile });
    const job = crontab.trim().split('\n').at(-1) ?? '';
    const command = job.split(' ').slice(6).join(' ');
    expect(command).toBe(`'${scriptFile}'`);
    expect((await execa('/usr/bin/dash', ['-n', '-c', command], { reject: false })).exitCode).toBe(0);
  });

  it('systemd-analyze verify accepts the service and timer', async () => {
    requireTool('/usr/bin/systemd-analyze', 'systemd');
    writeFileSync(join(dir, 'zonegate-push.service'), renderSystemdService({ script: scriptFile }));
    writeFileSync(join(dir, 'zonegate-push.timer'), renderSystemdTimer({ schedule: '*:0/5' }));
    const result = await execa(
      '/usr/bin/systemd-analyze',
      ['verify', join(dir, 'zonegate-push.service'), join(dir, 'zonegate-push.timer')],
      { reject: false },
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('the service pins the same environment as the script', () => {
    const environment = /^Environment=(.*)$/m.exec(renderSystemdService({ script: scriptFile }))?.[1];
    expect(environment?.split(' ').sort()).toEqual([`PATH=${PINNED_PATH}`, 'LANG=C.UTF-8', 'LC_ALL=C.UTF-8'].sort());
    expect(renderSystemdService({ script: scriptFile })).toMatch(/^UMask=0077$/m);
    expect(script).toMatch(/^umask 077$/m);
  });

  it('systemd-analyze rejects a schedule our pattern lets through but systemd does not know', async () => {
    writeFileSync(join(dir, 'bad.timer'), renderSystemdTimer({ schedule: 'every five minutes' }));
    writeFileSync(join(dir, 'bad.service'), renderSystemdService({ script: scriptFile }));
    const result = await execa('/usr/bin/systemd-analyze', ['verify', join(dir, 'bad.timer')], { reject: false });
    expect(result.exitCode).not.toBe(0);
  });
});
