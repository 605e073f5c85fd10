// A compromised secondary answers the primary's push with hostile text: terminal escapes (OSC title
// rewrite, CSI screen clear, 8-bit CSI), forged Nagios perfdata after a `|`, and a flood. The real
// `zonegate push` (real rsync and ssh, real sshd on loopback, the secondary's forced command replaced
// by the attacker's script) must keep all of it out of cron's mail, the run log, the status file,
// `zonegate status` and the Nagios line, as inert, bounded text.

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate, type RunResult } from '../helpers/admin-cli.js';
import { soaZone } from '../lab/zones.js';
import { makeKeyPair } from '../lab/keys.js';
import { startSshd, type Sshd } from '../lab/sshd.js';

let sshd: Sshd;
let dir: string;
let config: string;
let push: RunResult;

// What the attacker's "gate" writes to stderr: an OSC title, a screen clear, an 8-bit CSI, a BEL,
// a forged perfdata tail and 400 KB more.
const HOSTILE = [
  String.raw`printf 'zonegate: denied: \033]0;pwned\007\033[2J\302\2331m| fake_perf=0;1;2 \010\177tail\r\n' >&2`,
  String.raw`head -c 400000 /dev/zero | tr '\0' A >&2`,
  'exit 77',
].join('\n');

// Anything a terminal or a mail reader would act on: ESC, BEL, CR, BS, DEL, C1 (incl. 8-bit CSI).
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zonegate-hostile-'));
  sshd = await startSshd();
  const key = await makeKeyPair(sshd.dir, 'primary');
  const script = join(dir, 'hostile-gate');
  writeFileSync(script, `#!/bin/sh\n${HOSTILE}\n`);
  chmodSync(script, 0o755);
  writeFileSync(sshd.authorizedKeys, `restrict,command="${script}" ${key.line}\n`, { mode: 0o600 });
  const source = join(dir, 'zones');
  mkdirSync(source);
  writeFileSync(join(source, 'db.example.com'), soaZone('example.com', 2026112501));
  config = join(dir, 'primary.conf');
  const target = {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    identity: key.privateKey,
    knownHosts: sshd.knownHosts,
    source,
    destination: '.',
    timeoutSeconds: 30,
    retries: 0,
  };
  const settings = { stateDir: join(dir, 'state'), logDir: join(dir, 'log'), backoffSeconds: [1] };
  writeFileSync(config, JSON.stringify({ targets: { evil: target }, push: settings }), { mode: 0o600 });
  push = await zonegate(['push', '--config', config]);
});
afterAll(async () => sshd?.stop());

describe('text from a hostile secondary', () => {
  it('reaches cron mail (stderr) as one clean, bounded line with no `|`', () => {
    expect(push.exitCode).not.toBe(0);
    expect(push.stderr).toContain('evil: failed');
    expect(push.stderr).toMatch(/evil: failed .*: denied: ¦ fake_perf=0;1;2 tail\n/);
    expect(push.stderr).not.toMatch(ACTIVE);
    expect(push.stderr).not.toContain('| fake_perf');
    expect(push.stderr.length).toBeLessThan(4000);
  });

  it('reaches the run log without escapes or control characters, and capped', () => {
    const files = readdirSync(join(dir, 'log'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(join(dir, 'log', file), 'utf8');
      expect(text.replace(/[\n\t]/g, '')).not.toMatch(ACTIVE);
      expect(text).not.toContain('pwned\u0007');
      // The 400 KB flood was cut (the cap is 256 Ki characters per stream and attempt), and says so.
      expect(text.length).toBeLessThan(300_000);
      if (text.includes('AAAA')) expect(text).toMatch(/characters cut\]/);
    }
  });

  it('reaches the status file, `zonegate status` and the Nagios line without forged perfdata', async () => {
    const status = JSON.parse(readFileSync(join(dir, 'state', 'push-status.json'), 'utf8')) as {
      targets: Record<string, { lastReason?: string }>;
    };
    const reason = status.targets['evil']?.lastReason ?? '';
    expect(reason).toContain('fake_perf');
    expect(reason).not.toMatch(ACTIVE);
    expect(reason).not.toContain('|');
    expect(reason.length).toBeLessThanOrEqual(300);

    const text = await zonegate(['status', '--config', config]);
    expect(text.stdout).not.toMatch(ACTIVE);

    const nagios = await zonegate(['status', '--config', config, '--nagios']);
    expect(nagios.exitCode).toBe(2);
    const [line = ''] = nagios.stdout.split('\n');
    expect(line).toContain('fake_perf');
    // One `|`: the plugin's own perfdata separator, after which only our own labels appear.
    expect(line.split('|')).toHaveLength(2);
    expect(line.split('|')[1]).not.toContain('fake_perf');
    expect(nagios.stdout).not.toMatch(ACTIVE);
  });
});
