// Validation before anything leaves: a broken zone (named-checkzone fails) or a changed zone whose
// serial was not bumped stops the push with a message naming the file; the secondary keeps serving
// what it had. Also: log retention removes only old run logs, and the healthchecks-style ping.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFailed } from '../../src/admin/push/run-log.js';
import { ROOT, zonegate } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';
import { soaZone } from '../lab/zones.js';

let world: PushWorld;
let config: string;
let server: Server;
let mailbox: string;
const pings: string[] = [];

beforeAll(async () => {
  world = await makePushWorld();
  server = createServer((request, response) => {
    pings.push(request.url ?? '');
    response.end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  // A stand-in sendmail that keeps what it was given: mail goes out on failure only.
  mailbox = join(world.dir, 'mailbox');
  const sendmail = join(world.dir, 'sendmail');
  writeFileSync(sendmail, `#!/bin/sh\n{ echo "argv: $*"; cat; echo "--- end of mail"; } >> ${mailbox}\n`, { mode: 0o755 });
  config = world.writeConfig([world.healthy], {
    pingUrl: `http://127.0.0.1:${String(port)}/ping/abc`,
    keepLogs: 3,
    keepLogDays: 7,
    mailTo: 'hostmaster',
    sendmail,
  });
  const first = await zonegate(['push', '--config', config]);
  // Quiet but for the one thing cron should mail on success: the secondary serves new zones.
  expect(first).toEqual({
    exitCode: 0,
    stdout: '',
    stderr: 'zonegate push: healthy: zones added on the secondary: zone0.example zone1.example zone2.example',
  });
});
afterAll(async () => {
  server?.close();
  await world?.stop();
});

const live = (file: string): string => readFileSync(join(world.healthy.root, 'current', file), 'utf8');

describe('local validation', () => {
  it('pinged /start and then success, and mailed nothing', () => {
    expect(pings).toEqual(['/ping/abc/start', '/ping/abc']);
    expect(existsSync(mailbox)).toBe(false);
  });

  it('never sends a zone that named-checkzone rejects', async () => {
    writeFileSync(join(world.source, 'db.zone1.example'), soaZone('zone1.example', 2024010200, 'www IN A 999.1.2.3\n'));
    const result = await zonegate(['push', '--config', config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /healthy: invalid: not sent: 1 zone file problem\(s\) in .*: db\.zone1\.example: \/usr\/bin\/named-checkzone failed/,
    );
    expect(live('db.zone1.example')).toBe(soaZone('zone1.example', 2024010100));
    expect(pings.slice(-2)).toEqual(['/ping/abc/start', '/ping/abc/fail']);
    // The failure is mailed (sendmail -t), with the summary and the run log.
    const mail = readFileSync(mailbox, 'utf8');
    expect(mail).toMatch(/^argv: -t\nTo: hostmaster\nSubject: zonegate push on \S+: failed \(exit 2\)\n/);
    expect(mail).toContain('db.zone1.example');
    expect(mail.match(/--- end of mail/g)).toHaveLength(1);
  });

  it('never sends a changed zone whose serial was not bumped', async () => {
    writeFileSync(join(world.source, 'db.zone1.example'), soaZone('zone1.example', 2024010100, 'www IN A 192.0.2.80\n'));
    const result = await zonegate(['push', '--config', config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/db\.zone1\.example: serial not increased: 2024010100 -> 2024010100/);
    expect(live('db.zone1.example')).toBe(soaZone('zone1.example', 2024010100));
  });

  it('sends the zone once it is fixed', async () => {
    writeFileSync(join(world.source, 'db.zone1.example'), soaZone('zone1.example', 2024010101, 'www IN A 192.0.2.80\n'));
    const result = await zonegate(['push', '--config', config]);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(live('db.zone1.example')).toBe(soaZone('zone1.example', 2024010101, 'www IN A 192.0.2.80\n'));
  });
});

describe('log retention', () => {
  it('keeps the newest runs and removes old run logs, never other files', async () => {
    const old = Date.now() / 1000 - 10 * 86400;
    const plant = (name: string, ageSeconds?: number): void => {
      writeFileSync(join(world.logDir, name), 'x\n');
      if (ageSeconds !== undefined) utimesSync(join(world.logDir, name), ageSeconds, ageSeconds);
    };
    // Older than keepLogDays (7): removed even though the count would allow it.
    plant('push-20000101T000000000Z-1.log', old);
    plant('push-20000101T000000000Z-1.jsonl', old);
    // Not ours: kept whatever their age.
    plant('notes.txt', old);
    plant('push-manual.log', old);
    const before = readdirSync(world.logDir)
      .filter((f) => /^push-\d/.test(f) && f.endsWith('.log'))
      .sort();
    const result = await zonegate(['push', '--config', config]);
    expect(result.exitCode).toBe(0);
    const after = readdirSync(world.logDir).sort();
    expect(after).toContain('notes.txt');
    expect(after).toContain('push-manual.log');
    expect(after).not.toContain('push-20000101T000000000Z-1.log');
    expect(after).not.toContain('push-20000101T000000000Z-1.jsonl');
    const runs = after.filter((f) => /^push-\d{8}T/.test(f) && f.endsWith('.log'));
    const failed = (f: string): boolean => runFailed(join(world.logDir, f.replace(/\.log$/, '.jsonl')));
    // keepLogs 3: this run plus the two newest successful runs before it, each with its .jsonl...
    expect(runs.filter((f) => !failed(f))).toHaveLength(3);
    expect(runs.filter((f) => !failed(f)).slice(0, 2)).toEqual(before.filter((f) => !f.startsWith('push-2000') && !failed(f)).slice(-2));
    // ...and every failed run of the earlier tests, kept for keepLogDays whatever the count.
    expect(runs.filter(failed)).toEqual(before.filter((f) => !f.startsWith('push-2000') && failed(f)));
    expect(runs.filter(failed).length).toBeGreaterThan(0);
    expect(after.filter((f) => /^push-\d{8}T.*\.jsonl$/.test(f))).toHaveLength(runs.length);
    // Every push event has a short human msg (pino-pretty, grep, `zonegate log`).
    for (const file of after.filter((f) => f.endsWith('.jsonl') && !f.startsWith('push-2000')))
      for (const line of readFileSync(join(world.logDir, file), 'utf8').trim().split('\n'))
        expect((JSON.parse(line) as { msg?: unknown }).msg, `${file}: ${line}`).toMatch(/^(run start|run end|\S+: )/);
  });
});

describe('zonegate target add', () => {
  const hostKeyBody = (): string => readFileSync(world.healthy.knownHosts, 'utf8').trim().split(/\s+/)[2] ?? '';
  const args = (...extra: string[]): string[] => [
    'target',
    'add',
    'ns9',
    '--host',
    '127.0.0.1',
    '--port',
    String(world.healthy.port),
    '--known-hosts',
    join(world.dir, 'pinned_known_hosts'),
    ...extra,
  ];

  it('refuses to pin without a confirmation when no person can answer', async () => {
    const result = await zonegate(args());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/offers:\n {2}ssh-ed25519 SHA256:\S+\n/);
    expect(result.stderr).toMatch(/not confirmed: run on a terminal to answer, or pass --fingerprint/);
  });

  it('refuses a fingerprint the host does not have', async () => {
    const result = await zonegate(args('--fingerprint', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/no host key with fingerprint SHA256:A+; the target offered: ssh-ed25519 SHA256:/);
  });

  it('pins the confirmed key, and a push through that known_hosts works', async () => {
    const { fingerprintOf } = await import('../../src/admin/push/host-key.js');
    const fingerprint = fingerprintOf(hostKeyBody());
    const result = await zonegate(args('--fingerprint', fingerprint));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`recorded ${fingerprint} for [127.0.0.1]:${String(world.healthy.port)}`);
    // The defaults match `zonegate keygen ns9` (its key file) and README (the dedicated account).
    expect(result.stdout).toContain('"user":"zonegate","identity":"/etc/zonegate/keys/ns9"');
    expect(readFileSync(join(world.dir, 'pinned_known_hosts'), 'utf8')).toBe(
      `[127.0.0.1]:${String(world.healthy.port)} ssh-ed25519 ${hostKeyBody()}\n`,
    );
    const pinned = world.writeConfig([{ ...world.healthy, knownHosts: join(world.dir, 'pinned_known_hosts') }], {
      stateDir: join(world.dir, 'state2'),
      logDir: join(world.dir, 'log2'),
    });
    expect(await zonegate(['push', '--config', pinned])).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });
});

describe('progress display', () => {
  it('shows a live per-target display on a terminal (a pty from script(1)), and none when piped', async () => {
    const touched = join(world.source, 'db.zone2.example');
    writeFileSync(touched, soaZone('zone2.example', 2024010500));
    const command = `${process.execPath} ${join(ROOT, 'bin/admin.js')} push --config ${config}`;
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    // Status and output together: when script(1) or the push fails, the report shows why.
    const failed = tty.status === 0 ? '' : tty.stdout;
    expect({ status: tty.status, stderr: tty.stderr, error: tty.error?.message, failed }).toEqual({
      status: 0,
      stderr: '',
      error: undefined,
      failed: '',
    });
    expect(tty.stdout).toMatch(/✓ healthy\s+ok\s+[\d.]+s\s+1 zone file\(s\) changed/);
    writeFileSync(touched, soaZone('zone2.example', 2024010600));
    const piped = await zonegate(['push', '--config', config]);
    expect(piped).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });
});
