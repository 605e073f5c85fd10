// Attack: a compromised secondary forges the gate's timing line to corrupt the primary's report (a
// number too large to be a duration, negative or non-numeric values, a timing line flooded to
// hundreds of kilobytes, a total longer than the primary has been waiting). The "gate" here is the
// attacker's script: it prints the line, then runs the real rsync server so the push itself
// succeeds. The real `zonegate push` (real ssh, rsync and sshd on loopback) must ignore the line
// whole: the target is ok, its timing holds only what the primary measured, and the run log, the
// events and `--json` stay small, with nothing of the line's numbers in them.

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { makeKeyPair } from '../lab/keys.js';
import { startSshd, type Sshd } from '../lab/sshd.js';
import { soaZone } from '../lab/zones.js';

let sshd: Sshd;
let dir: string;
let script: string;
let config: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zonegate-hostile-timing-'));
  sshd = await startSshd();
  const key = await makeKeyPair(sshd.dir, 'primary');
  script = join(dir, 'hostile-gate');
  writeFileSync(sshd.authorizedKeys, `restrict,command="${script}" ${key.line}\n`, { mode: 0o600 });
  const source = join(dir, 'zones');
  mkdirSync(source);
  writeFileSync(join(source, 'db.example.com'), soaZone('example.com', 2026112501));
  mkdirSync(join(dir, 'dest'));
  config = join(dir, 'primary.conf');
  const target = {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    identity: key.privateKey,
    knownHosts: sshd.knownHosts,
    source,
    destination: `${dir}/dest/`,
    timeoutSeconds: 30,
    retries: 0,
  };
  writeFileSync(config, JSON.stringify({ targets: { evil: target }, push: { stateDir: join(dir, 'state'), logDir: join(dir, 'log') } }), {
    mode: 0o600,
  });
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const P = 'zonegate: progress: timing ';

describe('a forged timing line from a secondary', () => {
  it.each([
    ['inflated past what the primary waited', String.raw`printf '${P}gate=10 transfer=99999998 total=99999999\n' >&2`],
    ['too many digits', String.raw`printf '${P}gate=10 total=123456789012345678901234567890\n' >&2`],
    ['negative and non-numeric', String.raw`printf '${P}gate=-5 check=NaN total=1e9\n' >&2`],
    ['phases past the total', String.raw`printf '${P}gate=3 transfer=4 total=5\n' >&2`],
    ['unknown phase', String.raw`printf '${P}gate=1 sleep=2 total=5\n' >&2`],
    [
      'flooded to 300 kB on one line',
      String.raw`printf '${P}gate=' >&2; head -c 300000 /dev/zero | tr '\0' 1 >&2; printf ' total=5\n' >&2`,
    ],
  ])('%s: ignored whole, the push still ok', async (_attack, hostile) => {
    writeFileSync(script, `#!/bin/sh\n${hostile}\nexec $SSH_ORIGINAL_COMMAND\n`);
    chmodSync(script, 0o755);
    rmSync(join(dir, 'log'), { recursive: true, force: true });
    const push = await zonegate(['push', '--config', config, '--json']);
    expect(push.exitCode).toBe(0);
    expect(push.stderr).toBe('');
    expect(push.stdout.length).toBeLessThan(2000);
    const doc = JSON.parse(push.stdout) as {
      targets: { target: string; kind: string; timing: { attemptMs: number; phases: object; gate: string } }[];
    };
    expect(doc.targets).toHaveLength(1);
    expect(doc.targets[0]).toMatchObject({ target: 'evil', kind: 'ok', timing: { phases: {}, gate: 'ignored' } });
    expect(Number.isInteger(doc.targets[0]?.timing.attemptMs)).toBe(true);
    const logs = readdirSync(join(dir, 'log')).map((f) => readFileSync(join(dir, 'log', f), 'utf8'));
    expect(logs.join('')).toMatch(/evil: timing: attempt \d+ ms \(the gate timing line was malformed: ignored\)/);
    const events = logs.find((text) => text.includes('"event":"target"')) ?? '';
    expect(events.length).toBeLessThan(4000);
    expect(events).not.toMatch(/99999|1e9|NaN|sleep/);
    // The files arrived: the forged line changed nothing but the report.
    expect(readdirSync(join(dir, 'dest'))).toContain('db.example.com');
  });
});
