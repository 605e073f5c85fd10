// The rendered push job checked by the real tools that will read it: dash and bash (sh -n),
// shellcheck, and systemd-analyze for the units.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCrontab, renderPushScript, renderSystemdService, renderSystemdTimer } from '../../src/admin/push-job.js';
import { parsePolicy } from '../../src/shared/policy.js';
import { requireTool } from '../helpers/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'zonegate-shell-'));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const target = (host: string, destination: string, remove: boolean): Record<string, unknown> => ({
  host, port: 22, user: 'bind', identity: '/etc/zonegate/keys/x', knownHosts: '/etc/zonegate/known_hosts', source: '/var/lib/zonegate/zones', destination, delete: remove,
});
const policy = parsePolicy(
  JSON.stringify({ targets: { ns2: target('ns2.example.net', '/var/lib/bind/zones', true), 'ns3.v6': target('2001:db8::3', 'zones', false) } }),
  'primary.conf',
);
const script = renderPushScript({
  policy,
  config: '/etc/zonegate/zonegate.conf',
  log: '/var/log/zonegate/push.log',
  lock: '/run/lock/zonegate-push.lock',
  node: '/usr/bin/node',
  zonegate: '/opt/zonegate/bin/admin.js',
});
const scriptFile = join(dir, 'zonegate-push');
writeFileSync(scriptFile, script);
chmodSync(scriptFile, 0o755);

describe('rendered push script', () => {
  it.each([
    ['/usr/bin/dash', 'dash'],
    ['/usr/bin/bash', 'bash'],
  ])('parses with %s -n', async (shell, pkg) => {
    requireTool(shell, pkg);
    const result = await execa(shell, ['-n', scriptFile], { reject: false });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('passes shellcheck as POSIX sh', async () => {
    requireTool('/usr/bin/shellcheck', 'shellcheck');
    const result = await execa('/usr/bin/shellcheck', ['-s', 'sh', '-S', 'style', scriptFile], { reject: false });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('shellcheck would catch a broken template (the check can fail)', async () => {
    const broken = join(dir, 'broken');
    writeFileSync(broken, script.replace('"$source/" "$user@$host:$destination"', '$source/ $user@$host:$destination'));
    const result = await execa('/usr/bin/shellcheck', ['-s', 'sh', broken], { reject: false });
    expect(result.stdout).toMatch(/SC2086/);
  });

  it('has exactly one line to change when `zonegate push` lands', () => {
    expect(script.match(/^if push_with_rsync; then$/gm)).toHaveLength(1);
    expect(script).toMatch(/^push_with_zonegate\(\) \{\n {2}"\$NODE" "\$ZONEGATE" push --config "\$ZONEGATE_CONFIG"\n\}$/m);
  });
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
    const result = await execa('/usr/bin/systemd-analyze', ['verify', join(dir, 'zonegate-push.service'), join(dir, 'zonegate-push.timer')], { reject: false });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('systemd-analyze rejects a schedule our pattern lets through but systemd does not know', async () => {
    writeFileSync(join(dir, 'bad.timer'), renderSystemdTimer({ schedule: 'every five minutes' }));
    writeFileSync(join(dir, 'bad.service'), renderSystemdService({ script: scriptFile }));
    const result = await execa('/usr/bin/systemd-analyze', ['verify', join(dir, 'bad.timer')], { reject: false });
    expect(result.exitCode).not.toBe(0);
  });
});
