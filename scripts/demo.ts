#!/usr/bin/env node
// The end-to-end demo, on loopback, with real parts: a "secondary" (sshd + named + the gate) and a
// "primary" (zonegate push), set up with the zonegate CLI exactly as an admin would, then a push,
// the new serial served, and three refusals. Prints what it does, checks every outcome, cleans up
// everything it started (by pid, through the lab's scope), and exits 0 only if every step did what it says.
// Run it through scripts/demo.sh on a fresh machine (that installs what it needs first), or `npm run demo`.
// One file of ~300 lines on purpose: it is the walk-through a reader follows step by step.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planNamed } from '../test/lab/named.js';
import { projectPath } from '../test/lab/paths.js';
import { withScope, type Scope } from '../test/lab/scope.js';
import { planSshd } from '../test/lab/sshd.js';
import { SSH_KEYGEN } from '../test/lab/tools.js';
import { writeZoneFile, zoneText } from '../test/lab/zones.js';

const ADMIN = projectPath('bin/admin.js');
let failures = 0;

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const step = (title: string): void => {
  process.stdout.write(`\n${bold(`== ${title}`)}\n`);
};
const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');

/** Records an expectation; the demo's exit status is the sum of them. */
function expect(ok: boolean, what: string): void {
  say(`   ${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) failures += 1;
}

interface Shown {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs a command, shows it as an admin would type it, and returns its result. */
function run(shown: string, file: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Shown {
  say(`$ ${shown}`);
  const result = spawnSync(file, args, {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...options.env },
    input: options.input ?? '',
    timeout: 120_000,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const output = `${stdout}${stderr}`;
  if (output.trim() !== '') say(indent(output));
  return { status: result.status, stdout, stderr, output };
}

const zonegate = (args: string[]): Shown => run(`zonegate ${args.join(' ')}`, process.execPath, [ADMIN, ...args]);

function zone(name: string, serial: number, extra?: string): string {
  const records = ['ns1 IN A 192.0.2.53', `www IN A 192.0.2.${String((serial % 200) + 1)}`];
  return zoneText(name, serial, { records: extra === undefined ? records : [...records, extra] });
}

/** The last gate log record that passes `keep`. */
function lastRecord(log: string, keep: (record: Record<string, unknown>) => boolean): Record<string, unknown> {
  const record = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter(keep)
    .at(-1);
  if (record === undefined) throw new Error(`no such record in ${log}`);
  return record;
}

async function main(scope: Scope): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error(
      'run the demo as root (it starts sshd and logs in as root with a forced command); on a fresh machine: sudo bash scripts/demo.sh',
    );
  const base = scope.tempDir('zonegate-demo-');
  const S = join(base, 'secondary');
  const P = join(base, 'primary');
  for (const dir of [S, P, join(S, 'log'), join(P, 'zones'), join(P, 'log'), join(P, 'state')]) mkdirSync(dir, { recursive: true });
  const zoneSet = join(S, 'zones/external');
  mkdirSync(join(zoneSet, '.zonegate'), { recursive: true });
  // Ports, host key, sshd_config, named.conf and the rndc key now; the daemons start in step 4.
  const sshdPlan = await planSshd({ scope, parent: S, extraConfig: [] });
  const namedPlan = await planNamed({ scope, parent: S, includeFiles: [{ path: join(zoneSet, '.zonegate/named-zones.conf') }] });
  const sshPort = sshdPlan.port;
  const dnsPort = namedPlan.port;
  say(
    `zonegate demo in ${base}: a secondary (sshd on 127.0.0.1:${String(sshPort)}, named on :${String(dnsPort)}) and a primary, on loopback.`,
  );

  step('1. The secondary: a starter config, then one key for the primary and one zone-set rule');
  zonegate(['init', '--role', 'secondary', '--config', join(S, 'zonegate.conf')]);
  step('2. The primary: a starter config and a key pair for pushing to this secondary');
  zonegate(['init', '--role', 'primary', '--config', join(P, 'zonegate.conf')]);
  const keygen = zonegate(['keygen', 'ns2', '--dir', join(P, 'keys')]);
  expect(keygen.status === 0, 'keygen made an ed25519 key pair');
  const publicKey = readFileSync(join(P, 'keys/ns2.pub'), 'utf8').trim();

  const secondaryConfig = {
    gate: { rsync: '/usr/bin/rsync', log: join(S, 'log/gate.log'), sandbox: 'auto' },
    keys: {
      ns1: {
        publicKey,
        from: ['127.0.0.1'],
        rules: [
          {
            direction: 'upload',
            root: zoneSet,
            paths: ['**'],
            delete: true,
            zoneSet: {
              name: 'external',
              zones: ['example.com', 'example.net', 'example.org', '2.0.192.in-addr.arpa'],
              rndc: ['/usr/sbin/rndc', '-c', namedPlan.rndcConf],
              verify: { server: '127.0.0.1', port: dnsPort },
            },
          },
        ],
      },
    },
  };
  const secondaryText = `// The demo secondary: the primary's key "ns1" may push zones into one zone set.\n${JSON.stringify(secondaryConfig, null, 2)}\n`;
  writeFileSync(join(S, 'zonegate.conf'), secondaryText, { mode: 0o600 });
  say(`(edited ${join(S, 'zonegate.conf')}: the key block)\n${indent(JSON.stringify(secondaryConfig.keys, null, 2))}`);

  step('3. The secondary installs the authorized_keys line: restrict, from=, and the gate as forced command');
  const authorizedKeys = sshdPlan.authorizedKeys;
  writeFileSync(authorizedKeys, '# keys for root on the demo secondary\n', { mode: 0o600 });
  const install = zonegate(['authorized-keys', '--config', join(S, 'zonegate.conf'), '--install', authorizedKeys]);
  expect(
    install.status === 0 && /restrict,.*from="127\.0\.0\.1".*command="[^"]*gate\.cjs --config/.test(readFileSync(authorizedKeys, 'utf8')),
    'authorized_keys has the restricted, forced-command line',
  );
  say(indent(readFileSync(authorizedKeys, 'utf8').replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAA…')));

  step('4. Start the secondary: sshd and named, from the temp dir');
  const sshd = await sshdPlan.start();
  const named = await namedPlan.start();
  say(`   sshd pid ${String(sshd.pid)}, named pid ${String(named.pid)}`);

  step("5. The primary pins the secondary's host key and adds the target");
  const fingerprint =
    spawnSync(SSH_KEYGEN, ['-l', '-f', sshd.hostKey.publicKey], { encoding: 'utf8' }).stdout.split(' ')[1] ?? 'no fingerprint';
  const knownHosts = join(P, 'known_hosts');
  const identity = join(P, 'keys/ns2');
  const add = zonegate([
    'target',
    'add',
    'ns2',
    '--host',
    '127.0.0.1',
    '--port',
    String(sshPort),
    '--user',
    'root',
    '--known-hosts',
    knownHosts,
    '--identity',
    identity,
    '--source',
    join(P, 'zones'),
    '--destination',
    `${zoneSet}/`,
    '--fingerprint',
    fingerprint,
  ]);
  expect(add.status === 0 && existsSync(knownHosts), `host key ${fingerprint} pinned after comparing the fingerprint`);
  const primaryConfig = {
    targets: {
      ns2: {
        host: '127.0.0.1',
        port: sshPort,
        user: 'root',
        identity,
        knownHosts,
        source: join(P, 'zones'),
        destination: `${zoneSet}/`,
        delete: true,
        zoneFile: 'db.{zone}',
      },
    },
    push: { stateDir: join(P, 'state'), logDir: join(P, 'log') },
  };
  writeFileSync(join(P, 'zonegate.conf'), `// The demo primary: one target.\n${JSON.stringify(primaryConfig, null, 2)}\n`, { mode: 0o600 });

  step('6. Push a handful of zones (quiet on success, like cron wants it)');
  const zones = { 'example.com': 2026112301, 'example.net': 2026112301, 'example.org': 2026112301, '2.0.192.in-addr.arpa': 2026112301 };
  const writeZone = (name: string, text: string): void => {
    writeZoneFile(join(P, 'zones'), `db.${name}`, text);
  };
  for (const [name, serial] of Object.entries(zones)) writeZone(name, zone(name, serial));
  const first = zonegate(['push', '--config', join(P, 'zonegate.conf')]);
  // Quiet but for what cron should mail: the secondary now serves zones it did not before.
  expect(
    first.status === 0 &&
      // In rsync's file-list order, which is sorted by name.
      first.output.trim() === 'zonegate push: ns2: zones added on the secondary: 2.0.192.in-addr.arpa example.com example.net example.org',
    'zonegate push exit 0; its only output names the zones the secondary now serves',
  );
  const served = run(`dig +short -p ${String(dnsPort)} @127.0.0.1 example.com SOA`, 'dig', [
    '+short',
    '-p',
    String(dnsPort),
    '@127.0.0.1',
    'example.com',
    'SOA',
  ]);
  expect(served.stdout.includes('2026112301'), 'named serves example.com with serial 2026112301');

  step('7. Change one zone and push again: only that zone is validated and reloaded');
  writeZone('example.com', zone('example.com', 2026112302, 'mail IN A 192.0.2.25'));
  const second = zonegate(['push', '--config', join(P, 'zonegate.conf')]);
  expect(second.status === 0, 'push exit 0');
  const now = await named.serial('example.com');
  expect(now === 2026112302, `dig: example.com now serves ${String(now)}`);
  const gateLog = join(S, 'log/gate.log');
  const finished = lastRecord(gateLog, (r) => r['event'] === 'finished');
  const { outcome, changed, reload, serials } = finished;
  say(indent(`gate log: ${JSON.stringify({ outcome, changed, reload, serials })}`));
  expect(
    JSON.stringify(changed) === '["example.com"]' && JSON.stringify(reload) === '["reload example.com"]',
    'the gate reloaded only example.com',
  );

  const ssh = ['ssh', ...sshd.sshOptions(identity)];
  step("8. Refused: a shell-injection attempt with the primary's key");
  rmSync('/tmp/zonegate-demo-pwned', { force: true });
  const injection = run(`ssh … root@127.0.0.1 'rsync --server . ${zoneSet}/;touch /tmp/zonegate-demo-pwned'`, 'ssh', [
    ...ssh.slice(1),
    'root@127.0.0.1',
    `rsync --server . ${zoneSet}/;touch /tmp/zonegate-demo-pwned`,
  ]);
  expect(
    injection.status === 65 && /zonegate: denied: .*shell character ";"/.test(injection.stderr) && !existsSync('/tmp/zonegate-demo-pwned'),
    'denied (exit 65), nothing ran',
  );

  step('9. Refused: a push outside the allowed tree, and `zonegate check` explaining why');
  const outside = run(`rsync -a -e 'ssh …' ${join(P, 'zones')}/ root@127.0.0.1:/etc/bind/`, 'rsync', [
    '-a',
    '-e',
    ssh.join(' '),
    `${join(P, 'zones')}/`,
    'root@127.0.0.1:/etc/bind/',
  ]);
  expect(outside.status !== 0 && /zonegate: denied: path is outside the allowed tree/.test(outside.stderr), 'denied, /etc/bind untouched');
  const denied = lastRecord(gateLog, (r) => r['verdict'] === 'deny');
  const command = typeof denied['command'] === 'string' ? denied['command'] : '';
  const check = zonegate(['check', '--config', join(S, 'zonegate.conf'), '--key', 'ns1', '--client', '127.0.0.1', '--', command]);
  expect(check.status === 1 && check.stdout.startsWith('deny: path is outside the allowed tree'), 'zonegate check: deny, and why');

  step('10. Refused: a broken zone; named keeps serving the old serial');
  writeZone('example.net', zone('example.net', 2026112302, 'www2 IN A 999.0.0.1'));
  const local = zonegate(['push', '--config', join(P, 'zonegate.conf')]);
  expect(local.status !== 0 && /example\.net/.test(local.output), 'zonegate push refuses it on the primary: it never leaves');
  const raw = run(`rsync -rt -e 'ssh …' ${join(P, 'zones')}/ root@127.0.0.1:${zoneSet}/   (bypassing the primary's check)`, 'rsync', [
    '-rt',
    '-e',
    ssh.join(' '),
    `${join(P, 'zones')}/`,
    `root@127.0.0.1:${zoneSet}/`,
  ]);
  expect(
    raw.status === 80 && /zone example\.net \(db\.example\.net\) is invalid: .*bad dotted quad/.test(raw.stderr),
    "the secondary refuses it too, with named-checkzone's message (exit 80)",
  );
  const still = await named.serial('example.net');
  expect(still === 2026112301, `dig: example.net still serves ${String(still)}`);
  writeZone('example.net', zone('example.net', 2026112302));

  step('11. Status, for people and for monitoring');
  const status = zonegate(['status', '--config', join(P, 'zonegate.conf')]);
  expect(status.status === 0 || status.status === 1, 'zonegate status on the primary');
  const secondaryStatus = zonegate(['status', '--config', join(S, 'zonegate.conf'), '--nagios']);
  // The last push was the refused broken zone of step 10: WARNING (served zones intact), not CRITICAL.
  expect(
    secondaryStatus.status === 1 && /^ZONEGATE WARNING - zone set external: last push refused \(exit 80\)/.test(secondaryStatus.stdout),
    'zonegate status --nagios on the secondary: WARNING, the last push was refused (the served zones are intact)',
  );
  const releases = zonegate(['releases', 'external', '--config', join(S, 'zonegate.conf')]);
  expect(releases.status === 0, "zonegate releases lists the zone set's releases");
}

try {
  await withScope('demo', main);
} catch (error) {
  say(`\nFAILED: ${error instanceof Error ? error.message : String(error)}`);
  failures += 1;
}
say(
  failures === 0
    ? '\nDemo complete: every step did what it says; everything it started is stopped and removed.'
    : `\nDemo FAILED: ${String(failures)} step(s) did not do what they say.`,
);
process.exitCode = failures === 0 ? 0 : 1;
